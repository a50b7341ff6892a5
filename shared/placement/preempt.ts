/**
 * Preemption's decision, pure: a job that waits for room could run if lower-priority work were
 * evicted. Choose ONE cluster and the smallest set of victims there. Victims are taken lowest
 * priority first, then least time run; only jobs at least `minPriorityGap` below the preemptor,
 * never a non-preemptible priority or project, never one that would take its tenant below its
 * guaranteed share, at most `maxVictims`; then the set is pruned until no victim can be spared.
 * Whether the job fits once they are gone is asked of `place` itself on that one cluster with the
 * victims' GPUs given back (so every filter, constraint and quota still holds), and for a gang also
 * of the freed GPUs per node when the cluster reports `freePerNode` (otherwise GPUs are counted):
 * the victims must free `nodes` nodes of `count` GPUs each, wherever on the cluster they run.
 * Kueue preempts in every worker cluster it sent a workload to; this picks exactly one.
 */
import type { Cluster } from '../domain/cluster.js';
import type { JobSpec } from '../domain/job.js';
import type { CompiledPreemption } from '../policy/compile.js';
import { matchesString } from '../policy/compile.js';
import { place, type PlacementInput } from './place.js';
import type { ClusterSnapshot } from './prepare.js';

/** A job holding GPUs on a cluster now (dispatched, submitted or running). */
export interface RunningJob {
  id: string;
  tenantId: string;
  project: string;
  /** Its effective priority. */
  priority: number;
  clusterId: string;
  accelerator: string;
  /** GPUs per pod, and pods (a gang's `nodes`; 1 otherwise). */
  perPod: number;
  pods: number;
  /** Seconds since it started running (0 when not yet running). */
  runSeconds: number;
}

export interface Victim {
  jobId: string;
  tenantId: string;
  project: string;
  priority: number;
  gpus: number;
  runSeconds: number;
}

export interface PreemptionPlan {
  clusterId: string;
  victims: Victim[];
  /** Why these victims, in words, for the decision and explain. */
  message: string;
}

/** A tenant's GPUs in use and the GPUs its share guarantees it (policy `shares`). */
export interface TenantShare {
  used: number;
  guaranteed: number;
}

export interface PreemptInput {
  /** The waiting job, as `place` takes it; `clusters` are the plain snapshots. */
  placement: Omit<PlacementInput, 'clusters'> & { clusters: readonly ClusterSnapshot[] };
  /** The waiting job's effective priority. */
  priority: number;
  rules: CompiledPreemption;
  running: readonly RunningJob[];
  /** Per tenant, when the policy has shares; a tenant left out has no guarantee. */
  shares?: ReadonlyMap<string, TenantShare>;
}

export interface PreemptResult {
  plan?: PreemptionPlan;
  /** Why no plan (or, with a plan, nothing): one line per reason. */
  reasons: string[];
}

export const gpusOf = (r: Pick<RunningJob, 'perPod' | 'pods'>): number => r.perPod * r.pods;

/** Why this job may not be evicted for a preemptor of `priority`, or undefined if it may. */
export function protection(
  r: RunningJob,
  priority: number,
  rules: CompiledPreemption,
): string | undefined {
  if (r.priority > priority - rules.minPriorityGap)
    return `priority ${r.priority} is less than ${rules.minPriorityGap} below ${priority}`;
  const pp = rules.protectedPriority;
  if (pp && r.priority >= pp.min && r.priority <= pp.max)
    return `priority ${r.priority} is non-preemptible`;
  const projects = rules.protectedProjects;
  if (
    projects &&
    (matchesString(projects, r.project) || matchesString(projects, `${r.tenantId}/${r.project}`))
  )
    return `project ${r.tenantId}/${r.project} is non-preemptible`;
  return undefined;
}

/** Lowest priority first, then least time run, then id. */
export function victimOrder(a: RunningJob, b: RunningJob): number {
  return a.priority - b.priority || a.runSeconds - b.runSeconds || (a.id < b.id ? -1 : 1);
}

/**
 * The cluster's free GPUs of `type` per node once `freed` pods' GPUs are back, for a gang whose
 * pods need `perPod` GPUs each. The report does not say which node a victim runs on, so this is the
 * worst case for the gang: after `committed` GPUs not in the report yet (`withCommitted`), of every
 * way to put the freed pods on nodes with that many GPUs in use,
 * one that leaves the fewest nodes with room for a pod (`worstPlacement`). So a plan never counts
 * on a victim being on the node the gang needs. Undefined when the cluster does not report per-node
 * figures.
 */
export function freePerNodeAfter(
  cluster: Cluster,
  type: string,
  freedPods: readonly number[],
  perPod = Infinity,
  committed = 0,
): number[] | undefined {
  const report = cluster.capacity?.accelerators[type];
  if (!report?.freePerNode) return undefined;
  const size = Math.max(
    0,
    ...cluster.pools.filter((p) => p.accelerator === type).map((p) => p.gpusPerNode),
  );
  const pods = [...freedPods].sort((a, b) => b - a);
  const nodes = withCommitted(report.freePerNode, committed, perPod);
  return worstPlacement(nodes, size, pods, perPod).sort((a, b) => b - a);
}

