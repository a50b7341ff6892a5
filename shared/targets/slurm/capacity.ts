/**
 * GPU capacity of a Slurm partition from its nodes' gres (`gpu:4`, `gpu:a100:4(S:0-1)`) and
 * gres in use (`gpu:2(IDX:0-1)`), mapped to accelerator types by gres type. Like unschedulable
 * Kubernetes nodes, a drained, draining, down, failing or unreachable node counts for nothing.
 * Edge-safe, pure.
 */
import type { AcceleratorCapacity, CapacityReport } from '../../domain/cluster.js';
import type { SlurmNode } from './dialects.js';

const UNAVAILABLE = new Set([
  'DOWN',
  'DRAIN',
  'DRAINED',
  'DRAINING',
  'FAIL',
  'FAILING',
  'MAINT',
  'NOT_RESPONDING',
  'NO_RESPOND',
  'POWERED_DOWN',
  'POWER_DOWN',
  'POWERING_DOWN',
  'FUTURE',
  'UNKNOWN',
  'INVAL',
  'REBOOT_REQUESTED',
  'REBOOT_ISSUED',
]);

export function nodeAvailable(node: SlurmNode): boolean {
  return node.states.length > 0 && !node.states.some((s) => UNAVAILABLE.has(s.replace(/\*$/, '')));
}

/** GPU counts per gres type (`''` for untyped) in a gres string. */
export function gpuGres(gres: string): Map<string, number> {
  const out = new Map<string, number>();
  // Entries are comma-separated, but an index list like (IDX:0,2) has commas too.
  for (const entry of gres.replace(/\([^)]*\)/g, '').split(',')) {
    const parts = entry.trim().split(':');
    if (parts[0] !== 'gpu' && parts[0] !== 'gres/gpu') continue;
    const count = Number(parts[parts.length - 1]);
    if (!Number.isFinite(count)) continue;
    const type = parts.length >= 3 ? parts[1]! : '';
    out.set(type, (out.get(type) ?? 0) + count);
  }
  return out;
}

export function capacityFromNodes(
  nodes: SlurmNode[],
  partition: string,
  accelerators: { gresTypes: Record<string, string>; defaultAccelerator: string },
  reportedAt: string,
): CapacityReport {
  const perNode = new Map<string, number[]>();
  const totals = new Map<string, number>();
  const inPartition = nodes.filter(
    (n) => n.partitions.length === 0 || n.partitions.includes(partition),
  );
  for (const node of inPartition.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!nodeAvailable(node)) continue;
    const used = gpuGres(node.gresUsed);
    for (const [type, total] of gpuGres(node.gres)) {
      const accel = type ? (accelerators.gresTypes[type] ?? type) : accelerators.defaultAccelerator;
      const free = Math.max(0, total - (used.get(type) ?? 0));
      totals.set(accel, (totals.get(accel) ?? 0) + total);
      const list = perNode.get(accel) ?? [];
      list.push(free);
      perNode.set(accel, list);
    }
  }
  const out: Record<string, AcceleratorCapacity> = {};
  for (const [accel, frees] of perNode) {
    const freePerNode = [...frees].sort((a, b) => b - a);
    out[accel] = {
      total: totals.get(accel) ?? 0,
      free: freePerNode.reduce((a, b) => a + b, 0),
      maxFreePerNode: freePerNode[0] ?? 0,
      freePerNode,
    };
  }
  return { reportedAt, accelerators: out, kinds: ['job'] };
}
