/**
 * Scoring of the clusters that passed every filter. Each term is normalised over the feasible set
 * and multiplied by its policy weight:
 *   cost          1 for the cheapest GPU-hour of the accelerator, 0 for the dearest (or unknown)
 *   freeCapacity  free GPUs of the type / the most free GPUs of any feasible cluster
 *   spread        1 - jobs placed on the cluster / the most on any feasible cluster
 *   preference    the sum of the weights of the matching `prefer` clauses (not normalised)
 * The highest score wins; equal scores (rounded to 4 decimals) go to the smallest cluster id.
 * Every feasible candidate carries its score. The best `explainTop` (and always the chosen one)
 * also carry `reasons` naming the inputs of each term and `terms` giving the weighted values; the
 * others carry one shared reason saying so, which keeps a decision over thousands of clusters
 * cheap to build and to store.
 */
import type { CandidateExplanation } from '../domain/job.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Scratch } from './memo.js';
import type { AcceleratorColumn, PreparedClusters } from './prepare.js';
import { gpus } from './candidates.js';

/** Feasible candidates given every reason and term when the caller does not say. */
export const DEFAULT_EXPLAIN_TOP = 10;

/** A matched `prefer` clause: its verdict per cluster. */
export interface Prefer {
  readonly verdict: Uint8Array;
  readonly weight: number;
  readonly reason: string;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

const JOBS_TEXT = Array.from({ length: 64 }, (_, n) =>
  n === 1 ? '1 job placed here' : `${n} jobs placed here`,
);
const jobsText = (n: number): string => JOBS_TEXT[n] ?? `${n} jobs placed here`;

const SCORE_ONLY = new Map<number, string[]>();
/** The shared `reasons` of a feasible candidate outside the best `top`. */
export function scoreOnlyReasons(top: number): string[] {
  let r = SCORE_ONLY.get(top);
  if (!r) {
    const text = `feasible; score terms are itemised for the ${top} best candidate(s) only`;
    SCORE_ONLY.set(top, (r = Object.freeze([text]) as string[]));
  }
  return r;
}

export interface Scoring {
  readonly s: Scratch;
  /** Feasible candidates in `s` (0..n-1). */
  readonly n: number;
  readonly clusters: PreparedClusters;
  readonly col: AcceleratorColumn | undefined;
  readonly weights: CompiledPolicy['weights'];
  readonly accelerator: string;
  readonly prefers: readonly Prefer[];
  maxCost: number;
  costSpan: number;
  maxFree: number;
  maxJobs: number;
}

/** Scores every feasible candidate into `s.score`; returns what `explain` needs. */
export function scoreFeasible(
  s: Scratch,
  n: number,
  clusters: PreparedClusters,
  col: AcceleratorColumn | undefined,
  weights: CompiledPolicy['weights'],
  accelerator: string,
  prefers: readonly Prefer[],
): Scoring {
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  let maxFree = 0;
  let maxJobs = 0;
  for (let k = 0; k < n; k++) {
    const cost = col ? col.cost[s.cluster[k]!]! : Number.NaN;
    if (cost < minCost) minCost = cost;
    if (cost > maxCost) maxCost = cost;
    if (s.free[k]! > maxFree) maxFree = s.free[k]!;
    if (s.jobs[k]! > maxJobs) maxJobs = s.jobs[k]!;
  }
  const sc: Scoring = {
    s,
    n,
    clusters,
    col,
    weights,
    accelerator,
    prefers,
    maxCost,
    costSpan: maxCost - minCost,
    maxFree,
    maxJobs,
  };
  for (let k = 0; k < n; k++) {
    s.score[k] = round(
      termCost(sc, k) + termFree(sc, k) + termSpread(sc, k) + weights.preference * s.preference[k]!,
    );
  }
  return sc;
}

function termCost(sc: Scoring, k: number): number {
  if (!sc.col) return 0;
  const cost = sc.col.cost[sc.s.cluster[k]!]!;
  if (cost !== cost) return 0;
  return sc.weights.cost * (sc.costSpan > 0 ? (sc.maxCost - cost) / sc.costSpan : 1);
}

function termFree(sc: Scoring, k: number): number {
  return sc.col && sc.maxFree > 0 ? (sc.weights.freeCapacity * sc.s.free[k]!) / sc.maxFree : 0;
}

function termSpread(sc: Scoring, k: number): number {
  return sc.weights.spread * (sc.maxJobs > 0 ? 1 - sc.s.jobs[k]! / sc.maxJobs : 1);
}

function before(s: Scratch, ids: PreparedClusters['clusters'], a: number, b: number): boolean {
  const sa = s.score[a]!;
  const sb = s.score[b]!;
  return sa > sb || (sa === sb && ids[s.cluster[a]!]!.id < ids[s.cluster[b]!]!.id);
}

/**
 * Puts the best `m` feasible candidates, best first, into `s.order[0..m)` (m >= 1 when n >= 1);
 * ties on score go to the smallest cluster id. Returns m.
 */
export function rankTop(sc: Scoring, want: number): number {
  const { s, n } = sc;
  const ids = sc.clusters.clusters;
  const m = Math.min(n, Math.max(1, want));
  const order = s.order;
  if (m * 8 >= n) {
    const all = Array.from({ length: n }, (_, k) => k);
    all.sort((a, b) => (before(s, ids, a, b) ? -1 : before(s, ids, b, a) ? 1 : 0));
    for (let j = 0; j < m; j++) order[j] = all[j]!;
    return m;
  }
  let len = 0;
  for (let k = 0; k < n; k++) {
    if (len === m && !before(s, ids, k, order[m - 1]!)) continue;
    let j = len < m ? len++ : m - 1;
    while (j > 0 && before(s, ids, k, order[j - 1]!)) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = k;
  }
  return m;
}

/** The full explanation of feasible candidate `k`: reasons and weighted terms. */
export function explain(sc: Scoring, k: number): CandidateExplanation {
  const { s, col, weights } = sc;
  const c = s.cluster[k]!;
  const reasons = col
    ? [col.costText[c]!, gpus(s.free[k]!, `free ${sc.accelerator}`), jobsText(s.jobs[k]!)]
    : ['no accelerator requested', jobsText(s.jobs[k]!)];
  for (const p of sc.prefers) if (p.verdict[c] === 1) reasons.push(p.reason);
  return {
    clusterId: sc.clusters.clusters[c]!.id,
    feasible: true,
    score: s.score[k]!,
    reasons,
    terms: {
      cost: round(termCost(sc, k)),
      freeCapacity: round(termFree(sc, k)),
      spread: round(termSpread(sc, k)),
      preference: weights.preference * s.preference[k]!,
    },
  };
}

/** A feasible candidate outside the best few: its score and a shared reason. */
export function scoreOnly(sc: Scoring, k: number, reasons: string[]): CandidateExplanation {
  return {
    clusterId: sc.clusters.clusters[sc.s.cluster[k]!]!.id,
    feasible: true,
    score: sc.s.score[k]!,
    reasons,
  };
}
