/**
 * The clusters as the submit path sees them: each cluster with what Switchyard has committed to it
 * beyond its last capacity report (`cluster:<id>:<acc>` counts every GPU Switchyard placed there,
 * the report counts the GPUs in use; the difference is work dispatched but not yet visible in the
 * report), and the `cluster:*` usage counters.
 *
 * A submission uses the state read within the last half second, shared with every submission of
 * that half second, prepared for placement once, and with this instance's own dispatches added as
 * they happen (`noteDispatched`). Quotas stay exact (they are conditions of the reservation's
 * write); what other instances placed within that half second is not seen, which a cluster absorbs
 * by queueing. Changes this instance makes itself (cordon, cancel, job end…) drop the shared
 * state at once (`forgetClusterState`).
 */
import { prepareClusters, takeGpus, type ClusterSnapshot } from '../placement/place.js';
import type { PreparedClusters } from '../placement/prepare.js';
import type { CoreContext } from '../context/core-context.js';
import type { Job } from '../domain/job.js';

export interface ClusterState {
  snapshots: ClusterSnapshot[];
  /** The `cluster:*` usage counters (GPUs and jobs Switchyard placed on each cluster). */
  usage: Map<string, number>;
  /** Cluster id to its index in `snapshots`. */
  indexOf: Map<string, number>;
  /** `snapshots` prepared for placement, on first use; kept in step by `noteDispatched`. */
  prepared?: PreparedClusters;
}

/** The clusters as stored now, with what is committed to each. */
export async function clusterSnapshots(ctx: CoreContext): Promise<ClusterSnapshot[]> {
  return (await clusterState(ctx)).snapshots;
}

async function clusterState(ctx: CoreContext): Promise<ClusterState> {
  const [clusters, counters] = await Promise.all([
    ctx.store.clusters.list(),
    ctx.store.usage.list('cluster:'),
  ]);
  const usage = new Map(Object.entries(counters));
  const snapshots = clusters.map((cluster) => {
    const committedGpus: Record<string, number> = {};
    for (const pool of cluster.pools) {
      const acc = pool.accelerator;
      const placed = usage.get(`cluster:${cluster.id}:${acc}`) ?? 0;
      const report = cluster.capacity?.accelerators[acc];
      const usedInReport = report ? report.total - report.free : 0;
      committedGpus[acc] = Math.max(0, placed - usedInReport);
    }
    return { cluster, committedGpus };
  });
  return { snapshots, usage, indexOf: new Map(clusters.map((c, i) => [c.id, i])) };
}

const SNAPSHOT_TTL_MS = 500;
const stateCache = new WeakMap<CoreContext, { at: number; value: Promise<ClusterState> }>();

/** The state shared by the submissions of the current half second (read once per period). */
export function recentState(ctx: CoreContext): Promise<ClusterState> {
  const now = ctx.clock.now();
  const hit = stateCache.get(ctx);
  if (hit && now - hit.at < SNAPSHOT_TTL_MS) return hit.value;
  const value = clusterState(ctx);
  stateCache.set(ctx, { at: now, value });
  value.catch(() => stateCache.delete(ctx));
  return value;
}

/**
 * Drops this instance's shared state, so the next decision reads the store: called when this
 * instance itself changed what placement depends on (a cluster cordoned, drained or uncordoned, a
 * job cancelled or ended, pending jobs admitted), which must not wait out the half second.
 */
export function forgetClusterState(ctx: CoreContext): void {
  stateCache.delete(ctx);
}

/** The state's snapshots prepared for placement (once per state). */
export function preparedOf(state: ClusterState): PreparedClusters {
  return (state.prepared ??= prepareClusters(state.snapshots));
}

/** Adds a job this instance just dispatched to the cached cluster state. */
export async function noteDispatched(ctx: CoreContext, job: Job): Promise<void> {
  const cached = stateCache.get(ctx);
  if (!cached || !job.placement) return;
  const state = await cached.value.catch(() => undefined);
  const clusterId = job.placement.clusterId;
  const index = state?.indexOf.get(clusterId);
  if (!state || index === undefined) return;
  const snap = state.snapshots[index]!;
  const acc = job.spec.resources.accelerator;
  if (acc) {
    snap.committedGpus[acc.type] = (snap.committedGpus[acc.type] ?? 0) + acc.count;
    if (state.prepared) takeGpus(state.prepared, index, acc.type, acc.count);
  }
  const jobsKey = `cluster:${clusterId}:jobs`;
  state.usage.set(jobsKey, (state.usage.get(jobsKey) ?? 0) + 1);
}
