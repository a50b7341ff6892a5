/**
 * The parts of a placement decision built after the pick: clusters explained as filtered after
 * all (feasible but outvoted by a budget or a later check) and the fields every outcome carries.
 */
import type { CandidateExplanation, WorkloadKind } from '../domain/job.js';
import type { CompiledPolicy, RuleMatch } from '../policy/compile.js';
import type { BudgetPass } from './budget.js';
import { filtered, type Built } from './candidates.js';
import { kindsUnknown } from './gang.js';
import type { Scratch } from './memo.js';
import type { PreparedClusters } from './prepare.js';

/** Explains the `n` clusters that passed every filter as filtered after all, for `reason`. */
export function addFeasibleAsFiltered(
  b: Built,
  s: Scratch,
  n: number,
  list: PreparedClusters['clusters'],
  max: number | undefined,
  reason: string,
): void {
  for (let f = 0; f < n; f++) {
    const c = filtered(list[s.cluster[f]!]!.id, reason);
    if (max === undefined) b.candidates[s.cluster[f]!] = c;
    else if (b.candidates.length < max) b.candidates.push(c);
    else b.omitted++;
  }
}

/** Explains the clusters passed over for a budget (see `filterByBudget`). */
export function addOverBudget(
  b: Built,
  budget: BudgetPass | undefined,
  list: PreparedClusters['clusters'],
  max: number | undefined,
): void {
  for (const { index, reason } of budget?.over ?? []) {
    const c = filtered(list[index]!.id, reason);
    if (max === undefined) b.candidates[index] = c;
    else if (b.candidates.length < max) b.candidates.push(c);
    else b.omitted++;
  }
}

/** The fields every outcome carries: candidates, policy version, matched rules, priority. */
export function common(
  candidates: CandidateExplanation[],
  omitted: number,
  policy: CompiledPolicy,
  match: RuleMatch,
) {
  const matchedRules: string[] = [];
  for (const r of match.rules) matchedRules.push(r.name);
  return {
    candidates,
    policyVersion: policy.version,
    matchedRules,
    effectivePriority: match.effectivePriority,
    ...(omitted > 0 && { candidatesOmitted: omitted }),
  };
}

/** Why a job of `kind` waits when only clusters that have not reported their kinds could run it. */
export function unreportedText(first: string, count: number, kind: WorkloadKind): string {
  if (count === 1) return `${kindsUnknown(first)} (the job is a ${kind})`;
  return `${count} clusters that could run a ${kind} (${first} and others) have not reported which workload kinds they run yet`;
}
