/**
 * What-if replay: places the same jobs twice over one prepared cluster snapshot and the same
 * usage counters, once with the policy in force and once with a draft, and reports what changes
 * (per job, capped, and in aggregate: moves between clusters, clouds and regions, newly pending
 * or rejected jobs by reason, cost per hour). Each job is placed as if it were submitted now, on
 * its own: nothing is reserved, so one replayed job never takes room from another. Pure.
 */
import type { Cluster } from '../domain/cluster.js';
import type { JobSpec } from '../domain/job.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { evaluate } from './evaluate.js';
import type { PreparedClusters } from './prepare.js';
import type { UsageView } from './usage.js';
import { budgetsOf, type BudgetPressure } from './budget.js';
import { jobGpus } from './gang.js';

export interface ReplayJob {
  id: string;
  tenantId: string;
  spec: JobSpec;
  createdAt: string;
}

export interface ReplayInput {
  jobs: readonly ReplayJob[];
  clusters: PreparedClusters;
  current: CompiledPolicy;
  draft: CompiledPolicy;
  usage: UsageView;
  now: number;
  heartbeatTimeoutMs: number;
  /** At most this many changed jobs are listed (all are counted). */
  maxChanges: number;
}

export type Outcome = 'placed' | 'pending' | 'rejected';

/** One job's outcome under one policy. */
export interface ReplayOutcome {
  outcome: Outcome;
  waitingFor?: 'quota' | 'budget' | 'capacity';
  clusterId?: string;
  cloud?: string;
  region?: string;
  /** Estimated cost per hour where placed: the cheapest pool's `costPerGpuHour` × GPUs. */
  costPerHour?: number;
  message: string;
}

export interface ReplayChange {
  jobId: string;
  project: string;
  submittedAt: string;
  gpus: number;
  accelerator?: string;
  before: ReplayOutcome;
  after: ReplayOutcome;
}

export interface Move {
  from: string;
  to: string;
  jobs: number;
}

export interface ReasonCount {
  reason: string;
  jobs: number;
}

export interface ReplaySummary {
  replayed: number;
  changed: number;
  outcomes: { before: Record<Outcome, number>; after: Record<Outcome, number> };
  moves: { clusters: Move[]; clouds: Move[]; regions: Move[] };
  newlyPending: { jobs: number; reasons: ReasonCount[] };
  newlyRejected: { jobs: number; reasons: ReasonCount[] };
  newlyPlaced: number;
  /** Jobs without an accelerator or on a pool without a price count as 0. */
  costPerHour: { before: number; after: number; change: number };
  /**
   * Budgets in money: how many jobs wait for one under each policy, and the draft's budgets for
   * the replayed jobs' tenants and projects against the spend counted now.
   */
  budgetPressure: { waiting: { before: number; after: number }; budgets: BudgetPressure[] };
}

export interface ReplayResult {
  summary: ReplaySummary;
  /** Changed jobs in submission order (oldest first), at most `maxChanges`. */
  changes: ReplayChange[];
  changesOmitted: number;
}

/** The cheapest pool of `accelerator` on `cluster` (what placement scores cost by). */
function unitCost(cluster: Cluster, accelerator: string): number | undefined {
  let best: number | undefined;
  for (const p of cluster.pools) {
    if (p.accelerator !== accelerator || p.costPerGpuHour === undefined) continue;
    if (best === undefined || p.costPerGpuHour < best) best = p.costPerGpuHour;
  }
  return best;
}

