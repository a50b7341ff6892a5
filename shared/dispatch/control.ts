/**
 * The control plane as drainers see it: may I create this job, here is what the cluster says about
 * it, here is my cluster's capacity. Every call is idempotent: reports repeat after restarts and
 * redeliveries, and a repeated or stale report changes nothing.
 */
import type { CapacityReport } from '../domain/cluster.js';
import type {
  ClaimAnswer,
  ClaimRequest,
  ControlPlane,
  ReportAnswer,
  StatusReport,
} from '../protocol/control-port.js';
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { mutateJob } from '../jobs/mutate.js';
import { WITHOUT_DECISION } from '../store/port.js';
import type { Job, JobResult, JobState } from '../domain/job.js';
import { STATE_RANK, isTerminal } from '../domain/job.js';
import { AppError } from '../base/errors.js';
import { jobLogger } from '../base/job-log.js';
import { mutateCluster } from '../clusters/mutate.js';
import { replaceAway, silentFor } from './failover.js';
import { canTransition, transition, withEvent } from '../domain/transition.js';
import { releaseReportedGpus } from './released-gpus.js';
import { logPositions, shipLogs } from './logs.js';
import { retryFailedRun } from './retry-run.js';
import { endedMessage, onRequeued, onTargetCancelled, wordsOf } from './target-reports.js';
import { withReportDetails } from './replica-report.js';
import { expectedOn } from './expected.js';
import { createHeartbeatWrites } from './heartbeat-write.js';

/** Is this the job's current placement? A pending job (waiting after a failover) is placed nowhere. */
function placedHere(job: Job, clusterId: string, attempt: number): boolean {
  return (
    job.state !== 'pending' &&
    job.state !== 'received' &&
    job.placement?.clusterId === clusterId &&
    job.placement.attempt === attempt
  );
}

const PHASE_TO_STATE: Record<string, JobState> = {
  pending: 'submitted',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
};

const PHASE_REASON: Record<string, string> = {
  pending: 'KubernetesJobCreated',
  running: 'Running',
  succeeded: 'Completed',
  failed: 'Failed',
};

/** A finished job's result from its report; the reason falls back to the Job's own. */
function resultOf(r: StatusReport): JobResult {
  return {
    exitCode: r.result?.exitCode ?? null,
    reason: r.result?.reason ?? r.reason ?? PHASE_REASON[r.phase]!,
  };
}

/** A container reason that says more than the Job's (e.g. `OOMKilled` over `BackoffLimitExceeded`). */
function endReason(r: StatusReport, ended: JobResult | undefined): string | undefined {
  if (r.phase !== 'failed' || !ended || !r.result?.reason) return undefined;
  return ended.reason === 'Error' ? undefined : ended.reason;
}