/**
 * The report's free GPUs per node less `committed` GPUs placed since (the report does not show
 * them yet), taken where they hurt the gang most: from the nodes with room for a pod, the
 * cheapest to fill first. Without this, a report older than the work filling the fleet offered
 * nodes that work already holds, and a plan evicted too little.
 */
function withCommitted(nodes: readonly number[], committed: number, perPod: number): number[] {
  const out = [...nodes];
  let left = committed;
  const roomy = out.flatMap((f, i) => (f >= perPod ? [i] : [])).sort((a, b) => out[a]! - out[b]!);
  for (const i of roomy) {
    const fill = out[i]! - perPod + 1;
    if (fill > left) break;
    out[i]! -= fill;
    left -= fill;
  }
  return out;
}

/** Search steps before giving up on the exact worst case (then nothing freed is counted). */
const SEARCH_STEPS = 20_000;

/**
 * Free GPUs per node after `pods` (largest first) are given back where they help a gang of
 * `perPod`-GPU pods least: a depth-first search over the distinct nodes each pod could be on,
 * bounded by the best found; a pod no node could hold frees nothing. Past `SEARCH_STEPS` the
 * nodes are returned as they are, which never overstates the room (the free total is counted apart).
 */
function worstPlacement(
  start: readonly number[],
  size: number,
  pods: readonly number[],
  perPod: number,
): number[] {
  const roomy = (ns: readonly number[]) => ns.filter((f) => f >= perPod).length;
  let best: number[] = [...start];
  let bestRoomy = Infinity;
  let steps = 0;
  const seen = new Set<string>();
  const go = (ns: number[], k: number): void => {
    if (++steps > SEARCH_STEPS || roomy(ns) >= bestRoomy) return;
    if (k === pods.length) return void ([best, bestRoomy] = [ns, roomy(ns)]);
    const key = `${k}:${[...ns].sort((a, b) => a - b).join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const c = pods[k]!;
    const tried = new Set<number>();
    ns.forEach((f, i) => {
      if (size - f < c || tried.has(f)) return; // fewer GPUs in use there than the pod holds
      tried.add(f);
      go(
        ns.map((g, j) => (j === i ? g + c : g)),
        k + 1,
      );
    });
    if (tried.size === 0) go(ns, k + 1);
  };
  go([...start], 0);
  return steps > SEARCH_STEPS ? [...start] : best;
}

/** The snapshot with the victims' GPUs given back (committed work already counted in `free`). */
export function snapshotWithout(
  snap: ClusterSnapshot,
  type: string,
  victims: readonly RunningJob[],
  perPod?: number,
): ClusterSnapshot {
  const { cluster } = snap;
  const freed = victims.reduce((n, v) => n + gpusOf(v), 0);
  if (!cluster.capacity) {
    // Never reported: placement counts the pools' total minus what is committed.
    const committed = Math.max(0, (snap.committedGpus[type] ?? 0) - freed);
    return { cluster, committedGpus: { ...snap.committedGpus, [type]: committed } };
  }
  const total = cluster.pools
    .filter((p) => p.accelerator === type)
    .reduce((n, p) => n + p.nodes * p.gpusPerNode, 0);
  const report = cluster.capacity.accelerators[type];
  const before = Math.max(0, (report?.free ?? total) - (snap.committedGpus[type] ?? 0));
  const free = Math.min(report?.total ?? total, before + freed);
  const pods = victims.flatMap((v) => Array<number>(v.pods).fill(v.perPod));
  const committed = snap.committedGpus[type] ?? 0;
  const perNode = freePerNodeAfter(cluster, type, pods, perPod, committed);
  const maxPerNode = Math.max(0, ...cluster.pools.map((p) => p.gpusPerNode));
  const maxFreePerNode = Math.min(free, perNode ? (perNode[0] ?? 0) : maxPerNode);
  const capacity = {
    ...cluster.capacity,
    accelerators: {
      ...cluster.capacity.accelerators,
      [type]: {
        total: report?.total ?? total,
        free,
        maxFreePerNode,
        ...(perNode && { freePerNode: perNode }),
      },
    },
  };
  return { cluster: { ...cluster, capacity }, committedGpus: {} };
}

/** Whether the job (a gang of `pods` × `perPod`) fits the snapshot: `place` and, per node, the gang. */
function fits(input: PreemptInput, snap: ClusterSnapshot, spec: JobSpec, type: string): boolean {
  const perPod = spec.resources.accelerator?.count ?? 0;
  const pods = spec.nodes ?? 1;
  const report = snap.cluster.capacity?.accelerators[type];
  if (report) {
    if (report.free < perPod * pods) return false;
    if (report.freePerNode && report.freePerNode.filter((f) => f >= perPod).length < pods)
      return false;
  }
  const { clusters: _all, ...rest } = input.placement;
  return place({ ...rest, clusters: [snap], explainTop: 1 }).outcome === 'placed';
}

/** Whether the waiting job fits `snap` once `victims` are gone (exported for tests). */
export function fitsWithout(
  input: PreemptInput,
  snap: ClusterSnapshot,
  victims: readonly RunningJob[],
): boolean {
  const acc = input.placement.spec.resources.accelerator;
  const type = acc?.type ?? '';
  return fits(input, snapshotWithout(snap, type, victims, acc?.count), input.placement.spec, type);
}

interface ClusterPlan {
  snap: ClusterSnapshot;
  victims: RunningJob[];
}

/** The smallest victim set on one cluster, or a reason there is none. */
function planOn(
  input: PreemptInput,
  snap: ClusterSnapshot,
  eligible: RunningJob[],
): ClusterPlan | string {
  const { maxVictims } = input.rules;
  const id = snap.cluster.id;
  const taken = new Map<string, number>();
  const chosen: RunningJob[] = [];
  let ok = false;
  for (const v of eligible) {
    if (chosen.length >= maxVictims) break;
    const share = input.shares?.get(v.tenantId);
    const after = (share?.used ?? 0) - (taken.get(v.tenantId) ?? 0) - gpusOf(v);
    if (share && after < share.guaranteed) continue;
    chosen.push(v);
    taken.set(v.tenantId, (taken.get(v.tenantId) ?? 0) + gpusOf(v));
    if ((ok = fitsWithout(input, snap, chosen))) break;
  }
  if (!ok)
    return chosen.length >= maxVictims
      ? `${id}: more than ${maxVictims} victim(s) would be needed`
      : `${id}: evicting every eligible job would not make room`;
  // Prune: spare any victim (highest priority, longest run first) the job fits without.
  for (let i = chosen.length - 1; i >= 0; i--) {
    const without = chosen.filter((_, j) => j !== i);
    if (fitsWithout(input, snap, without)) chosen.splice(i, 1);
  }
  return { snap, victims: chosen };
}

/** Fewer and lower-priority victims first, then less work lost, then the cluster id. */
function better(a: ClusterPlan, b: ClusterPlan): boolean {
  const top = (p: ClusterPlan) => Math.max(...p.victims.map((v) => v.priority));
  const lost = (p: ClusterPlan) => p.victims.reduce((n, v) => n + v.runSeconds * gpusOf(v), 0);
  return (
    (top(a) - top(b) ||
      a.victims.length - b.victims.length ||
      lost(a) - lost(b) ||
      (a.snap.cluster.id < b.snap.cluster.id ? -1 : 1)) < 0
  );
}

/** Chooses one cluster and its victims for a job waiting for room, or says why none. */
export function choosePreemption(input: PreemptInput): PreemptResult {
  const { spec } = input.placement;
  const acc = spec.resources.accelerator;
  if (!input.rules.enabled) return { reasons: ['preemption is off in the routing policy'] };
  if (!acc) return { reasons: ['a CPU-only job does not preempt'] };
  // Only for room: not a job rejected or waiting for a quota or budget, nor one that fits now.
  const now = place({ ...input.placement, explainTop: 1 });
  if (now.outcome === 'rejected' || (now.outcome === 'pending' && now.waitingFor !== 'capacity'))
    return { reasons: [`the job does not wait for room: ${now.message}`] };
  const blocked = new Set(input.placement.blocked ?? []);
  const open = input.placement.clusters.filter((s) => !blocked.has(s.cluster.id));
  const roomy = open.find((s) => fitsWithout(input, s, []));
  if (roomy) return { reasons: [`${roomy.cluster.id} has room for the job without preemption`] };
  const reasons: string[] = [];
  let best: ClusterPlan | undefined;
  for (const snap of open) {
    const id = snap.cluster.id;
    const here = input.running.filter((r) => r.clusterId === id && r.accelerator === acc.type);
    const eligible = here.filter((r) => !protection(r, input.priority, input.rules));
    if (eligible.length === 0) {
      if (here.length > 0) reasons.push(`${id}: no job there may be evicted`);
      continue;
    }
    const plan = planOn(input, snap, eligible.sort(victimOrder));
    if (typeof plan === 'string') reasons.push(plan);
    else if (!best || better(plan, best)) best = plan;
  }
  if (!best) {
    if (reasons.length === 0) reasons.push(`no lower-priority ${acc.type} work is running`);
    return { reasons };
  }
  const victims: Victim[] = best.victims.map((v) => ({
    jobId: v.id,
    tenantId: v.tenantId,
    project: v.project,
    priority: v.priority,
    gpus: gpusOf(v),
    runSeconds: v.runSeconds,
  }));
  const list = victims.map((v) => `${v.jobId} (priority ${v.priority}, ${v.gpus} GPU(s))`);
  const message =
    `evict ${victims.length} job(s) on ${best.snap.cluster.id} to make room for priority ` +
    `${input.priority}: ${list.join(', ')}; each is at least ${input.rules.minPriorityGap} ` +
    `below, lowest priority and least time run first, and none can be spared`;
  return { plan: { clusterId: best.snap.cluster.id, victims, message }, reasons };
}