function placeOne(
  job: ReplayJob,
  policy: CompiledPolicy,
  input: ReplayInput,
  byId: ReadonlyMap<string, Cluster>,
): ReplayOutcome {
  const r = evaluate(
    { tenantId: job.tenantId, spec: job.spec },
    {
      clusters: input.clusters,
      policy,
      now: input.now,
      heartbeatTimeoutMs: input.heartbeatTimeoutMs,
      usage: input.usage,
      maxCandidates: 0,
      explainTop: 1,
      skipPendingCandidates: true,
    },
  );
  const out: ReplayOutcome = { outcome: r.outcome, message: r.message };
  if (r.waitingFor) out.waitingFor = r.waitingFor;
  const cluster = r.clusterId === undefined ? undefined : byId.get(r.clusterId);
  if (r.outcome === 'placed' && cluster) {
    out.clusterId = cluster.id;
    out.cloud = cluster.cloud;
    out.region = cluster.region;
    const acc = job.spec.resources.accelerator;
    const unit = acc ? unitCost(cluster, acc.type) : undefined;
    out.costPerHour = acc && unit !== undefined ? round(unit * jobGpus(job.spec)) : 0;
  }
  return out;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

class Counter {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  moves(): Move[] {
    return [...this.counts]
      .map(([k, jobs]) => {
        const [from, to] = k.split('\u0000') as [string, string];
        return { from, to, jobs };
      })
      .sort((a, b) => b.jobs - a.jobs || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  }
  reasons(): ReasonCount[] {
    return [...this.counts]
      .map(([reason, jobs]) => ({ reason, jobs }))
      .sort((a, b) => b.jobs - a.jobs || a.reason.localeCompare(b.reason));
  }
}

const zero = (): Record<Outcome, number> => ({ placed: 0, pending: 0, rejected: 0 });

/** Replays `jobs` (oldest first) under both policies; see the file header for what it assumes. */
export function replayPlacements(input: ReplayInput): ReplayResult {
  const before = zero();
  const after = zero();
  const clusters = new Counter();
  const clouds = new Counter();
  const regions = new Counter();
  const pending = new Counter();
  const rejected = new Counter();
  const changes: ReplayChange[] = [];
  let changed = 0;
  let newlyPlaced = 0;
  let costBefore = 0;
  let costAfter = 0;
  const waiting = { before: 0, after: 0 };
  const owners = new Map<string, readonly [string, string]>();
  const byId = new Map(input.clusters.clusters.map((c) => [c.id, c.cluster]));
  for (const job of input.jobs) {
    const a = placeOne(job, input.current, input, byId);
    const b = placeOne(job, input.draft, input, byId);
    before[a.outcome]++;
    after[b.outcome]++;
    costBefore += a.costPerHour ?? 0;
    costAfter += b.costPerHour ?? 0;
    if (a.waitingFor === 'budget') waiting.before++;
    if (b.waitingFor === 'budget') waiting.after++;
    owners.set(`${job.tenantId}/${job.spec.project}`, [job.tenantId, job.spec.project]);
    const same =
      a.outcome === b.outcome && a.clusterId === b.clusterId && a.waitingFor === b.waitingFor;
    if (same) continue;
    changed++;
    if (a.outcome === 'placed' && b.outcome === 'placed') {
      clusters.add(`${a.clusterId}\u0000${b.clusterId}`);
      if (a.cloud !== b.cloud) clouds.add(`${a.cloud}\u0000${b.cloud}`);
      if (a.region !== b.region || a.cloud !== b.cloud) {
        regions.add(`${a.cloud}/${a.region}\u0000${b.cloud}/${b.region}`);
      }
    }
    if (b.outcome === 'pending' && a.outcome !== 'pending') pending.add(pendingReason(b));
    if (b.outcome === 'rejected' && a.outcome !== 'rejected') rejected.add(b.message);
    if (b.outcome === 'placed' && a.outcome !== 'placed') newlyPlaced++;
    if (changes.length < input.maxChanges) changes.push(changeOf(job, a, b));
  }
  const pendingReasons = pending.reasons();
  const rejectedReasons = rejected.reasons();
  return {
    summary: {
      replayed: input.jobs.length,
      changed,
      outcomes: { before, after },
      moves: { clusters: clusters.moves(), clouds: clouds.moves(), regions: regions.moves() },
      newlyPending: { jobs: sum(pendingReasons), reasons: pendingReasons },
      newlyRejected: { jobs: sum(rejectedReasons), reasons: rejectedReasons },
      newlyPlaced,
      costPerHour: {
        before: round(costBefore),
        after: round(costAfter),
        change: round(costAfter - costBefore),
      },
      budgetPressure: { waiting, budgets: budgetsOf(input.draft, owners.values(), input.usage) },
    },
    changes,
    changesOmitted: changed - changes.length,
  };
}

const sum = (xs: readonly ReasonCount[]): number => xs.reduce((n, x) => n + x.jobs, 0);

function pendingReason(o: ReplayOutcome): string {
  return `${o.waitingFor ?? 'capacity'}: ${o.message}`;
}

function changeOf(job: ReplayJob, before: ReplayOutcome, after: ReplayOutcome): ReplayChange {
  const acc = job.spec.resources.accelerator;
  return {
    jobId: job.id,
    project: job.spec.project,
    submittedAt: job.createdAt,
    gpus: jobGpus(job.spec),
    ...(acc && { accelerator: acc.type }),
    before,
    after,
  };
}
