/**
 * Carries out a retry decision (`domain/retry.ts`) for a run that failed: the drainer's `failed`
 * report and the offline sweep's presumed-lost running jobs both come here. The job goes back to
 * `pending` with the same id (an event, a webhook), its GPUs free at once, and waits out the
 * backoff; an infrastructure failure blocks the failed cluster when another one can take the job.
 */
import { jobLogger } from '../base/job-log.js';
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { mutateJob } from '../jobs/mutate.js';
import type { Job } from '../domain/job.js';
import { decideRetry, retryTransition, type RunFailure } from '../domain/retry.js';
import { decideNow } from './dispatch.js';
import { transition } from '../domain/transition.js';
import { releaseReportedGpus } from './released-gpus.js';

export interface RetryOutcome {
  /** The job as stored when it was retried; undefined when it was not (see `why`). */
  retried?: Job;
  why: string;
  infrastructure: boolean;
}

/** Whether the run `attempt` on `clusterId` is still the job's current one. */
function current(job: Job, clusterId: string, attempt: number): boolean {
  return (
    (job.state === 'dispatched' || job.state === 'submitted' || job.state === 'running') &&
    job.placement?.clusterId === clusterId &&
    job.placement.attempt === attempt
  );
}

/** The clusters to block for the next run: the failed one too, if another cluster can take it. */
async function blockedFor(ctx: DispatchContext, job: Job, clusterId: string): Promise<string[]> {
  const blocked = [...new Set([...(job.blockedClusters ?? []), clusterId])];
  const { decision } = await decideNow(ctx, job.tenantId, job.spec, blocked);
  return decision.outcome === 'rejected' ? (job.blockedClusters ?? []) : blocked;
}

/**
 * Retries the failed run `placementAttempt` of `jobId` on `failure.clusterId` if the policy says
 * so. `reason` names the pending event (e.g. `ClusterLost`); `message` says what happened.
 */
export async function retryFailedRun(
  ctx: DispatchContext,
  jobId: string,
  placementAttempt: number,
  failure: RunFailure,
  message: string,
  reason = failure.reason,
): Promise<RetryOutcome> {
  const job = await ctx.store.jobs.get(jobId);
  if (!job || !current(job, failure.clusterId, placementAttempt))
    return { why: 'the run is no longer current', infrastructure: false };
  const decision = decideRetry(job, failure);
  if (!decision.retry) return { why: decision.why, infrastructure: decision.infrastructure };
  const blocked = decision.avoidCluster
    ? await blockedFor(ctx, job, failure.clusterId)
    : job.blockedClusters;
  const eventReason = decision.infrastructure ? reason : 'RetryOnExitCode';
  const { job: stored, changed } = await mutateJob(ctx, jobId, (j) => {
    if (!current(j, failure.clusterId, placementAttempt)) return undefined;
    const at = nowIso(ctx);
    const retryAt = new Date(Date.parse(at) + decision.backoffSeconds * 1000).toISOString();
    const where = blocked?.includes(failure.clusterId)
      ? 'on another cluster'
      : 'on any cluster, this one included';
    const note = `${message}; ${decision.why}, ${where}`;
    return retryTransition(j, failure, eventReason, note, at, {
      retryAt,
      ...(blocked ? { blockedClusters: blocked } : {}),
    });
  });
  if (!changed) return { why: 'the run is no longer current', infrastructure: false };
  jobLogger(ctx.log, jobId, stored.traceId).info('job retried', {
    from: failure.clusterId,
    reason: failure.reason,
    attempt: decision.attempt,
  });
  return { retried: stored, why: decision.why, infrastructure: decision.infrastructure };
}

/**
 * A running job on a cluster offline past its grace period: retried as `ClusterLost`, or failed
 * with that reason when it has no attempt left. The Kubernetes Job left behind is deleted when
 * the cluster returns (its drainer's report names a run that is no longer current).
 */
export async function requeueLost(ctx: DispatchContext, job: Job, message: string): Promise<Job> {
  const clusterId = job.placement!.clusterId;
  const attempt = job.placement!.attempt;
  const failure = { clusterId, reason: 'ClusterLost', exitCode: null };
  const outcome = await retryFailedRun(ctx, job.id, attempt, failure, message);
  if (outcome.retried) {
    await releaseReportedGpus(ctx, outcome.retried);
    ctx.clusterState.forget();
    return outcome.retried;
  }
  const { job: stored, changed } = await mutateJob(ctx, job.id, (j) =>
    current(j, clusterId, attempt)
      ? transition(j, 'failed', 'ClusterLost', `${message}; ${outcome.why}`, nowIso(ctx), {
          result: { exitCode: null, reason: 'ClusterLost' },
        })
      : undefined,
  );
  if (changed) ctx.clusterState.forget();
  return stored;
}
