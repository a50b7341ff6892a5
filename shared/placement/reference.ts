/**
 * The slow twin of `place`: the same decision written as plainly as possible, as the oracle of
 * the property test that checks the fast path (typed-array columns, shared snapshot, memo; see
 * docs/adr/0004-placement-fast-path.md). Only the outcome, the pick and the feasible clusters with
 * their scores; no explanations. Keep it obviously correct rather than fast.
 */
import type { Cluster } from '../domain/cluster.js';
import type { JobSpec } from '../domain/job.js';
import * as P from '../policy/compile.js';
import type { ClusterSnapshot } from './prepare.js';

export interface ReferenceInput {
  spec: JobSpec;
  clusters: readonly ClusterSnapshot[];
  blocked?: readonly string[];
  now: number;
  heartbeatTimeoutMs: number;
  tenantId?: string;
  policy?: P.CompiledPolicy;
  usage?: Readonly<Record<string, number>>;
}

export interface ReferenceDecision {
  outcome: 'placed' | 'pending' | 'rejected';
  clusterId?: string;
  /** Clusters that pass every filter now (room included), in input order, scored when placed. */
  feasible: Array<{ clusterId: string; score?: number }>;
}

const selects = (s: P.CompiledSelector, c: Cluster): boolean =>
  (!s.clusters || P.matchesString(s.clusters, c.id)) &&
  (!s.clouds || s.clouds.has(c.cloud)) &&
  (!s.regions || P.matchesString(s.regions, c.region)) &&
  (s.labels ?? []).every(([k, v]) => c.labels[k] === v);

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The kinds a cluster runs: reported, else configured, else `job` (and, for a Kubernetes
 * cluster that has not reported, any kind later: `undefined`). */
const kindsOf = (c: Cluster): string[] | undefined => {
  if (c.capacity) return c.capacity.kinds ?? ['job'];
  return c.kinds ?? (c.slurm ? ['job'] : undefined);
};

/**
 * Nodes with room for a pod of `count` GPUs of `type` per the report: each node's free GPUs from
 * `freePerNode`; without it each pool node with at most `maxFreePerNode` free, the rest of the
 * GPUs in use spread node by node, cheapest to fill first, so that as few as possible keep room.
 */
function roomyNodes(c: Cluster, type: string, count: number): number {
  const report = c.capacity?.accelerators[type];
  if (report?.freePerNode) return report.freePerNode.filter((f) => f >= count).length;
  const free = c.pools
    .filter((p) => p.accelerator === type)
    .flatMap((p) =>
      Array<number>(p.nodes).fill(Math.min(p.gpusPerNode, report?.maxFreePerNode ?? Infinity)),
    );
  let used = report ? Math.max(0, sum(free) - report.free) : 0;
  let room = 0;
  for (const f of [...free].sort((a, b) => a - b)) {
    if (f < count) continue;
    if (used >= f - count + 1) used -= f - count + 1;
    else room++;
  }
  return room;
}

/** The quotas a job of `type` counts against: the usage counter and its limit. */
function quotas(policy: P.CompiledPolicy, tenant: string, project: string, type: string) {
  const t = policy.tenantQuotas.get(tenant);
  const p = policy.projectQuotas.get(`${tenant}/${project}`);
  const all: Array<[string, number | undefined]> = [
    [`tenant:${tenant}:${type}`, t?.gpus.get(type)],
    [`tenant:${tenant}:total`, t?.totalGpus],
    [`project:${tenant}/${project}:${type}`, p?.gpus.get(type)],
    [`project:${tenant}/${project}:total`, p?.totalGpus],
  ];
  return all.flatMap(([key, max]) => (max === undefined ? [] : [{ key, max }]));
}

