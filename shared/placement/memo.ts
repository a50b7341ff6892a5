/**
 * Per-snapshot memo for placement, kept beside (not inside) a `PreparedClusters` and derived only
 * from it and from compiled policy objects, so it never changes what a decision says:
 *   - each policy selector's verdict per cluster, computed on first use (a byte per cluster), so a
 *     `require`/`forbid`/`prefer` test in the hot loop is one array read;
 *   - frozen filtered candidates whose reason does not depend on the job beyond a key (the policy
 *     reason, `blocked`, offline, capacity at the snapshot's free count), shared like the prepared
 *     `template` ones;
 *   - scratch columns reused by every call: placement is synchronous and never returns them.
 */
import type { CandidateExplanation } from '../domain/job.js';
import type { PlacementConstraints } from '../domain/job.js';
import { compileSelector, type CompiledSelector } from '../policy/compile.js';
import type { PreparedClusters } from './prepare.js';
import { bind, selects } from './select.js';

/** Why a cluster in scope was filtered (or that it is feasible): `Scratch.status` values. */
export const NODES_TOO_SMALL = 1;
export const REQUIRE = 2;
export const FORBID = 3;
export const BLOCKED = 4;
export const INACTIVE = 5;
export const OFFLINE = 6;
export const FREE_SHORT = 7;
export const NODE_FREE_SHORT = 8;
export const FEASIBLE = 9;
/** The cluster cannot run the job's workload kind (its operator is not installed). */
export const KIND_MISSING = 10;
/** Fewer nodes large enough for one pod than the gang has pods. */
export const GANG_TOO_SMALL = 11;
/** Fewer nodes with room for one pod now than the gang has pods. */
export const GANG_ROOM_SHORT = 12;
/** The cluster has not reported which workload kinds it runs yet (the job may run there later). */
export const KINDS_UNKNOWN = 13;

export interface Scratch {
  /** Per cluster: a status (above), and its argument (rule index, free GPUs, feasible index). */
  readonly status: Uint8Array;
  readonly arg: Float64Array;
  /** Per feasible candidate (0..n-1): its cluster index and score inputs, then its score. */
  readonly cluster: Int32Array;
  readonly free: Float64Array;
  readonly jobs: Float64Array;
  readonly preference: Float64Array;
  readonly score: Float64Array;
  /** Feasible indices, best first (the first `m` only). */
  readonly order: Int32Array;
}

export interface Memo {
  readonly scratch: Scratch;
  /** Per cluster, as columns (no object read per cluster in the filter loop). */
  readonly inactive: Uint8Array;
  readonly reportedAtMs: Float64Array;
  readonly verdicts: WeakMap<CompiledSelector, Uint8Array>;
  readonly filtered: Map<string, Array<CandidateExplanation | undefined>>;
  /** Jobs' own constraints by their JSON, at most `MAX_CONSTRAINTS` of them. */
  readonly constraints: Map<string, { verdict: Uint8Array; text: string }>;
}

const MAX_CONSTRAINTS = 256;

const memos = new WeakMap<PreparedClusters, Memo>();

export function memoOf(clusters: PreparedClusters): Memo {
  let memo = memos.get(clusters);
  if (memo) return memo;
  const n = clusters.clusters.length;
  memo = {
    scratch: {
      status: new Uint8Array(n),
      arg: new Float64Array(n),
      cluster: new Int32Array(n),
      free: new Float64Array(n),
      jobs: new Float64Array(n),
      preference: new Float64Array(n),
      score: new Float64Array(n),
      order: new Int32Array(n),
    },
    inactive: Uint8Array.from(clusters.clusters, (c) => (c.inactive ? 1 : 0)),
    reportedAtMs: Float64Array.from(clusters.clusters, (c) => c.reportedAtMs),
    verdicts: new WeakMap(),
    filtered: new Map(),
    constraints: new Map(),
  };
  memos.set(clusters, memo);
  return memo;
}

/** 1 where the selector selects the cluster. Cached per selector unless `cache` is false. */
export function verdictsOf(
  memo: Memo,
  clusters: PreparedClusters,
  sel: CompiledSelector,
  cache = true,
): Uint8Array {
  let out = cache ? memo.verdicts.get(sel) : undefined;
  if (out) return out;
  const b = bind(sel, clusters, '');
  const list = clusters.clusters;
  out = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = selects(b, list[i]!, i) ? 1 : 0;
  if (cache) memo.verdicts.set(sel, out);
  return out;
}

/** The shared slots for filtered candidates under `key` (one per cluster, filled on first use). */
export function filteredSlots(memo: Memo, key: string): Array<CandidateExplanation | undefined> {
  let slots = memo.filtered.get(key);
  if (!slots) memo.filtered.set(key, (slots = []));
  return slots;
}

/** The verdicts of a job's own constraints, and their text for explanations. */
export function constraintVerdicts(
  memo: Memo,
  clusters: PreparedClusters,
  constraints: PlacementConstraints,
): { verdict: Uint8Array; text: string } {
  const key = JSON.stringify(constraints);
  let hit = memo.constraints.get(key);
  if (hit) return hit;
  const sel = compileSelector(constraints);
  hit = { verdict: verdictsOf(memo, clusters, sel, false), text: sel.text };
  if (memo.constraints.size < MAX_CONSTRAINTS) memo.constraints.set(key, hit);
  return hit;
}

/**
 * Forgets the shared capacity explanations (`only N free …`) of one cluster and accelerator type,
 * after `commitGpus` changed its free count: they quote the old figures.
 */
export function forgetCapacityCandidates(
  clusters: PreparedClusters,
  index: number,
  accelerator: string,
): void {
  const memo = memos.get(clusters);
  if (!memo) return;
  for (const [key, slots] of memo.filtered) {
    if (
      key.startsWith(`free|${accelerator}|`) ||
      key.startsWith(`node|${accelerator}|`) ||
      key.startsWith(`room|${accelerator}|`)
    ) {
      slots[index] = undefined;
    }
  }
}