export function createControlPlane(
  ctx: DispatchContext,
  hooks: { onCapacityFreed?: () => void } = {},
): ControlPlane {
  /** A job ended here: placement must see its GPUs free at once, and pending work may fit. */
  async function freed(ended?: Job): Promise<void> {
    if (ended) await releaseReportedGpus(ctx, ended);
    ctx.clusterState.forget();
    hooks.onCapacityFreed?.();
  }

  async function claim(req: ClaimRequest): Promise<ClaimAnswer> {
    const job = await ctx.store.jobs.get(req.jobId, WITHOUT_DECISION);
    if (!job) return { proceed: false, reason: 'unknown job' };
    if (!placedHere(job, req.clusterId, req.attempt)) {
      return { proceed: false, reason: 'the job was placed elsewhere since this message was sent' };
    }
    if (isTerminal(job.state)) return { proceed: false, reason: `the job is ${job.state}` };
    // Another instance may have placed it from a snapshot up to half a second old. A job whose
    // Kubernetes Job exists already (a redelivery) stays: cordon and drain stop only new work.
    const unusable = job.state === 'dispatched' ? await clusterUnusable(req.clusterId) : undefined;
    if (unusable) {
      const moved = await replaceAway(
        ctx,
        req.jobId,
        req.clusterId,
        unusable.reason,
        `${unusable.message} by the time its drainer claimed the job`,
        ctx.settings.maxPlacementAttempts + 1,
      );
      const where = moved.placement?.clusterId;
      const now = moved.state === 'dispatched' && where ? `placed on ${where}` : moved.state;
      return { proceed: false, reason: `${unusable.message}; the job is ${now}` };
    }
    return { proceed: true };
  }

  /** Why no new Job may be created on the cluster now, if so. */
  async function clusterUnusable(
    clusterId: string,
  ): Promise<{ reason: string; message: string } | undefined> {
    const cluster = await ctx.store.clusters.get(clusterId);
    if (!cluster) return undefined; // the drainer reports UnknownCluster itself
    if (cluster.state === 'cordoned')
      return { reason: 'ClusterCordoned', message: `cluster ${clusterId} is cordoned` };
    if (cluster.state === 'draining')
      return { reason: 'ClusterDraining', message: `cluster ${clusterId} is draining` };
    // Silence counted from this control plane's start at the earliest (`silentFor`): after a
    // restart, a redelivered create may be of a job whose Kubernetes Job exists already (the kill
    // came before its report), and moving it would run it twice.
    const silent = cluster.capacity && silentFor(ctx, cluster.capacity.reportedAt, ctx.clock.now());
    if (silent && silent > ctx.settings.heartbeatTimeoutMs) {
      const since = cluster.capacity?.reportedAt ?? 'never';
      return {
        reason: 'ClusterOffline',
        message: `cluster ${clusterId} is offline (last heartbeat ${since})`,
      };
    }
    return undefined;
  }

  async function report(r: StatusReport): Promise<ReportAnswer> {
    // Reports never look at the decision: lean reads and writes (the store keeps it).
    const existing = await ctx.store.jobs.get(r.jobId, WITHOUT_DECISION);
    if (!existing) return { action: 'delete' };
    if (!placedHere(existing, r.clusterId, r.attempt)) return { action: 'delete' };
    if (r.phase === 'deleted') return onDeleted(r);
    const here = (j: Job) => placedHere(j, r.clusterId, r.attempt);
    if (r.phase === 'cancelled') {
      await freed(await onTargetCancelled(ctx, r, here));
      return {};
    }
    if (existing.state === 'cancelled') return { action: 'delete' };
    if (r.phase === 'requeued') {
      await onRequeued(ctx, r, here);
      return {};
    }
    if (r.phase === 'create-failed') {
      const job = await replaceAway(
        ctx,
        r.jobId,
        r.clusterId,
        r.reason ?? 'CreateFailed',
        r.message ?? `could not create the Kubernetes Job on ${r.clusterId}`,
        ctx.settings.maxPlacementAttempts,
      );
      if (isTerminal(job.state)) await freed(job);
      return {};
    }
    const to = PHASE_TO_STATE[r.phase]!;
    const w = wordsOf(r);
    const ended = isTerminal(to) ? resultOf(r) : undefined;
    const reason =
      endReason(r, ended) ??
      r.reason ??
      (r.phase === 'pending' ? w.created : PHASE_REASON[r.phase]!);
    const base = r.message ?? `${w.object} is ${r.phase} on ${r.clusterId}`;
    let message = endedMessage(r, ended, base);
    if (to === 'failed' && ended) {
      const failure = { clusterId: r.clusterId, reason, exitCode: ended.exitCode };
      const retry = await retryFailedRun(ctx, r.jobId, r.attempt, failure, message);
      if (retry.retried) {
        await freed(retry.retried);
        return {};
      }
      if (retry.infrastructure || existing.spec.retry) message = `${message}; ${retry.why}`;
    }
    let moved = false; // a transition, not only the target's job id recorded (last attempt's)
    const change = (j: Job): Job | undefined => {
      moved = false;
      if (!placedHere(j, r.clusterId, r.attempt)) return undefined;
      if (!canTransition(j.state, to)) return withReportDetails(j, r);
      moved = true;
      // Catch up on states a drainer never saw (e.g. it was down while the job started).
      let next = withReportDetails(j, r) ?? j;
      if (STATE_RANK[to] > STATE_RANK.submitted && STATE_RANK[next.state] < STATE_RANK.submitted) {
        next = transition(
          next,
          'submitted',
          w.created,
          `${w.object} exists on ${r.clusterId}`,
          r.at,
        );
      }
      return transition(next, to, reason, message, r.at, ended ? { result: ended } : {});
    };
    // The job read above is current unless the failed path wrote a retry since.
    const read = to === 'failed' ? undefined : existing;
    const { job, changed } = await mutateJob(ctx, r.jobId, change, read, WITHOUT_DECISION);
    if (changed && moved) {
      jobLogger(ctx.log, job.id, job.traceId).info('job state', { state: job.state, reason });
      if (isTerminal(job.state)) await freed(job);
    }
    return {};
  }

  async function onDeleted(r: StatusReport): Promise<ReportAnswer> {
    const w = wordsOf(r);
    const { job, changed } = await mutateJob(ctx, r.jobId, (j) => {
      if (!placedHere(j, r.clusterId, r.attempt)) return undefined;
      if (j.state === 'cancelled') {
        if (j.cleanedUp) return undefined;
        return withEvent(
          { ...j, cleanedUp: true },
          {
            at: r.at,
            reason: w.deleted,
            message: `${w.object} removed from ${r.clusterId}`,
          },
        );
      }
      if (isTerminal(j.state) || STATE_RANK[j.state] < STATE_RANK.submitted) return undefined;
      return transition(
        j,
        'failed',
        w.deleted,
        `the ${w.object} was deleted on ${r.clusterId} before it finished`,
        r.at,
      );
    });
    // A cancelled job gave its GPUs back when it was cancelled; one deleted under it, now.
    await freed(changed && job.state === 'failed' ? job : undefined);
    return {};
  }

  const heartbeats = createHeartbeatWrites(ctx.settings.heartbeatTimeoutMs);
  async function heartbeat(clusterId: string, capacity: CapacityReport): Promise<void> {
    checkCapacity(capacity, ctx.clock.now());
    await mutateCluster(ctx, clusterId, (c) => heartbeats.change(c, capacity, nowIso(ctx)));
  }

  return {
    claim,
    report,
    heartbeat,
    shipLogs: (chunk) => shipLogs(ctx, chunk),
    logPositions: (request) => logPositions(ctx, request),
    expected: (clusterId) => expectedOn(ctx, clusterId),
  };
}