export function placeReference(input: ReferenceInput): ReferenceDecision {
  const { spec, now, blocked = [], tenantId = '', usage = {} } = input;
  const policy = input.policy ?? P.EMPTY_POLICY;
  const acc = spec.resources.accelerator;
  const count = acc?.count ?? 0;
  const nodes = spec.nodes ?? 1;
  const gpus = nodes * count;
  const kind = spec.kind ?? 'job';
  const gang = acc !== undefined && nodes > 1 && count > 0;
  const { project, labels, priority } = spec;
  const facts = { tenantId, project, labels, priority, ...(acc && { accelerator: acc.type }) };
  const rules = P.matchRules(policy, facts).rules;
  const requires = rules.flatMap((r) => (r.require ? [r.require] : []));
  if (spec.constraints) requires.unshift(P.compileSelector(spec.constraints));
  const pools = (c: Cluster) => c.pools.filter((p) => p.accelerator === acc?.type);
  // 1. The clusters that could ever run the job: its kind, nodes big enough (and enough of them
  // for a gang), allowed, not blocked.
  const big = (c: Cluster) =>
    sum(pools(c).flatMap((p) => (p.gpusPerNode >= count ? [p.nodes] : [])));
  const ever = input.clusters.filter(
    ({ cluster: c }) =>
      (kind === 'job' || (kindsOf(c)?.includes(kind) ?? true)) &&
      (!acc || pools(c).some((p) => p.gpusPerNode >= count)) &&
      (!gang || big(c) >= nodes) &&
      requires.every((s) => selects(s, c)) &&
      !rules.some((r) => r.forbid && selects(r.forbid, c)) &&
      !blocked.includes(c.id),
  );
  // 2. Those that can now: active, heard from lately, that many GPUs free, and on one node (on
  // `nodes` nodes for a gang, at most one pod per `count` free GPUs).
  const rows = ever.flatMap(({ cluster: c, committedGpus }) => {
    const heard = c.capacity ? Date.parse(c.capacity.reportedAt) : now;
    if (c.state !== 'active' || now - heard > input.heartbeatTimeoutMs) return [];
    if (kind !== 'job' && !kindsOf(c)) return [];
    const report = acc && c.capacity?.accelerators[acc.type];
    const total = sum(pools(c).map((p) => p.nodes * p.gpusPerNode));
    const free = Math.max(
      0,
      (report ? report.free : total) - (committedGpus[acc?.type ?? ''] ?? 0),
    );
    const node = report
      ? report.maxFreePerNode
      : Math.max(0, ...pools(c).map((p) => p.gpusPerNode));
    if (acc && free < gpus) return [];
    if (gang && Math.min(roomyNodes(c, acc.type, count), Math.floor(free / count)) < nodes)
      return [];
    if (acc && !gang && Math.min(node, free) < count) return [];
    const costs = pools(c).flatMap((p) => p.costPerGpuHour ?? []);
    const prefer = rules.flatMap((r) => r.prefer.filter((p) => selects(p.selector, c)));
    return [
      {
        id: c.id,
        free: acc ? free : 0,
        cost: Math.min(...costs),
        jobs: usage[`cluster:${c.id}:jobs`] ?? 0,
        prefer: sum(prefer.map((p) => p.weight)),
      },
    ];
  });
  const feasible = rows.map((r) => ({ clusterId: r.id }));
  if (ever.length === 0) return { outcome: 'rejected', feasible };
  // 3. Quotas: larger than one, rejected; over one with the usage now, pending.
  const limits = acc ? quotas(policy, tenantId, project, acc.type) : [];
  if (limits.some((q) => gpus > q.max)) return { outcome: 'rejected', feasible };
  const atQuota = limits.some((q) => (usage[q.key] ?? 0) + gpus > q.max);
  if (atQuota || rows.length === 0) return { outcome: 'pending', feasible };
  // 4. Scores: each term normalised over the feasible clusters; ties go to the smallest id.
  const w = policy.weights;
  const known = rows.flatMap((r) => (r.cost === Infinity ? [] : [r.cost]));
  const [lo, hi] = [Math.min(...known), Math.max(...known)];
  const maxFree = Math.max(0, ...rows.map((r) => r.free));
  const maxJobs = Math.max(0, ...rows.map((r) => r.jobs));
  const scored = rows.map((r) => {
    const cost = r.cost === Infinity ? 0 : w.cost * (hi > lo ? (hi - r.cost) / (hi - lo) : 1);
    const free = maxFree > 0 ? (w.freeCapacity * r.free) / maxFree : 0;
    const spread = w.spread * (maxJobs > 0 ? 1 - r.jobs / maxJobs : 1);
    const score = Math.round((cost + free + spread + w.preference * r.prefer) * 10_000) / 10_000;
    return { clusterId: r.id, score };
  });
  const byRank = [...scored].sort(
    (a, b) => b.score - a.score || (a.clusterId < b.clusterId ? -1 : 1),
  );
  return { outcome: 'placed', clusterId: byRank[0]!.clusterId, feasible: scored };
}
