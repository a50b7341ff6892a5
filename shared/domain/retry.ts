/**
 * Whether a failed run of a job runs again: the one place that decides it, pure, so a table test
 * covers every case. Failures of the infrastructure (a node lost, a pod evicted or disrupted, the
 * cluster gone, Slurm NODE_FAIL/PREEMPTED) retry even without a `retry` policy, on another
 * cluster where one can take it; failures of the job's own code retry only for the exit codes the
 * submission lists. Also the job's list of runs, for its view.
 */
import { AppError } from '../base/errors.js';
import type { Job, JobAttempt, JobEvent } from './job.js';
import { withEvent } from './transition.js';

/** Runs in all a job without `retry` gets when the infrastructure fails it. */
export const DEFAULT_INFRA_ATTEMPTS = 3;
/** Wait before an infrastructure retry of a job without `retry` (it goes elsewhere anyway). */
export const DEFAULT_INFRA_BACKOFF_SECONDS = 0;

/**
 * Reasons that mean the infrastructure, not the job, ended the run: Kubernetes' pod
 * `DisruptionTarget` reasons, an eviction or lost node, a Job failed by its pod failure policy
 * (Switchyard's Job manifests have one FailJob rule, for `DisruptionTarget`), Slurm's node
 * failure and preemption states, and Switchyard's own `ClusterLost`.
 */
export const INFRA_REASONS: ReadonlySet<string> = new Set([
  'DeletionByTaintManager',
  'EvictionByEvictionAPI',
  'PreemptionByScheduler',
  'PreemptionByKubeScheduler',
  'DeletionByPodGC',
  'TerminationByKubelet',
  'DisruptionTarget',
  'PodFailurePolicy',
  'Evicted',
  'NodeLost',
  'NodeShutdown',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'ClusterLost',
]);

export interface RunFailure {
  clusterId: string;
  /** The most specific reason known (container/disruption reason over the Job's). */
  reason: string;
  exitCode: number | null;
}

export type RetryDecision =
  | {
      retry: true;
      /** The next run's number (the current one plus one). */
      attempt: number;
      infrastructure: boolean;
      backoffSeconds: number;
      /** Whether to try to keep the next run off the cluster that failed (infrastructure). */
      avoidCluster: boolean;
      why: string;
    }
  | { retry: false; infrastructure: boolean; why: string };

export function isInfrastructureFailure(reason: string): boolean {
  return INFRA_REASONS.has(reason);
}

/** The number of the job's current run: 1 plus the runs that ended before it. */
export function currentAttempt(job: Job): number {
  return (job.attempts?.length ?? 0) + 1;
}

/** Decides whether the failed current run of `job` runs again, and how. */
export function decideRetry(job: Job, failure: RunFailure): RetryDecision {
  const attempt = currentAttempt(job);
  const policy = job.spec.retry;
  const infrastructure = isInfrastructureFailure(failure.reason);
  const max = policy?.maxAttempts ?? (infrastructure ? DEFAULT_INFRA_ATTEMPTS : 1);
  const what = infrastructure
    ? `the infrastructure failed it (${failure.reason})`
    : failure.exitCode === null
      ? `it failed (${failure.reason})`
      : `it exited with code ${failure.exitCode}`;
  if (!infrastructure) {
    const codes = policy?.onExitCodes ?? [];
    if (failure.exitCode === null || !codes.includes(failure.exitCode)) {
      const listed = codes.length
        ? `retry.onExitCodes [${codes.join(', ')}]`
        : 'no retry.onExitCodes';
      return { retry: false, infrastructure, why: `${what}; not retried: ${listed}` };
    }
  }
  if (attempt >= max) {
    const source = policy ? 'retry.maxAttempts' : 'the default for infrastructure failures';
    return {
      retry: false,
      infrastructure,
      why: `${what}; not retried: ${attempt} of ${max} attempt(s) used (${source})`,
    };
  }
  const backoffSeconds = policy?.backoffSeconds ?? DEFAULT_INFRA_BACKOFF_SECONDS;
  return {
    retry: true,
    attempt: attempt + 1,
    infrastructure,
    backoffSeconds,
    avoidCluster: infrastructure,
    why: `${what}; attempt ${attempt + 1} of ${max}${backoffSeconds ? ` after ${backoffSeconds}s` : ''}`,
  };
}

