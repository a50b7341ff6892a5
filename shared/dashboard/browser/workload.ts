/** How the dashboard names a job's workload: its kind and its gang (pods × GPUs). No DOM. */
import type { JobSpec } from './types.js';

/** `1 × nvidia-a100` for one pod, `2 × 8 nvidia-h100 = 16 GPUs` for a gang, `—` without GPUs. */
export function gpusText(spec: JobSpec | undefined): string {
  const acc = spec && spec.resources && spec.resources.accelerator;
  const nodes = (spec && spec.nodes) || 1;
  if (!acc) return nodes > 1 ? nodes + ' pods, no GPUs' : '—';
  if (nodes === 1) return acc.count + ' × ' + acc.type;
  return nodes + ' × ' + acc.count + ' ' + acc.type + ' = ' + nodes * acc.count + ' GPUs';
}

/** `job`, or `pytorchjob × 2` for a gang of two. */
export function kindText(spec: JobSpec | undefined): string {
  const nodes = (spec && spec.nodes) || 1;
  return ((spec && spec.kind) || 'job') + (nodes > 1 ? ' × ' + nodes : '');
}

/** The list's GPU cell: the GPUs, after the kind when it is not a plain Job. */
export function workloadCell(spec: JobSpec | undefined): string {
  const kind = (spec && spec.kind) || 'job';
  return (kind === 'job' ? '' : kind + ': ') + gpusText(spec);
}
