/** The simulated kubelet: binding a pod to a node starts it; ending it updates pod and Job status. */
import { isoSeconds } from './store.js';
import type { Store } from './store.js';
import type { Condition, JobObject, PodObject } from './types.js';

export function jobFinished(job: JobObject): boolean {
  return (job.status.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

export function ownerUid(pod: PodObject): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.kind === 'Job' && o.controller)?.uid;
}

/** Pod annotation holding the exact (millisecond) time the simulated run started. */
export const STARTED_AT = 'sim.switchyard.io/started-at';

/** Pod annotation holding the exact (millisecond) time the simulated run ends. */
export const ENDS_AT = 'sim.switchyard.io/ends-at';

export function cond(
  type: string,
  status: Condition['status'],
  now: Date,
  reason?: string,
  message?: string,
): Condition {
  return {
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    lastProbeTime: null,
    lastTransitionTime: isoSeconds(now),
  };
}

export function envNumber(pod: PodObject, name: string, fallback: number): number {
  const raw = pod.spec.containers[0]?.env?.find((e) => e.name === name)?.value;
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

/**
 * The container's `state.terminated.reason`: `Completed` for exit code 0, else the pod's
 * `SIM_TERMINATION_REASON` (e.g. `OOMKilled`, as a kubelet reports an out-of-memory kill) or `Error`.
 */
function terminatedReason(pod: PodObject, exitCode: number): string {
  if (exitCode === 0) return 'Completed';
  const raw = pod.spec.containers[0]?.env?.find((e) => e.name === 'SIM_TERMINATION_REASON')?.value;
  return raw && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(raw) ? raw : 'Error';
}

interface Logger {
  defaultDurationSeconds: number;
  log: (line: string) => void;
}

/** Binds a pending pod to `node` and starts it; the pod and its Job's start are written together. */
export function bindPod(...args: Parameters<typeof bindPodNow>): void {
  args[0].atomically(() => bindPodNow(...args));
}

function bindPodNow(
  store: Store,
  pod: PodObject,
  node: string,
  job: JobObject | undefined,
  now: Date,
  options: Logger,
): void {
  const seconds = envNumber(pod, 'SIM_DURATION_SECONDS', options.defaultDurationSeconds);
  const started = isoSeconds(now);
  const index = Math.floor(Math.random() * 250) + 2;
  pod.spec.nodeName = node;
  pod.metadata.annotations = {
    ...pod.metadata.annotations,
    [STARTED_AT]: now.toISOString(),
    [ENDS_AT]: new Date(now.getTime() + seconds * 1000).toISOString(),
  };
  pod.status = {
    ...pod.status,
    phase: 'Running',
    conditions: [
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ].map((t) => cond(t, 'True', now)),
    hostIP: '10.0.0.1',
    podIP: `10.244.0.${index}`,
    startTime: started,
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `simulated://${pod.metadata.uid ?? ''}-${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: started } },
      lastState: {},
    })),
  };
  store.put('Pod', pod);
  options.log(
    `pod ${pod.metadata.namespace}/${pod.metadata.name} bound to simulated node ${node} for ${seconds}s`,
  );
  if (job && !jobFinished(job)) {
    job.status = { ...job.status, startTime: job.status.startTime ?? started, active: 1, ready: 1 };
    store.put('Job', job);
  }
}

/**
 * Ends a running pod at `at` with `exitCode`; `reason` DeadlineExceeded marks a Job deadline. The
 * pod and its Job are written together, so a kill -9 never leaves an ended pod under a Job that
 * never finishes.
 */
export function endPod(...args: Parameters<typeof endPodNow>): void {
  args[0].atomically(() => endPodNow(...args));
}

function endPodNow(
  store: Store,
  pod: PodObject,
  job: JobObject | undefined,
  at: Date,
  exitCode: number,
  reason: 'DeadlineExceeded' | undefined,
  options: Logger,
): void {
  const finished = isoSeconds(at);
  const ok = exitCode === 0 && !reason;
  pod.status = {
    ...pod.status,
    phase: ok ? 'Succeeded' : 'Failed',
    ...(reason
      ? { reason, message: 'Pod was active on the node longer than the specified deadline' }
      : {}),
    conditions: (pod.status.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? cond(c.type, 'False', at, 'PodCompleted')
        : c,
    ),
    containerStatuses: (pod.status.containerStatuses ?? []).map((s) => ({
      ...s,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode,
          reason: terminatedReason(pod, exitCode),
          startedAt: pod.status.startTime,
          finishedAt: finished,
          containerID: s.containerID,
        },
      },
    })),
  };
  store.put('Pod', pod);
  options.log(
    `pod ${pod.metadata.namespace}/${pod.metadata.name} ended (simulated), exit code ${exitCode}${reason ? `, ${reason}` : ''}`,
  );
  if (!job || jobFinished(job) || ownerUid(pod) !== job.metadata.uid) return;
  const { active: _active, ...rest } = job.status;
  if (ok) {
    const msg = 'Reached expected number of succeeded pods';
    job.status = {
      ...rest,
      ready: 0,
      succeeded: 1,
      completionTime: finished,
      conditions: [
        cond('SuccessCriteriaMet', 'True', at, 'CompletionsReached', msg),
        cond('Complete', 'True', at, 'CompletionsReached', msg),
      ],
    };
  } else {
    const why = reason ?? 'BackoffLimitExceeded';
    const msg = reason
      ? 'Job was active longer than specified deadline'
      : 'Job has reached the specified backoff limit';
    job.status = {
      ...rest,
      ready: 0,
      failed: 1,
      conditions: [
        cond('FailureTarget', 'True', at, why, msg),
        cond('Failed', 'True', at, why, msg),
      ],
    };
  }
  store.put('Job', job);
}
