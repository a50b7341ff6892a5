/**
 * Gangs and workload kinds in placement. A job of `nodes` pods with `count` GPUs each fits a
 * cluster only if `nodes` of its nodes each have `count` free GPUs of the type at once, and it
 * could ever fit only if the cluster has that many nodes of at least `count` GPUs. The whole gang
 * (`nodes × count` GPUs) counts against quotas, reservations and capacity. A cluster runs only
 * the workload kinds its drainer discovered (or, before its first report, that its configuration
 * declares; when it declares none, Jobs now and other kinds once its report says). Job-independent per-snapshot columns are built on
 * first use for a (type, count) and shared by every decision made from that snapshot.
 */
import type { Cluster } from '../domain/cluster.js';
import { WORKLOAD_KINDS, type JobSpec, type WorkloadKind } from '../domain/job.js';
import type { AcceleratorColumn, PreparedClusters } from './prepare.js';

/** The API group a kind's operator serves; placement names it when a cluster lacks the kind. */
export const KIND_GROUP: Record<WorkloadKind, string> = {
  job: 'batch',
  jobset: 'jobset.x-k8s.io',
  pytorchjob: 'kubeflow.org',
  rayjob: 'ray.io',
};

/** GPUs a job holds while placed (quotas, reservations, capacity): every pod of the gang. */
export function jobGpus(spec: JobSpec): number {
  return (spec.nodes ?? 1) * (spec.resources.accelerator?.count ?? 0);
}

/**
 * What the job needs, for messages: `8 x nvidia-h100` for one pod (as before gangs),
 * `4 × 8 nvidia-h100 = 32 GPUs` for a gang, `this CPU-only job` without an accelerator.
 */
export function describeNeed(spec: JobSpec): string {
  const acc = spec.resources.accelerator;
  const nodes = spec.nodes ?? 1;
  if (!acc) return nodes > 1 ? `${nodes} CPU-only pods` : 'this CPU-only job';
  if (nodes === 1) return `${acc.count} x ${acc.type}`;
  return `${nodes} × ${acc.count} ${acc.type} = ${nodes * acc.count} GPUs`;
}

/**
 * The kinds a cluster can run: its last report's, else its configuration's; undefined while a
 * Kubernetes cluster that declares none has not reported yet (its operators are unknown: it runs
 * Jobs, and a gang kind waits for the report rather than being refused). A Slurm cluster runs
 * `job` only.
 */
export function kindsOf(cluster: Cluster): readonly WorkloadKind[] | undefined {
  if (cluster.capacity) return cluster.capacity.kinds ?? ['job'];
  if (cluster.kinds) return cluster.kinds;
  return cluster.slurm ? ['job'] : undefined;
}

export const kindBit = (kind: WorkloadKind): number => 1 << WORKLOAD_KINDS.indexOf(kind);

/** In `kindMaskOf`: the cluster's kinds are not known yet (`kindsOf` is undefined). */
export const KINDS_UNKNOWN_BIT = 0x80;

/** `cluster gke-a has not reported which workload kinds it runs yet`. */
export const kindsUnknown = (clusterId: string): string =>
  `cluster ${clusterId} has not reported which workload kinds it runs yet`;

/** `pytorchjob: kubeflow.org not installed`. */
export const kindMissing = (kind: WorkloadKind): string =>
  `${kind}: ${KIND_GROUP[kind]} not installed`;

/**
 * Nodes of `cluster` that can take a pod of `count` GPUs of `type` now, before subtracting GPUs
 * Switchyard committed since the report (callers bound the result by `free / count`):
 *   - with the report's `freePerNode`: the nodes with at least `count` free;
 *   - otherwise, conservatively: the pools' nodes of the type, each with at most the report's
 *     `maxFreePerNode` free, after the GPUs the report shows in use beyond that are spread over
 *     them to leave as few nodes with room as possible (without a report nothing is in use).
 * For the fast path and `reference.ts`, which computes it its own way.
 */
export function nodesWithRoom(cluster: Cluster, type: string, count: number): number {
  const report = cluster.capacity?.accelerators[type];
  if (report?.freePerNode) {
    let n = 0;
    for (const f of report.freePerNode) if (f >= count) n++;
    return n;
  }
  const cap = report ? report.maxFreePerNode : Infinity;
  // Nodes by free GPUs (capped), fewest first: the cheapest to knock below `count`.
  const groups: Array<[free: number, nodes: number]> = [];
  let sum = 0;
  for (const p of cluster.pools) {
    if (p.accelerator !== type) continue;
    const free = Math.min(p.gpusPerNode, cap);
    groups.push([free, p.nodes]);
    sum += free * p.nodes;
  }
  let used = report ? Math.max(0, sum - report.free) : 0;
  groups.sort((a, b) => a[0] - b[0]);
  let room = 0;
  for (const [free, nodes] of groups) {
    if (free < count) continue;
    const knock = free - count + 1;
    const knocked = Math.min(nodes, Math.floor(used / knock));
    used -= knocked * knock;
    room += nodes - knocked;
  }
  return room;
}

/** Nodes of the type with at least `count` GPUs (free or not): what the gang could ever use. */
export function nodesAtLeast(cluster: Cluster, type: string, count: number): number {
  let n = 0;
  for (const p of cluster.pools) if (p.accelerator === type && p.gpusPerNode >= count) n += p.nodes;
  return n;
}

export interface GangColumns {
  /** Per cluster: `nodesAtLeast` (static). */
  readonly big: Float64Array;
  /** Per cluster: `nodesWithRoom` (the report's view; committed GPUs bound it via `free`). */
  readonly room: Float64Array;
}

const gangColumns = new WeakMap<AcceleratorColumn, Map<number, GangColumns>>();
const kindMasks = new WeakMap<PreparedClusters, Uint8Array>();

/** The gang columns of `col` for pods of `count` GPUs, built on first use. */
export function gangColumnsOf(
  clusters: PreparedClusters,
  col: AcceleratorColumn,
  type: string,
  count: number,
): GangColumns {
  let byCount = gangColumns.get(col);
  if (!byCount) gangColumns.set(col, (byCount = new Map()));
  let g = byCount.get(count);
  if (g) return g;
  const n = clusters.clusters.length;
  g = { big: new Float64Array(n), room: new Float64Array(n) };
  for (const i of col.indices) {
    const c = clusters.clusters[i]!.cluster;
    g.big[i] = nodesAtLeast(c, type, count);
    g.room[i] = nodesWithRoom(c, type, count);
  }
  byCount.set(count, g);
  return g;
}

/** Per cluster, a bit per workload kind it can run (`kindBit`). */
export function kindMaskOf(clusters: PreparedClusters): Uint8Array {
  let mask = kindMasks.get(clusters);
  if (mask) return mask;
  mask = Uint8Array.from(clusters.clusters, (c) => {
    const kinds = kindsOf(c.cluster);
    if (!kinds) return kindBit('job') | KINDS_UNKNOWN_BIT;
    return kinds.reduce((m, k) => m | kindBit(k), kindBit('job'));
  });
  kindMasks.set(clusters, mask);
  return mask;
}
