/**
 * Failover: place a job again with the cluster that failed it blocked. Used when a drainer cannot
 * create the job, when a cluster is drained, and when a cluster stays offline before the job
 * started. After `maxHops` placements the job fails with every reason it collected.
 */
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { mutateJob } from '../jobs/mutate.js';
import { QuotaExceededError, notFound } from '../base/errors.js';
import { jobLogger } from '../base/job-log.js';
import { applyDecision, decideNow, publishCreate } from './dispatch.js';
import type { Job } from '../domain/job.js';
import { transition } from '../domain/transition.js';
import { placementsThisRun } from '../domain/retry.js';
import { requeueLost } from './retry-run.js';
import { isOffline } from '../placement/place.js';

export const DEFAULT_MAX_HOPS = 3;

/** States in which the job has not started running and may still move. */
const MOVABLE = new Set(['dispatched', 'submitted']);

/**
 * Re-places `jobId` away from `clusterId` if it is still placed there and has not started.
 * Returns the job as stored afterwards.
 */
export async function replaceAway(
  ctx: DispatchContext,
  jobId: string,
  clusterId: string,
  reason: string,
  message: string,
  maxHops = DEFAULT_MAX_HOPS,
): Promise<Job> {
  const current = await ctx.store.jobs.get(jobId);
  if (!current) throw notFound(`job ${jobId}`);
  const blockedNow = [...new Set([...(current.blockedClusters ?? []), clusterId])];
  const { decision, snapshots, policy } = await decideNow(
    ctx,
    current.tenantId,
    current.spec,
    blockedNow,
  );
  const move = (j: Job, placeIt: boolean): Job | undefined => {
    if (j.placement?.clusterId !== clusterId || !MOVABLE.has(j.state)) return undefined;
    const at = nowIso(ctx);
    const blocked = [...new Set([...(j.blockedClusters ?? []), clusterId])];
    const note = `${message} (attempt ${j.placement.attempt} on ${clusterId})`;
    if (placementsThisRun(j) >= maxHops) {
      const why = `${note}; gave up after ${placementsThisRun(j)} placement(s): ${failures(j, note)}`;
      return transition(j, 'failed', reason, why, at, { blockedClusters: blocked });
    }
    // Back to pending first: the event history shows the move, and applyDecision accepts it.
    const moved = transition(j, 'pending', reason, note, at, { blockedClusters: blocked });
    if (decision.outcome === 'rejected') {
      const why = `${note}; no other cluster can run it: ${decision.message}`;
      return transition(moved, 'failed', 'NoOtherCluster', why, at, { decision });
    }
    if (!placeIt) return moved;
    const cluster = snapshots.find((s) => s.cluster.id === decision.clusterId)?.cluster;
    return applyDecision(moved, decision, cluster, at, policy) ?? moved;
  };
  let result: { job: Job; changed: boolean };
  try {
    result = await mutateJob(ctx, jobId, (j) => move(j, true));
  } catch (e) {
    if (!(e instanceof QuotaExceededError)) throw e;
    // The new place's quota or room filled meanwhile: give the old one back and wait.
    result = await mutateJob(ctx, jobId, (j) => move(j, false));
  }
  const { job, changed } = result;
  if (changed && job.state === 'dispatched') {
    // The next decision of this drain (or failover sweep) sees this one.
    await ctx.clusterState.noteDispatched(job);
    await publishCreate(ctx, job);
  }
  if (changed)
    jobLogger(ctx.log, jobId, job.traceId).info('job re-placed', {
      from: clusterId,
      state: job.state,
      to: job.placement?.clusterId,
    });
  return job;
}

function failures(job: Job, latest: string): string {
  const earlier = job.events
    .filter((e) => e.state === 'pending' && /attempt \d+ on/.test(e.message))
    .map((e) => e.message);
  return [...earlier, latest].join('; ');
}

/** Jobs placed on a cluster that have not ended. */
export async function jobsPlacedOn(ctx: DispatchContext, clusterId: string): Promise<Job[]> {
  const inflight = await ctx.store.jobs.listByState(['dispatched', 'submitted', 'running'], 10_000);
  return inflight.filter((j) => j.placement?.clusterId === clusterId);
}

/**
 * How long a cluster has been silent as far as this control plane can tell: since its last
 * heartbeat, but never since before the control plane began taking heartbeats (`watchingSince`).
 * Without that floor, a restart after downtime longer than the grace found every cluster whose
 * drainer had not reported yet "offline" and requeued its running jobs, which then ran twice.
 */
export function silentFor(ctx: DispatchContext, reportedAt: string, now: number): number {
  const since = Math.max(Date.parse(reportedAt), ctx.settings.watchingSince ?? -Infinity);
  return now - since;
}

/**
 * Moves work off clusters that have been offline past the grace period: work not yet running is
 * re-placed; running jobs are presumed lost and retried (`ClusterLost`, see `retry-run.ts`), but
 * only while another cluster's heartbeat is fresh: when every cluster is silent (the control plane
 * itself was down, or heartbeats do not reach it) nothing says the running work is gone. Silence
 * is counted from the control plane's start at the earliest (`silentFor`).
 */
export async function evacuateOffline(ctx: DispatchContext): Promise<number> {
  const now = ctx.clock.now();
  let moved = 0;
  const clusters = await ctx.store.clusters.list();
  const grace = ctx.settings.heartbeatTimeoutMs + ctx.settings.offlineGraceMs;
  const heardFromSome = clusters.some(
    (c) => c.capacity && !isOffline(c, now, ctx.settings.heartbeatTimeoutMs),
  );
  for (const cluster of clusters) {
    if (!cluster.capacity) continue;
    if (silentFor(ctx, cluster.capacity.reportedAt, now) <= grace) continue;
    const message = `cluster ${cluster.id} has been offline since ${cluster.capacity.reportedAt}`;
    for (const job of await jobsPlacedOn(ctx, cluster.id)) {
      if (job.state === 'running') {
        if (!heardFromSome) continue;
        await requeueLost(ctx, job, `${message}; the running job is presumed lost`);
        moved++;
        continue;
      }
      await replaceAway(
        ctx,
        job.id,
        cluster.id,
        'ClusterOffline',
        message,
        ctx.settings.maxPlacementAttempts,
      );
      moved++;
    }
  }
  return moved;
}
