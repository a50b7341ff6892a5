/**
 * What `kubectl logs` shows for a simulated pod. No container runs, so the output is made up from
 * the pod itself, in a shape a user recognises: each line of the job's `SIM_LOG` env at start, a
 * progress line per second run (`step 3/10`), then the exit line. A pure function of the pod and
 * the time, so every read (and a restarted cluster) tells the same story.
 */
import { envNumber } from './kubelet.js';
import type { PodObject } from './types.js';

export function simulatedPodLog(pod: PodObject, now: number, defaultSeconds: number): string[] {
  const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const lines = [`[switchyard simulated cluster] pod ${name}: no real container runs here.`];
  const started = Date.parse(pod.status.startTime ?? '');
  if (!Number.isFinite(started)) {
    lines.push(`waiting to start (phase ${pod.status.phase})`);
    return lines;
  }
  const env = pod.spec.containers[0]?.env ?? [];
  const simLog = env.find((e) => e.name === 'SIM_LOG')?.value;
  if (simLog) lines.push(...simLog.split('\n'));
  const total = Math.max(0, Math.round(envNumber(pod, 'SIM_DURATION_SECONDS', defaultSeconds)));
  const state = pod.status.containerStatuses?.[0]?.state as
    { terminated?: { exitCode?: number; reason?: string; finishedAt?: string } } | undefined;
  const terminated = state?.terminated;
  const until = terminated?.finishedAt ? Date.parse(terminated.finishedAt) : now;
  const steps = Math.min(total, Math.max(0, Math.floor((until - started) / 1000)));
  for (let k = 1; k <= steps; k++) lines.push(`step ${k}/${total}`);
  if (terminated) {
    lines.push(
      `exited with code ${terminated.exitCode ?? 0} (${terminated.reason ?? 'Completed'})`,
    );
  }
  return lines;
}
