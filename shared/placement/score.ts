/**
 * Scoring of the clusters that passed every filter. Each term is normalised over the feasible set
 * and multiplied by its policy weight:
 *   cost          1 for the cheapest GPU-hour of the accelerator, 0 for the dearest (or unknown)
 *   freeCapacity  free GPUs of the type / the most free GPUs of any feasible cluster
 *   spread        1 - jobs placed on the cluster / the most on any feasible cluster
 *   preference    the sum of the weights of the matching `prefer` clauses (not normalised)
 * The highest score wins; equal scores (rounded to 4 decimals) go to the smallest cluster id.
 * A candidate's `reasons` name the inputs of each term, `terms` give the weighted values.
 */
import type { CandidateExplanation } from '../jobs/model.js';
import type { CompiledPolicy } from '../policy/compile.js';

export interface Feasible {
  /** Position of the cluster's entry in `candidates`. */
  index: number;
  id: string;
  free: number;
  /** NaN when unknown. */
  cost: number;
  costText: string;
  jobs: number;
  preference: number;
  preferredBy: string[] | undefined;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

const JOBS_TEXT = Array.from({ length: 64 }, (_, n) => (n === 1 ? '1 job placed here' : `${n} jobs placed here`));
const jobsText = (n: number): string => JOBS_TEXT[n] ?? `${n} jobs placed here`;

/** Fills in the candidates of the feasible clusters and returns the best one. */
export function scoreFeasible(
  feasible: readonly Feasible[],
  candidates: CandidateExplanation[],
  weights: CompiledPolicy['weights'],
  accelerator: string,
): Feasible {
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  let maxFree = 0;
  let maxJobs = 0;
  for (const f of feasible) {
    if (f.cost < minCost) minCost = f.cost;
    if (f.cost > maxCost) maxCost = f.cost;
    if (f.free > maxFree) maxFree = f.free;
    if (f.jobs > maxJobs) maxJobs = f.jobs;
  }
  const costSpan = maxCost - minCost;
  const freeLabel = accelerator ? ` free ${accelerator} GPUs` : '';
  const freeText: string[] = []; // by GPU count: many clusters share one

  let best = feasible[0]!;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const f of feasible) {
    let cost = 0;
    let free = 0;
    const reasons: string[] = [];
    if (accelerator) {
      if (f.cost === f.cost) cost = weights.cost * (costSpan > 0 ? (maxCost - f.cost) / costSpan : 1);
      if (maxFree > 0) free = (weights.freeCapacity * f.free) / maxFree;
      reasons.push(f.costText, (freeText[f.free] ??= f.free + freeLabel));
    } else {
      reasons.push('no accelerator requested');
    }
    const spread = weights.spread * (maxJobs > 0 ? 1 - f.jobs / maxJobs : 1);
    reasons.push(jobsText(f.jobs));
    const preference = weights.preference * f.preference;
    if (f.preferredBy) for (const p of f.preferredBy) reasons.push(p);
    const score = round(cost + free + spread + preference);
    candidates[f.index] = {
      clusterId: f.id,
      feasible: true,
      score,
      reasons,
      terms: { cost: round(cost), freeCapacity: round(free), spread: round(spread), preference },
    };
    if (score > bestScore || (score === bestScore && f.id < best.id)) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}
