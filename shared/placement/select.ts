/** Policy and job selectors bound to one prepared snapshot, for a fast test per cluster. */
import { matchesString, type CompiledSelector } from '../policy/compile.js';
import type { PreparedCluster, PreparedClusters } from './prepare.js';

/**
 * A selector bound to one cluster snapshot: globs are decided once per distinct region and cloud,
 * labels become value indices, so testing a cluster is a few array reads.
 */
export interface Bound {
  sel: CompiledSelector;
  regionOk: Uint8Array | undefined;
  cloudOk: Uint8Array | undefined;
  labelColumns: Int32Array[];
  labelWants: number[];
  reason: string;
}

function verdicts(values: readonly string[], test: (v: string) => boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = test(values[i]!) ? 1 : 0;
  return out;
}

const NOWHERE = new Int32Array(0);

export function bind(sel: CompiledSelector, clusters: PreparedClusters, reason: string): Bound {
  const { regions, clouds } = sel;
  const labelColumns: Int32Array[] = [];
  const labelWants: number[] = [];
  for (const [k, v] of sel.labels ?? []) {
    const col = clusters.labels.get(k);
    labelColumns.push(col?.valueOf ?? NOWHERE); // out of range reads never equal a want >= 0
    labelWants.push(col?.indexOf.get(v) ?? -2);
  }
  return {
    sel,
    regionOk: regions && verdicts(clusters.regions, (r) => matchesString(regions, r)),
    cloudOk: clouds && verdicts(clusters.clouds, (c) => clouds.has(c)),
    labelColumns,
    labelWants,
    reason,
  };
}

export function selects(b: Bound, pc: PreparedCluster, i: number): boolean {
  if (b.cloudOk && b.cloudOk[pc.cloudIndex] !== 1) return false;
  if (b.regionOk && b.regionOk[pc.regionIndex] !== 1) return false;
  if (b.sel.clusters && !matchesString(b.sel.clusters, pc.id)) return false;
  for (let l = 0; l < b.labelColumns.length; l++) {
    if (b.labelColumns[l]![i] !== b.labelWants[l]) return false;
  }
  return true;
}
