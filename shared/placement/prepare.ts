/**
 * Per-cluster data derived once per cluster snapshot, so that placing many jobs against the same
 * snapshot (admission, dry runs, failover) does not redo it: node-pool summaries per accelerator
 * type in flat columns, distinct regions and clouds, and the explanation strings that do not depend
 * on the job. Pure; callers may cache the result for as long as the snapshot is unchanged.
 */
import type { Cluster } from '../domain/cluster.js';
import type { CandidateExplanation } from '../domain/job.js';
import { clusterJobsKey } from './usage.js';

export interface ClusterSnapshot {
  cluster: Cluster;
  /** GPUs per accelerator already committed to jobs not yet visible in the capacity report. */
  committedGpus: Record<string, number>;
}

/** One accelerator type across all clusters, indexed like `PreparedClusters.clusters`. */
export interface AcceleratorColumn {
  /** GPUs on the cluster's largest node of this type; 0 when it has none. */
  readonly maxPerNode: Float64Array;
  /** Free GPUs now: the live report (or the pools' total) minus committed GPUs, at least 0. */
  readonly free: Float64Array;
  /** Free GPUs on the emptiest node (the report's `maxFreePerNode`, or the node size), <= free. */
  readonly nodeFree: Float64Array;
  /** Cheapest price per GPU-hour of any pool of the type; NaN when none gives one. */
  readonly cost: Float64Array;
  /** `cost 2.5/GPU-h` or `cost unknown`. */
  readonly costText: readonly string[];
  /** Indices of the clusters that have the type. */
  readonly indices: Int32Array;
  /**
   * One entry per cluster: for clusters without the type their (frozen, shared) `no <type> nodes`
   * candidate, for the others a placeholder. Placement copies it and fills in the placeholders.
   */
  readonly template: readonly CandidateExplanation[];
}

export interface PreparedCluster {
  readonly cluster: Cluster;
  readonly id: string;
  readonly regionIndex: number;
  readonly cloudIndex: number;
  /** Epoch ms of the last capacity report; NaN when the cluster never reported. */
  readonly reportedAtMs: number;
  /** e.g. `nvidia-a100, nvidia-h100` or `none`, for explanations. */
  readonly acceleratorList: string;
  /** Usage counter of the jobs placed on the cluster (spread). */
  readonly spreadKey: string;
  /** For a cordoned or draining cluster, its (frozen, shared) candidate saying so. */
  readonly inactive: CandidateExplanation | undefined;
}

export interface PreparedClusters {
  readonly kind: 'prepared-clusters';
  readonly clusters: readonly PreparedCluster[];
  /** Distinct regions and clouds, indexed by `regionIndex` / `cloudIndex`. */
  readonly regions: readonly string[];
  readonly clouds: readonly string[];
  readonly byAccelerator: ReadonlyMap<string, AcceleratorColumn>;
  /** Per label key: each cluster's value as an index into `values` (-1 when unset). */
  readonly labels: ReadonlyMap<string, LabelColumn>;
  /** Every cluster, for CPU-only jobs: `indices` 0..n-1 and a template of placeholders. */
  readonly everyCluster: Pick<AcceleratorColumn, 'indices' | 'template'>;
}

export interface LabelColumn {
  readonly valueOf: Int32Array;
  readonly indexOf: ReadonlyMap<string, number>;
}

/** The placeholder in a column's template; never left in a decision. */
export const UNDECIDED: CandidateExplanation = Object.freeze({
  clusterId: '',
  feasible: false,
  reasons: [],
});

export function isPrepared(
  clusters: readonly ClusterSnapshot[] | PreparedClusters,
): clusters is PreparedClusters {
  return (clusters as PreparedClusters).kind === 'prepared-clusters';
}

function indexer(): { index: (s: string) => number; values: string[] } {
  const values: string[] = [];
  const byValue = new Map<string, number>();
  return {
    values,
    index(s) {
      let i = byValue.get(s);
      if (i === undefined) byValue.set(s, (i = values.push(s) - 1));
      return i;
    },
  };
}

/**
 * Explanations that do not depend on the job are built once and shared by every decision made
 * from this snapshot; they are frozen, so a consumer cannot change one decision through another.
 */
export function frozenCandidate(clusterId: string, reason: string): CandidateExplanation {
  return Object.freeze({
    clusterId,
    feasible: false,
    reasons: Object.freeze([reason]) as string[],
  });
}

type MutableColumn = AcceleratorColumn & {
  indices: Int32Array;
  costText: string[];
  template: CandidateExplanation[];
};

