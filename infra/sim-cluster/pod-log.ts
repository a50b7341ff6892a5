/**
 * What `kubectl logs` shows for a simulated pod. No container runs, so the output is made up from
 * the pod itself, in a shape a user recognises: each line of the job's `SIM_LOG` env at start, a
 * progress line per second run (`step 3/10`), then the exit line. A pure function of the pod and
 * the time, so every read (and a restarted cluster) tells the same story. Each line has the time it
 * was "printed", so `timestamps`, `sinceTime`, `sinceSeconds` and `tailLines` work as in Kubernetes.
 */
import { envNumber } from './kubelet.js';
import type { PodObject } from './types.js';

export interface PodLogLine {
  /** Epoch ms; NaN for the note on a pod that has not started. */
  at: number;
  text: string;
}

export function simulatedPodLogLines(
  pod: PodObject,
  now: number,
  defaultSeconds: number,
): PodLogLine[] {
  const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const note = `[switchyard simulated cluster] pod ${name}: no real container runs here.`;
  const started = Date.parse(pod.status.startTime ?? '');
  if (!Number.isFinite(started)) {
    return [note, `waiting to start (phase ${pod.status.phase})`].map((text) => ({
      at: NaN,
      text,
    }));
  }
  const lines: PodLogLine[] = [{ at: started, text: note }];
  const env = pod.spec.containers[0]?.env ?? [];
  const simLog = env.find((e) => e.name === 'SIM_LOG')?.value;
  if (simLog) lines.push(...simLog.split('\n').map((text) => ({ at: started, text })));
  const total = Math.max(0, Math.round(envNumber(pod, 'SIM_DURATION_SECONDS', defaultSeconds)));
  const state = pod.status.containerStatuses?.[0]?.state as
    { terminated?: { exitCode?: number; reason?: string; finishedAt?: string } } | undefined;
  const terminated = state?.terminated;
  const until = terminated?.finishedAt ? Date.parse(terminated.finishedAt) : now;
  const steps = Math.min(total, Math.max(0, Math.floor((until - started) / 1000)));
  for (let k = 1; k <= steps; k++)
    lines.push({ at: started + k * 1000, text: `step ${k}/${total}` });
  if (terminated) {
    const text = `exited with code ${terminated.exitCode ?? 0} (${terminated.reason ?? 'Completed'})`;
    lines.push({ at: Math.max(until, started + steps * 1000), text });
  }
  return lines;
}

/** The body of `GET …/pods/<name>/log` for these query parameters. */
export function podLogBody(lines: PodLogLine[], query: URLSearchParams, now: number): string {
  const sinceTime = Date.parse(query.get('sinceTime') ?? '');
  const sinceSeconds = Number(query.get('sinceSeconds') ?? NaN);
  const since = Number.isFinite(sinceTime)
    ? sinceTime
    : Number.isFinite(sinceSeconds)
      ? now - sinceSeconds * 1000
      : undefined;
  let shown = since === undefined ? lines : lines.filter((l) => l.at >= since);
  const tail = Number(query.get('tailLines') ?? NaN);
  if (Number.isInteger(tail) && tail >= 0) shown = tail === 0 ? [] : shown.slice(-tail);
  const stamp = query.get('timestamps') === 'true';
  const text = shown.map((l) =>
    stamp && Number.isFinite(l.at) ? `${new Date(l.at).toISOString()} ${l.text}` : l.text,
  );
  return text.length > 0 ? `${text.join('\n')}\n` : '';
}
