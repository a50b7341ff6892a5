/**
 * The placement core shared by `place` and `planAdmission`: hard filters, quotas, scoring, pick.
 * Pure: it reads the prepared clusters, the policy and usage and returns a value. The filter pass
 * records a status per cluster in scratch columns reused across calls (see `memo.ts`); explanations
 * are built afterwards, and only for a decision the caller keeps.
 */
import type { CandidateExplanation, Decision, JobSpec } from '../domain/job.js';
import { matchRules, type CompiledPolicy, type RuleMatch } from '../policy/compile.js';
import type { PreparedClusters } from './prepare.js';
import { checkQuota, type UsageView } from './usage.js';
import { budgetKeys, budgetNote, filterByBudget, type BudgetPass } from './budget.js';
import {
  BLOCKED,
  FEASIBLE,
  FORBID,
  FREE_SHORT,
  GANG_ROOM_SHORT,
  GANG_TOO_SMALL,
  INACTIVE,
  KIND_MISSING,
  KINDS_UNKNOWN,
  memoOf,
  NODE_FREE_SHORT,
  NODES_TOO_SMALL,
  OFFLINE,
  REQUIRE,
  verdictsOf,
  constraintVerdicts,
} from './memo.js';
import { buildFiltered, policyReasons, rejection, type FilterPass } from './candidates.js';
import {
  DEFAULT_EXPLAIN_TOP,
  explain,
  rankTop,
  scoreFeasible,
  scoreOnly,
  scoreOnlyReasons,
  type Prefer,
} from './score.js';
import {
  describeNeed,
  gangColumnsOf,
  kindBit,
  kindMaskOf,
  KINDS_UNKNOWN_BIT,
  kindMissing as kindMissingText,
} from './gang.js';
import { addFeasibleAsFiltered, addOverBudget, common, unreportedText } from './decision-parts.js';

export type PlacementResult = Omit<
  Decision,
  'evaluatedAt' | 'matchedRules' | 'effectivePriority'
> & {
  matchedRules: string[];
  effectivePriority: number;
};

export interface EvalJob {
  tenantId: string;
  spec: JobSpec;
  blocked?: readonly string[];
  /** The job's rule match, when the caller has it already. */
  match?: RuleMatch;
}

export interface EvalEnv {
  clusters: PreparedClusters;
  policy: CompiledPolicy;
  now: number;
  heartbeatTimeoutMs: number;
  /** Current usage counters; a missing one is 0. */
  usage: UsageView;
  /** Admission's working copy: GPUs per accelerator and jobs added per cluster index by the plan. */
  extraGpus?: ReadonlyMap<string, Float64Array>;
  /**
   * Pods per accelerator and cluster index added by the plan: each takes at most one node, so a
   * gang counts that many fewer nodes with room there.
   */
  extraPods?: ReadonlyMap<string, Float64Array>;
  extraJobs?: Float64Array;
  /**
   * Keep at most this many filtered and this many feasible (best first) candidates, counting the
   * rest in `candidatesOmitted`; saves building thousands of explanations nobody keeps.
   */
  maxCandidates?: number;
  /**
   * How many of the best feasible candidates carry every reason and score term (default 10; the
   * chosen one always does). The others carry their score and one shared reason.
   */
  explainTop?: number;
  /** The caller drops `pending` decisions (admission): leave their candidates empty. */
  skipPendingCandidates?: boolean;
}

const EMPTY = new Int32Array(0);

