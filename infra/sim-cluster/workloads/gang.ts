/**
 * All-or-nothing placement of a pod group: every pod of the gang gets a node with room at the
 * same time, or none is bound and the scheduler says why (with kube-scheduler's per-node reasons
 * for the first pod that did not fit). Pure: no I/O; `used` is not changed.
 */
import { placePod, podGpus } from '../placement.js';
import type { NodeObject, PodSpec } from '../types.js';

export type GangPlacement = { nodes: string[] } | { nodes?: undefined; message: string };

export function placeGang(
  specs: PodSpec[],
  nodes: NodeObject[],
  used: ReadonlyMap<string, number>,
): GangPlacement {
  const scratch = new Map(used);
  const total = specs.reduce((sum, s) => sum + podGpus(s), 0);
  const chosen: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const placement = placePod(spec, nodes, scratch);
    if (placement.node === undefined) {
      return {
        message: `pod group of ${specs.length} pods (${total} nvidia.com/gpu in all) does not fit at once: ${i}/${specs.length} pods could be placed, so none is bound; for the next: ${placement.message}`,
      };
    }
    chosen.push(placement.node);
    scratch.set(placement.node, (scratch.get(placement.node) ?? 0) + podGpus(spec));
  }
  return { nodes: chosen };
}