/** When the current run was placed and started: the last `dispatched` event and the next `running`. */
function runTimes(events: readonly JobEvent[]): { placedAt?: string; startedAt?: string } {
  let placed = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.state === 'dispatched') {
      placed = i;
      break;
    }
  }
  if (placed < 0) return {};
  const started = events.slice(placed).find((e) => e.state === 'running');
  return { placedAt: events[placed]!.at, ...(started ? { startedAt: started.at } : {}) };
}

/** The record of the current run as it ends now. */
export function endedAttempt(
  job: Job,
  failure: RunFailure,
  outcome: JobAttempt['outcome'],
  at: string,
  message: string,
): JobAttempt {
  return {
    attempt: currentAttempt(job),
    clusterId: failure.clusterId,
    ...runTimes(job.events),
    endedAt: at,
    outcome,
    reason: failure.reason,
    exitCode: failure.exitCode,
    message,
  };
}

/** A run in the job's view: `active` while the current run has not ended. */
export type AttemptView = Omit<JobAttempt, 'endedAt' | 'outcome'> & {
  endedAt: string | null;
  outcome: JobAttempt['outcome'] | 'active';
};

/** Every run of the job for its view: those retried, then the current (or last) one if placed. */
export function attemptsView(job: Job): AttemptView[] {
  const ended: AttemptView[] = (job.attempts ?? []).map(({ placementAttempt: _p, ...a }) => a);
  if (!job.placement || job.state === 'pending' || job.state === 'received') return ended;
  const terminal = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
  const latest = terminal
    ? [...job.events].reverse().find((e) => e.state === job.state)
    : job.events[job.events.length - 1];
  return [
    ...ended,
    {
      attempt: currentAttempt(job),
      clusterId: job.placement.clusterId,
      ...runTimes(job.events),
      endedAt: terminal ? (latest?.at ?? null) : null,
      outcome: terminal ? (job.state as JobAttempt['outcome']) : 'active',
      reason: latest?.reason ?? '',
      exitCode: job.result?.exitCode ?? null,
      message: latest?.message ?? '',
    },
  ];
}

/** States a run can fail from (it was placed, maybe created, maybe running). */
const RETRYABLE_STATES = new Set(['dispatched', 'submitted', 'running']);

/**
 * The failed current run recorded as `retried`, and the job back to `pending` (same id, its
 * reservation given back) until `retryAt`. The one backwards move from `running`: reports never
 * make it, only a retry decision.
 */
export function retryTransition(
  job: Job,
  failure: RunFailure,
  reason: string,
  message: string,
  at: string,
  patch: { retryAt: string; blockedClusters?: string[] },
): Job {
  if (!RETRYABLE_STATES.has(job.state)) {
    throw new AppError('INVALID_STATE', `job ${job.id} is ${job.state} and cannot be retried`, {
      details: { state: job.state, requested: 'pending' },
    });
  }
  const ran = {
    ...endedAttempt(job, failure, 'retried', at, message),
    placementAttempt: job.placement?.attempt ?? 0,
  };
  const next: Job = {
    ...job,
    ...patch,
    state: 'pending',
    attempts: [...(job.attempts ?? []), ran],
  };
  delete next.reservation;
  delete next.result;
  return withEvent(next, { at, state: 'pending', reason, message });
}

/** The Kubernetes name of the job's next run: `<base>` for the first, `<base>-r<n>` for retries. */
export function runKubeName(job: Job, base: string): string {
  const runs = job.attempts?.length ?? 0;
  return runs === 0 ? base : `${base}-r${runs + 1}`;
}

/** Placements of the current run so far (failover hops since the last retry, this one included). */
export function placementsThisRun(job: Job): number {
  const last = job.attempts?.[job.attempts.length - 1];
  return (job.placement?.attempt ?? 0) - (last?.placementAttempt ?? 0);
}
