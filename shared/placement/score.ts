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
import type { AcceleratorColumn, PreparedClusters } from './prepare.js';

/** The clusters that passed every filter, as columns indexed 0..n-1 (no object per cluster). */
export interface FeasibleSet {
  n: number;
  /** Cluster index in the prepared snapshot (also its position in a full `candidates`). */
  readonly cluster: Int32Array;
  readonly free: Float64Array;
  readonly jobs: Float64Array;
  readonly preference: Float64Array;
  readonly preferredBy: Array<string[] | undefined>;
}

export function feasibleSet(capacity: number): FeasibleSet {
  return {
    n: 0,
    cluster: new Int32Array(capacity),
    free: new Float64Array(capacity),
    jobs: new Float64Array(capacity),
    preference: new Float64Array(capacity),
    preferredBy: [],
  };
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

const JOBS_TEXT = Array.from({ length: 64 }, (_, n) =>
  n === 1 ? '1 job placed here' : `${n} jobs placed here`,
);
const jobsText = (n: number): string => JOBS_TEXT[n] ?? `${n} jobs placed here`;

export interface Scored {
  /** Cluster index of the winner. */
  best: number;
  chosen: CandidateExplanation;
  /** How many feasible candidates were left out (`max`). */
  omitted: number;
}

/**
 * Scores the feasible clusters and picks the best. Writes their explanations into `candidates`:
 * at each cluster's position, or (with `max`) the `max` best prepended, best first.
 */
export function scoreFeasible(
  set: FeasibleSet,
  clusters: PreparedClusters,
  col: AcceleratorColumn | undefined,
  weights: CompiledPolicy['weights'],
  accelerator: string,
  candidates: CandidateExplanation[],
  max: number | undefined,
): Scored {
  const { n, cluster } = set;
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  let maxFree = 0;
  let maxJobs = 0;
  for (let k = 0; k < n; k++) {
    const cost = col ? col.cost[cluster[k]!]! : Number.NaN;
    if (cost < minCost) minCost = cost;
    if (cost > maxCost) maxCost = cost;
    if (set.free[k]! > maxFree) maxFree = set.free[k]!;
    if (set.jobs[k]! > maxJobs) maxJobs = set.jobs[k]!;
  }
  const costSpan = maxCost - minCost;
  const tCost = new Float64Array(n);
  const tFree = new Float64Array(n);
  const tSpread = new Float64Array(n);
  const scores = new Float64Array(n);
  const ids = clusters.clusters;
  let best = 0;
  for (let k = 0; k < n; k++) {
    if (col) {
      const cost = col.cost[cluster[k]!]!;
      if (cost === cost) tCost[k] = weights.cost * (costSpan > 0 ? (maxCost - cost) / costSpan : 1);
      if (maxFree > 0) tFree[k] = (weights.freeCapacity * set.free[k]!) / maxFree;
    }
    tSpread[k] = weights.spread * (maxJobs > 0 ? 1 - set.jobs[k]! / maxJobs : 1);
    const score = round(
      tCost[k]! + tFree[k]! + tSpread[k]! + weights.preference * set.preference[k]!,
    );
    scores[k] = score;
    const b = scores[best]!;
    if (score > b || (score === b && ids[cluster[k]!]!.id < ids[cluster[best]!]!.id)) best = k;
  }
  const freeLabel = ` free ${accelerator} GPUs`;
  const freeText: string[] = []; // by GPU count: many clusters share one
  const explain = (k: number): CandidateExplanation => {
    const c = cluster[k]!;
    const free = set.free[k]!;
    const reasons = col
      ? [col.costText[c]!, (freeText[free] ??= free + freeLabel), jobsText(set.jobs[k]!)]
      : ['no accelerator requested', jobsText(set.jobs[k]!)];
    const by = set.preferredBy[k];
    if (by) for (const p of by) reasons.push(p);
    return {
      clusterId: ids[c]!.id,
      feasible: true,
      score: scores[k]!,
      reasons,
      terms: {
        cost: round(tCost[k]!),
        freeCapacity: round(tFree[k]!),
        spread: round(tSpread[k]!),
        preference: weights.preference * set.preference[k]!,
      },
    };
  };
  if (max === undefined) {
    for (let k = 0; k < n; k++) candidates[cluster[k]!] = explain(k);
    return { best: cluster[best]!, chosen: candidates[cluster[best]!]!, omitted: 0 };
  }
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort(
    (a, b) => scores[b]! - scores[a]! || (ids[cluster[a]!]!.id < ids[cluster[b]!]!.id ? -1 : 1),
  );
  const top = order.slice(0, Math.max(1, max)).map(explain);
  candidates.unshift(...top);
  return { best: cluster[best]!, chosen: top[0]!, omitted: n - top.length };
}