export function evaluate(job: EvalJob, env: EvalEnv): PlacementResult {
  const { spec, tenantId } = job;
  const { policy, clusters } = env;
  const acc = spec.resources.accelerator;
  const type = acc?.type ?? '';
  const count = acc?.count ?? 0;
  const nodes = spec.nodes ?? 1;
  const gpus = nodes * count;
  const kind = spec.kind ?? 'job';
  const memo = memoOf(clusters);
  const s = memo.scratch;

  // 1. Rules: which match, the effective priority, the clauses they impose (verdicts per cluster).
  const match =
    job.match ??
    matchRules(policy, {
      tenantId,
      project: spec.project,
      labels: spec.labels,
      priority: spec.priority,
      ...(acc && { accelerator: acc.type }),
    });
  const requires: Uint8Array[] = [];
  const requireReasons: string[] = [];
  const forbids: Uint8Array[] = [];
  const forbidReasons: string[] = [];
  const prefers: Prefer[] = [];
  if (spec.constraints) {
    const own = constraintVerdicts(memo, clusters, spec.constraints);
    requires.push(own.verdict);
    requireReasons.push(`does not meet the job's constraints (${own.text})`);
  }
  for (const r of match.rules) {
    if (r.require) {
      requires.push(verdictsOf(memo, clusters, r.require));
      requireReasons.push(r.requireReason);
    }
    if (r.forbid) {
      forbids.push(verdictsOf(memo, clusters, r.forbid));
      forbidReasons.push(r.forbidReason);
    }
    for (const p of r.prefer) {
      prefers.push({
        verdict: verdictsOf(memo, clusters, p.selector),
        weight: p.weight,
        reason: p.reason,
      });
    }
  }
  const jobRequires = spec.constraints ? 1 : 0;
  const blocked = job.blocked && job.blocked.length > 0 ? new Set(job.blocked) : undefined;

  // 2. Hard filters, static ones first (they decide rejection), then the ones that pass.
  const list = clusters.clusters;
  const col = acc ? clusters.byAccelerator.get(type) : undefined;
  // Gangs: per-cluster node counts for pods of `count` GPUs; kinds: a bit per kind per cluster.
  const gang =
    col && nodes > 1 && count > 0 ? gangColumnsOf(clusters, col, type, count) : undefined;
  const kb = kind === 'job' ? 0 : kindBit(kind);
  const kinds = kb ? kindMaskOf(clusters) : undefined;
  // Clusters without the accelerator come pre-explained in the column's template.
  const scope = acc ? col : clusters.everyCluster;
  const indices = scope ? scope.indices : EMPTY;
  const extraGpus = col && env.extraGpus?.get(type);
  const extraPods = gang && env.extraPods?.get(type);
  const { usage, extraJobs, now, heartbeatTimeoutMs } = env;
  const { status, arg } = s;
  const { inactive, reportedAtMs } = memo;
  const spread = usage.size > 0 || extraJobs !== undefined;
  let nodesTooSmall = 0;
  let kindMissing = 0;
  let gangTooSmall = 0;
  let gangMost = 0;
  let jobConstraints = 0;
  let policyCount = 0;
  let blockedCount = 0;
  let everFeasible = 0;
  let unreported = 0;
  let firstUnreported = -1;
  let n = 0;
  outer: for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    // A cluster that has not reported its kinds yet may run the job later: it waits for it.
    const kindsUnknown = kinds !== undefined && (kinds[i]! & kb) === 0;
    if (kindsUnknown && (kinds[i]! & KINDS_UNKNOWN_BIT) === 0) {
      kindMissing++;
      status[i] = KIND_MISSING;
      continue;
    }
    if (col && col.maxPerNode[i]! < count) {
      nodesTooSmall++;
      status[i] = NODES_TOO_SMALL;
      continue;
    }
    if (gang && gang.big[i]! < nodes) {
      gangTooSmall++;
      if (gang.big[i]! > gangMost) gangMost = gang.big[i]!;
      status[i] = GANG_TOO_SMALL;
      arg[i] = gang.big[i]!;
      continue;
    }
    for (let r = 0; r < requires.length; r++) {
      if (requires[r]![i] !== 1) {
        if (r < jobRequires) jobConstraints++;
        else policyCount++;
        status[i] = REQUIRE;
        arg[i] = r;
        continue outer;
      }
    }
    for (let r = 0; r < forbids.length; r++) {
      if (forbids[r]![i] === 1) {
        policyCount++;
        status[i] = FORBID;
        arg[i] = r;
        continue outer;
      }
    }
    if (blocked?.has(list[i]!.id)) {
      blockedCount++;
      status[i] = BLOCKED;
      continue;
    }
    everFeasible++;
    if (kindsUnknown) {
      status[i] = KINDS_UNKNOWN;
      if (unreported++ === 0) firstUnreported = i;
      continue;
    }
    if (inactive[i] === 1) {
      status[i] = INACTIVE;
      continue;
    }
    if (now - reportedAtMs[i]! > heartbeatTimeoutMs) {
      status[i] = OFFLINE;
      continue;
    }
    let free = 0;
    if (col) {
      const taken = extraGpus ? extraGpus[i]! : 0;
      free = taken > 0 ? Math.max(0, col.free[i]! - taken) : col.free[i]!;
      // A gang is explained in nodes with room (bounded by `free / count` below), also when the
      // GPUs it lacks are held by reservations the report does not show yet.
      if (!gang && free < gpus) {
        status[i] = FREE_SHORT;
        arg[i] = free;
        continue;
      }
      if (gang) {
        const claimed = extraPods ? extraPods[i]! : 0;
        const room = Math.max(0, Math.min(gang.room[i]! - claimed, Math.floor(free / count)));
        if (room < nodes) {
          status[i] = GANG_ROOM_SHORT;
          arg[i] = room;
          continue;
        }
      } else {
        const nodeFree = Math.min(col.nodeFree[i]!, free);
        if (nodeFree < count) {
          status[i] = NODE_FREE_SHORT;
          arg[i] = nodeFree;
          continue;
        }
      }
    }
    let preference = 0;
    for (let p = 0; p < prefers.length; p++) {
      if (prefers[p]!.verdict[i] === 1) preference += prefers[p]!.weight;
    }
    status[i] = FEASIBLE;
    arg[i] = n;
    s.cluster[n] = i;
    s.free[n] = free;
    s.jobs[n] = spread ? (usage.get(list[i]!.spreadKey) ?? 0) + (extraJobs ? extraJobs[i]! : 0) : 0;
    s.preference[n] = preference;
    n++;
  }

  const max = env.maxCandidates;
  const pass: FilterPass = {
    clusters,
    memo,
    col,
    scope,
    type,
    count,
    nodes,
    gpus,
    kind,
    gang,
    requireReasons,
    forbidReasons,
    max,
  };
  const need = describeNeed(spec);

  // 3. Rejection: nothing the job may use could ever run it.
  if (everFeasible === 0) {
    const b = buildFiltered(pass);
    const tally = {
      noAccelerator: list.length - indices.length,
      nodesTooSmall,
      kindMissing,
      gangTooSmall,
      gangMost,
      jobConstraints,
      policy: policyReasons(pass, jobRequires),
      policyCount,
      blocked: blockedCount,
    };
    const gangNote = `needs ${nodes} nodes of ${count} ${type}`;
    const message = rejection(need, list.length, tally, kindMissingText(kind), gangNote);
    return { outcome: 'rejected', message, ...common(b.candidates, b.omitted, policy, match) };
  }
  // 4. Quotas: a job at quota waits; one larger than its quota is rejected.
  const quota = acc ? checkQuota(policy, tenantId, spec.project, type, gpus, usage) : {};
  if (quota.never) {
    const b = buildFiltered(pass);
    // The clusters with room are filtered by the quota too (else their placeholders would leak).
    addFeasibleAsFiltered(b, s, n, list, max, `exceeds a quota: ${quota.never}`);
    const message = `cannot admit ${need}: ${quota.never}`;
    return { outcome: 'rejected', message, ...common(b.candidates, b.omitted, policy, match) };
  }
  // 4b. Budgets in money: pass over the clusters where the job would overspend (budget.ts).
  const spend = col && n > 0 && !quota.wait && budgetKeys(policy, tenantId, spec.project);
  let budget: BudgetPass | undefined;
  if (col && spend) {
    budget = filterByBudget(s, n, col, count * (spec.nodes ?? 1), spend, usage);
    n = budget.n;
  }
  if (quota.wait || n === 0) {
    const waitingFor = quota.wait ? 'quota' : budget?.cheapest ? 'budget' : 'capacity';
    const message = quota.wait
      ? `the job waits: ${quota.wait}`
      : budget?.cheapest
        ? `the job waits: ${budget.cheapest}`
        : unreported === everFeasible
          ? `the job waits: ${unreportedText(list[firstUnreported]!.id, unreported, kind)}`
          : `no cluster has room now; ${everFeasible} cluster(s) could run ${need} later, the job waits`;
    if (env.skipPendingCandidates)
      return { outcome: 'pending', waitingFor, message, ...common([], 0, policy, match) };
    const b = buildFiltered(pass);
    addFeasibleAsFiltered(b, s, n, list, max, `waiting for quota: ${quota.wait}`);
    addOverBudget(b, budget, list, max);
    return {
      outcome: 'pending',
      waitingFor,
      message,
      ...common(b.candidates, b.omitted, policy, match),
    };
  }
  // 5. Scoring and the pick; ties go to the smallest cluster id.
  const b = buildFiltered(pass);
  addOverBudget(b, budget, list, max);
  const sc = scoreFeasible(s, n, clusters, col, policy.weights, type, prefers);
  const top = Math.max(1, env.explainTop ?? DEFAULT_EXPLAIN_TOP);
  const m = rankTop(sc, max === undefined ? top : max);
  const rest = scoreOnlyReasons(top);
  const ranked: CandidateExplanation[] = [];
  for (let j = 0; j < m; j++) {
    ranked.push(j < top ? explain(sc, s.order[j]!) : scoreOnly(sc, s.order[j]!, rest));
  }
  if (max === undefined) {
    for (let f = 0; f < n; f++) b.candidates[s.cluster[f]!] = scoreOnly(sc, f, rest);
    for (let j = 0; j < m; j++) b.candidates[s.cluster[s.order[j]!]!] = ranked[j]!;
  } else {
    b.candidates.unshift(...ranked);
    b.omitted += n - m;
  }
  const chosen = ranked[0]!;
  const id = chosen.clusterId;
  const note =
    budget && spend
      ? budgetNote(spend, col!, s.cluster[s.order[0]!]!, id, count * (spec.nodes ?? 1), usage)
      : '';
  return {
    outcome: 'placed',
    clusterId: id,
    message: `placed ${nodes > 1 ? `${need} ` : ''}on ${id} with score ${chosen.score} (${chosen.reasons.join(', ')}), the best of ${n} feasible cluster(s)${note}`,
    ...common(b.candidates, b.omitted, policy, match),
  };
}
