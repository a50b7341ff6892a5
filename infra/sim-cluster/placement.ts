/**
 * Pod placement as a pure function: the first node (by name) whose labels match the pod's
 * nodeSelector, whose taints the pod tolerates and which has enough free GPUs; otherwise the
 * scheduler's "0/N nodes are available: …" message. No I/O, no mutation.
 */
import { GPU, nodeGpus, nodeReady } from './nodes.js';
import type { NodeObject, PodSpec, Taint, Toleration } from './types.js';

export type Placement = { node: string } | { node?: undefined; message: string };

function quantity(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** GPUs a pod asks for: per container, the limit (which implies the request) or else the request. */
export function podGpus(spec: PodSpec): number {
  return spec.containers.reduce((sum, c) => {
    const limit = c.resources?.limits?.[GPU];
    const request = c.resources?.requests?.[GPU];
    return sum + quantity(limit ?? request);
  }, 0);
}

export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

const collate = new Intl.Collator().compare;

/** Nodes in the order placement tries them: by name (as `localeCompare` orders names). */
export function sortNodes<T extends NodeObject>(nodes: readonly T[]): T[] {
  return [...nodes].sort((a, b) => collate(a.metadata.name, b.metadata.name));
}

/** `usedGpus` holds GPUs taken on each node by pods bound to it and not finished. */
export function placePod(
  spec: PodSpec,
  nodes: NodeObject[],
  usedGpus: ReadonlyMap<string, number>,
): Placement {
  return placeOnSorted(spec, sortNodes(nodes), usedGpus);
}

/** `placePod` over nodes already in `sortNodes` order (a tick sorts them once per node change). */
export function placeOnSorted(
  spec: PodSpec,
  sorted: readonly NodeObject[],
  usedGpus: ReadonlyMap<string, number>,
): Placement {
  const nodes = sorted;
  const wanted = podGpus(spec);
  const reasons = new Map<string, number>();
  const count = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  for (const node of sorted) {
    const labels = node.metadata.labels ?? {};
    const selector = spec.nodeSelector ?? {};
    const untolerated = (node.spec.taints ?? []).find(
      (t) =>
        (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations, t),
    );
    if (!nodeReady(node)) count('node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
    else if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
      count("node(s) didn't match Pod's node affinity/selector");
    } else if (untolerated) {
      count(`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`);
    } else if (nodeGpus(node) - (usedGpus.get(node.metadata.name) ?? 0) < wanted) {
      count(`Insufficient ${GPU}`);
    } else return { node: node.metadata.name };
  }
  const parts = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).sort();
  const detail = parts.length ? ` ${parts.join(', ')}.` : '';
  return {
    message: `0/${nodes.length} nodes are available:${detail} preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`,
  };
}