function column(n: number): MutableColumn {
  return {
    maxPerNode: new Float64Array(n),
    free: new Float64Array(n),
    nodeFree: new Float64Array(n),
    cost: new Float64Array(n).fill(Number.NaN),
    costText: new Array<string>(n).fill('cost unknown'),
    indices: new Int32Array(0),
    template: new Array<CandidateExplanation>(n).fill(UNDECIDED),
  };
}

/** Derives per-cluster data once; pass the result to `place` or `planAdmission` as `clusters`. */
export function prepareClusters(
  snapshots: readonly ClusterSnapshot[] | PreparedClusters,
): PreparedClusters {
  if (isPrepared(snapshots)) return snapshots;
  const n = snapshots.length;
  const regions = indexer();
  const clouds = indexer();
  const columns = new Map<string, MutableColumn>();
  const totals = new Map<string, Float64Array>();
  snapshots.forEach(({ cluster }) => {
    for (const p of cluster.pools) {
      if (!columns.has(p.accelerator)) {
        columns.set(p.accelerator, column(n));
        totals.set(p.accelerator, new Float64Array(n));
      }
    }
  });
  const clusters = snapshots.map(({ cluster: c, committedGpus }, i): PreparedCluster => {
    for (const p of c.pools) {
      const col = columns.get(p.accelerator)!;
      col.maxPerNode[i] = Math.max(col.maxPerNode[i]!, p.gpusPerNode);
      totals.get(p.accelerator)![i]! += p.nodes * p.gpusPerNode;
      if (p.costPerGpuHour !== undefined && !(col.cost[i]! <= p.costPerGpuHour)) {
        col.cost[i] = p.costPerGpuHour;
        col.costText[i] = `cost ${p.costPerGpuHour}/GPU-h`;
      }
    }
    const acceleratorList = [...new Set(c.pools.map((p) => p.accelerator))].join(', ') || 'none';
    for (const [type, col] of columns) {
      if (col.maxPerNode[i] === 0) {
        col.template[i] = frozenCandidate(c.id, `no ${type} nodes (has: ${acceleratorList})`);
        continue;
      }
      const report = c.capacity?.accelerators[type];
      const free = Math.max(
        0,
        (report ? report.free : totals.get(type)![i]!) - (committedGpus[type] ?? 0),
      );
      col.free[i] = free;
      col.nodeFree[i] = Math.min(report ? report.maxFreePerNode : col.maxPerNode[i]!, free);
    }
    return {
      cluster: c,
      id: c.id,
      regionIndex: regions.index(c.region),
      cloudIndex: clouds.index(c.cloud),
      reportedAtMs: c.capacity ? Date.parse(c.capacity.reportedAt) : Number.NaN,
      acceleratorList,
      spreadKey: clusterJobsKey(c.id),
      inactive: c.state === 'active' ? undefined : frozenCandidate(c.id, `cluster is ${c.state}`),
    };
  });
  const labels = new Map<string, LabelColumn>();
  snapshots.forEach(({ cluster }, i) => {
    for (const [k, v] of Object.entries(cluster.labels)) {
      let col = labels.get(k);
      if (!col) labels.set(k, (col = { valueOf: new Int32Array(n).fill(-1), indexOf: new Map() }));
      const index = col.indexOf as Map<string, number>;
      let vi = index.get(v);
      if (vi === undefined) index.set(v, (vi = index.size));
      col.valueOf[i] = vi;
    }
  });
  for (const col of columns.values()) {
    const indices: number[] = [];
    col.maxPerNode.forEach((m, i) => m > 0 && indices.push(i));
    col.indices = Int32Array.from(indices);
  }
  return {
    kind: 'prepared-clusters',
    clusters,
    regions: regions.values,
    clouds: clouds.values,
    byAccelerator: columns,
    labels,
    everyCluster: {
      indices: Int32Array.from(clusters, (_, i) => i),
      template: new Array<CandidateExplanation>(n).fill(UNDECIDED),
    },
  };
}

/**
 * Commits `gpus` more of `accelerator` on cluster `index`, in place: free falls by that much (not
 * below 0) and the emptiest node's free GPUs cannot exceed it, exactly what `prepareClusters`
 * gives for the snapshot with those GPUs added to `committedGpus`. False when the cluster has no
 * such nodes (nothing changes).
 */
export function commitGpus(
  clusters: PreparedClusters,
  index: number,
  accelerator: string,
  gpus: number,
): boolean {
  const col = clusters.byAccelerator.get(accelerator);
  if (!col || !(col.maxPerNode[index]! > 0)) return false; // also an index out of range
  const next = Math.max(0, col.free[index]! - gpus);
  col.free[index] = next;
  col.nodeFree[index] = Math.min(col.nodeFree[index]!, next);
  return true;
}