/** A drainer clock may run this far ahead of ours before its reports are refused. */
export const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * Refuses a capacity report that cannot be true: more free GPUs than there are, a node with more
 * free than the cluster, or a time in the future (beyond clock skew), which would keep a stale
 * report looking fresh.
 */
function checkCapacity(capacity: CapacityReport, now: number): void {
  const bad = (field: string, message: string) =>
    new AppError('BAD_REQUEST', `invalid capacity report: ${field} ${message}`, {
      details: { fields: [{ path: field, message }] },
    });
  const at = Date.parse(capacity.reportedAt);
  if (!Number.isFinite(at)) throw bad('capacity.reportedAt', 'must be an ISO 8601 time');
  if (at > now + MAX_CLOCK_SKEW_MS) {
    throw bad(
      'capacity.reportedAt',
      `is ${capacity.reportedAt}, more than ${MAX_CLOCK_SKEW_MS / 1000} s in the future: check the drainer's clock`,
    );
  }
  for (const [type, a] of Object.entries(capacity.accelerators)) {
    const field = `capacity.accelerators.${type}`;
    if (a.free > a.total) throw bad(`${field}.free`, `(${a.free}) exceeds total (${a.total})`);
    if (a.maxFreePerNode > a.free) {
      throw bad(`${field}.maxFreePerNode`, `(${a.maxFreePerNode}) exceeds free (${a.free})`);
    }
  }
}
