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
 * state at once (`forget`). One cache per control-plane instance, built by `createCore`.
 */
import { prepareClusters, takeGpus, type ClusterSnapshot } from '../placement/place.js';
import type { PreparedClusters } from '../placement/prepare.js';
import { jobGpus } from '../placement/gang.js';
import type { Clock } from '../base/clock.js';
import type { Job } from '../domain/job.js';
import type { StateStore } from '../store/port.js';

export interface ClusterState {
  snapshots: ClusterSnapshot[];
  /** The `cluster:*` usage counters (GPUs and jobs Switchyard placed on each cluster). */
  usage: Map<string, number>;
  /** Cluster id to its index in `snapshots`. */
  indexOf: Map<string, number>;
  /** `snapshots` prepared for placement, on first use; kept in step by `noteDispatched`. */
  prepared?: PreparedClusters;
}

export interface ClusterStateCache {
  /** The clusters as stored now, with what is committed to each (always a fresh read). */
  read(): Promise<ClusterSnapshot[]>;
  /** The state shared by the decisions of the current half second (read once per period). */
  recent(): Promise<ClusterState>;
  /**
   * Drops the shared state, so the next decision reads the store: called when this instance
   * itself changed what placement depends on (a cluster cordoned, drained or uncordoned, a job
   * cancelled or ended, pending jobs admitted), which must not wait out the half second.
   */
  forget(): void;
  /** Adds a job this instance just dispatched to the shared state. */
  noteDispatched(job: Job): Promise<void>;
}

const SNAPSHOT_TTL_MS = 500;

async function readState(store: StateStore): Promise<ClusterState> {
  const [clusters, counters] = await Promise.all([
    store.clusters.list(),
    store.usage.list('cluster:'),
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

/** This instance's cluster state cache over the store's clusters and `cluster:*` counters. */
export function createClusterStateCache(deps: {
  store: StateStore;
  clock: Clock;
}): ClusterStateCache {
  let cached: { at: number; value: Promise<ClusterState> } | undefined;
  return {
    async read() {
      return (await readState(deps.store)).snapshots;
    },
    recent() {
      const now = deps.clock.now();
      if (cached && now - cached.at < SNAPSHOT_TTL_MS) return cached.value;
      const entry = { at: now, value: readState(deps.store) };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = undefined;
      });
      return entry.value;
    },
    forget() {
      cached = undefined;
    },
    async noteDispatched(job) {
      if (!cached || !job.placement) return;
      const state = await cached.value.catch(() => undefined);
      const clusterId = job.placement.clusterId;
      const index = state?.indexOf.get(clusterId);
      if (!state || index === undefined) return;
      const snap = state.snapshots[index]!;
      const acc = job.spec.resources.accelerator;
      if (acc) {
        const gpus = jobGpus(job.spec); // every pod of a gang
        snap.committedGpus[acc.type] = (snap.committedGpus[acc.type] ?? 0) + gpus;
        if (state.prepared) takeGpus(state.prepared, index, acc.type, gpus);
      }
      const jobsKey = `cluster:${clusterId}:jobs`;
      state.usage.set(jobsKey, (state.usage.get(jobsKey) ?? 0) + 1);
    },
  };
}

/** The state's snapshots prepared for placement (once per state). */
export function preparedOf(state: ClusterState): PreparedClusters {
  return (state.prepared ??= prepareClusters(state.snapshots));
}
