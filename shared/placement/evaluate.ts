/**
 * The placement core shared by `place` and `planAdmission`: hard filters, quotas, scoring, pick.
 * Pure: it reads the prepared clusters, the policy and usage through accessors and returns a value.
 */
import type { CandidateExplanation, Decision, JobSpec } from '../jobs/model.js';
import {
  compileSelector,
  matchRules,
  type CompiledPolicy,
  type RuleMatch,
} from '../policy/compile.js';
import { UNDECIDED, type PreparedClusters } from './prepare.js';
import { checkQuota } from './usage.js';
import { bind, selects, type Bound } from './select.js';
import { feasibleSet, scoreFeasible } from './score.js';

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
  usage: ReadonlyMap<string, number>;
  /** Admission's working copy: GPUs per accelerator and jobs added per cluster index by the plan. */
  extraGpus?: ReadonlyMap<string, Float64Array>;
  extraJobs?: Float64Array;
  /**
   * Keep at most this many filtered and this many feasible (best first) candidates, counting the
   * rest in `candidatesOmitted`; saves building thousands of explanations nobody keeps.
   */
  maxCandidates?: number;
}

interface Tally {
  noAccelerator: number;
  nodesTooSmall: number;
  jobConstraints: number;
  policy: Set<string>;
  policyCount: number;
  blocked: number;
}

const EMPTY = new Int32Array(0);

const filtered = (clusterId: string, reason: string): CandidateExplanation => ({
  clusterId,
  feasible: false,
  reasons: [reason],
});

export function evaluate(job: EvalJob, env: EvalEnv): PlacementResult {
  const { spec, tenantId } = job;
  const { policy, clusters } = env;
  const acc = spec.resources.accelerator;
  const type = acc?.type ?? '';
  const count = acc?.count ?? 0;

  // 1. Rules: which match, the effective priority, the clauses they impose.
  const match =
    job.match ??
    matchRules(policy, {
      tenantId,
      project: spec.project,
      labels: spec.labels,
      priority: spec.priority,
      ...(acc && { accelerator: acc.type }),
    });
  const requires: Bound[] = [];
  const forbids: Bound[] = [];
  const prefers: Array<{ bound: Bound; weight: number }> = [];
  if (spec.constraints) {
    const sel = compileSelector(spec.constraints);
    requires.push(bind(sel, clusters, `does not meet the job's constraints (${sel.text})`));
  }
  for (const r of match.rules) {
    if (r.require) requires.push(bind(r.require, clusters, r.requireReason));
    if (r.forbid) forbids.push(bind(r.forbid, clusters, r.forbidReason));
    for (const p of r.prefer)
      prefers.push({ bound: bind(p.selector, clusters, p.reason), weight: p.weight });
  }
  const jobRequires = spec.constraints ? 1 : 0;
  const blocked = job.blocked && job.blocked.length > 0 ? new Set(job.blocked) : undefined;

  // 2. Hard filters, static ones first (they decide rejection), then the ones that pass.
  const tally: Tally = {
    noAccelerator: 0,
    nodesTooSmall: 0,
    jobConstraints: 0,
    policy: new Set(),
    policyCount: 0,
    blocked: 0,
  };
  const list = clusters.clusters;
  const col = acc ? clusters.byAccelerator.get(type) : undefined;
  // Clusters without the accelerator come pre-explained in the column's template.
  const scope = acc ? col : clusters.everyCluster;
  const max = env.maxCandidates;
  const compact = max !== undefined;
  const candidates: CandidateExplanation[] = compact
    ? []
    : scope
      ? scope.template.slice()
      : list.map((pc) => filtered(pc.id, `no ${type} nodes (has: ${pc.acceleratorList})`));
  let omitted = 0;
  const put = (i: number, c: CandidateExplanation): void => {
    if (!compact) candidates[i] = c;
    else if (candidates.length < max) candidates.push(c);
    else omitted++;
  };
  tally.noAccelerator = list.length - (scope ? scope.indices.length : 0);
  const indices = scope ? scope.indices : EMPTY;
  const feasible = feasibleSet(indices.length);
  let everFeasible = 0;
  const extraGpus = col && env.extraGpus?.get(type);
  const { usage, extraJobs } = env;
  outer: for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const pc = list[i]!;
    if (col && col.maxPerNode[i]! < count) {
      tally.nodesTooSmall++;
      const most = col.maxPerNode[i];
      put(
        i,
        filtered(
          pc.id,
          `largest ${type} node has ${most} GPUs; the job needs ${count} on one node`,
        ),
      );
      continue;
    }
    for (let r = 0; r < requires.length; r++) {
      const b = requires[r]!;
      if (!selects(b, pc, i)) {
        if (r < jobRequires) tally.jobConstraints++;
        else {
          tally.policyCount++;
          tally.policy.add(b.reason);
        }
        put(i, filtered(pc.id, b.reason));
        continue outer;
      }
    }
    for (let r = 0; r < forbids.length; r++) {
      const b = forbids[r]!;
      if (selects(b, pc, i)) {
        tally.policyCount++;
        tally.policy.add(b.reason);
        put(i, filtered(pc.id, b.reason));
        continue outer;
      }
    }
    if (blocked?.has(pc.id)) {
      tally.blocked++;
      put(i, filtered(pc.id, 'blocked after a failed attempt'));
      continue;
    }
    everFeasible++;
    if (pc.inactive) {
      put(i, pc.inactive);
      continue;
    }
    if (env.now - pc.reportedAtMs > env.heartbeatTimeoutMs) {
      const at = pc.cluster.capacity?.reportedAt;
      put(i, filtered(pc.id, `cluster is offline (last heartbeat ${at})`));
      continue;
    }
    let free = 0;
    if (col) {
      const taken = extraGpus ? extraGpus[i]! : 0;
      free = taken > 0 ? Math.max(0, col.free[i]! - taken) : col.free[i]!;
      if (free < count) {
        put(i, filtered(pc.id, `only ${free} free ${type} GPUs; the job needs ${count}`));
        continue;
      }
      const nodeFree = Math.min(col.nodeFree[i]!, free);
      if (nodeFree < count) {
        const why = `at most ${nodeFree} free ${type} GPUs on one node; the job needs ${count}`;
        put(i, filtered(pc.id, why));
        continue;
      }
    }
    let preference = 0;
    let preferredBy: string[] | undefined;
    for (let p = 0; p < prefers.length; p++) {
      const pref = prefers[p]!;
      if (selects(pref.bound, pc, i)) {
        preference += pref.weight;
        (preferredBy ??= []).push(pref.bound.reason);
      }
    }
    const f = feasible.n++;
    feasible.cluster[f] = i;
    feasible.free[f] = free;
    feasible.jobs[f] = (usage.get(pc.spreadKey) ?? 0) + (extraJobs ? extraJobs[i]! : 0);
    feasible.preference[f] = preference;
    if (preferredBy) feasible.preferredBy[f] = preferredBy;
  }

  if (compact && tally.noAccelerator > 0) {
    let shown = 0;
    for (let i = 0; i < list.length && candidates.length < max; i++) {
      const c = scope ? scope.template[i]! : filtered(list[i]!.id, `no ${type} nodes`);
      if (c === UNDECIDED) continue;
      candidates.push(c);
      shown++;
    }
    omitted += tally.noAccelerator - shown;
  }
  const base = {
    candidates,
    policyVersion: policy.version,
    matchedRules: match.rules.map((r) => r.name),
    effectivePriority: match.effectivePriority,
  };
  const need = acc ? `${count} x ${type}` : 'this CPU-only job';

  // 3. Rejection: nothing the job may use could ever run it.
  if (everFeasible === 0) {
    const message = rejection(need, list.length, tally);
    return { outcome: 'rejected', message, ...base, ...omission(omitted) };
  }
  // 4. Quotas: a job at quota waits; one larger than its quota is rejected.
  const quota = acc ? checkQuota(policy, tenantId, spec.project, type, count, usage) : {};
  if (quota.never) {
    const message = `cannot admit ${need}: ${quota.never}`;
    return { outcome: 'rejected', message, ...base, ...omission(omitted) };
  }
  if (quota.wait) {
    for (let f = 0; f < feasible.n; f++) {
      const i = feasible.cluster[f]!;
      put(i, filtered(list[i]!.id, `waiting for quota: ${quota.wait}`));
    }
    return {
      outcome: 'pending',
      message: `the job waits: ${quota.wait}`,
      ...base,
      ...omission(omitted),
    };
  }
  if (feasible.n === 0) {
    return {
      outcome: 'pending',
      message: `no cluster has room now; ${everFeasible} cluster(s) could run ${need} later, the job waits`,
      ...base,
      ...omission(omitted),
    };
  }
  // 5. Scoring and the pick; ties go to the smallest cluster id.
  const scored = scoreFeasible(feasible, clusters, col, policy.weights, type, candidates, max);
  omitted += scored.omitted;
  const { chosen } = scored;
  const id = list[scored.best]!.id;
  return {
    outcome: 'placed',
    clusterId: id,
    message: `placed on ${id} with score ${chosen.score} (${chosen.reasons.join(', ')}), the best of ${feasible.n} feasible cluster(s)`,
    ...base,
    ...omission(omitted),
  };
}

const omission = (n: number) => (n > 0 ? { candidatesOmitted: n } : {});

function rejection(need: string, clusterCount: number, t: Tally): string {
  if (clusterCount === 0) return 'no clusters are registered: add one to the configuration';
  const parts: string[] = [];
  const advice: string[] = [];
  if (t.noAccelerator > 0) parts.push(`${t.noAccelerator} have no such accelerator`);
  if (t.nodesTooSmall > 0) parts.push(`${t.nodesTooSmall} have nodes too small for it`);
  if (t.noAccelerator + t.nodesTooSmall > 0)
    advice.push('request another accelerator type or fewer GPUs');
  if (t.jobConstraints > 0) {
    parts.push(`${t.jobConstraints} do not meet the job's constraints`);
    advice.push("loosen the job's constraints");
  }
  if (t.policyCount > 0) {
    parts.push(`${t.policyCount} are excluded by the routing policy (${[...t.policy].join('; ')})`);
    advice.push('ask an operator to change the routing policy');
  }
  if (t.blocked > 0) {
    parts.push(`${t.blocked} are blocked after failed attempts`);
    advice.push('submit the job again once the failed cluster is healthy');
  }
  advice.push('or add a cluster that can run it');
  return `no cluster can ever run ${need}: ${parts.join(', ')}; ${advice.join(', ')}`;
}
