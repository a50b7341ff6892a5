/**
 * The per-kind options of a submission (`options.jobset`, `options.pytorch`, `options.ray`) and
 * the checks that need the whole spec: options of the right kind, a gang size the kind can run,
 * a Ray entrypoint. Kept beside spec.ts so the gang rules read in one place.
 */
import { z } from 'zod';
import type { FieldIssue } from '../base/errors.js';
import { MAX_NODES, type WorkloadKind } from './job.js';

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export const MAX_JOBSET_RESTARTS = 100;

export const workloadOptionsSchema = z.strictObject({
  jobset: z
    .strictObject({
      leaders: z
        .int({ error: 'options.jobset.leaders must be 0 or 1' })
        .min(0, 'options.jobset.leaders must be 0 or 1')
        .max(1, 'options.jobset.leaders must be 0 or 1')
        .optional(),
      failurePolicy: z
        .strictObject({
          maxRestarts: z
            .int({ error: 'options.jobset.failurePolicy.maxRestarts must be a whole number' })
            .min(0, 'options.jobset.failurePolicy.maxRestarts must be at least 0')
            .max(
              MAX_JOBSET_RESTARTS,
              `options.jobset.failurePolicy.maxRestarts must be at most ${MAX_JOBSET_RESTARTS}`,
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
  pytorch: z
    .strictObject({
      nprocPerNode: z
        .int({ error: 'options.pytorch.nprocPerNode must be a whole number' })
        .min(1, 'options.pytorch.nprocPerNode must be at least 1')
        .max(256, 'options.pytorch.nprocPerNode must be at most 256')
        .optional(),
      masters: z
        .int({ error: 'options.pytorch.masters must be 0 or 1' })
        .min(0, 'options.pytorch.masters must be 0 or 1 (a PyTorchJob has at most one Master)')
        .max(1, 'options.pytorch.masters must be 0 or 1 (a PyTorchJob has at most one Master)')
        .optional(),
    })
    .optional(),
  ray: z
    .strictObject({
      entrypoint: z
        .string({ error: 'options.ray.entrypoint is required: the command the Ray job runs' })
        .min(1, 'options.ray.entrypoint must not be empty')
        .max(16_384, 'options.ray.entrypoint must be at most 16384 characters'),
      head: z
        .strictObject({
          cpu: z
            .string()
            .regex(QUANTITY, 'options.ray.head.cpu is a Kubernetes quantity such as 2 or 500m')
            .optional(),
          memory: z
            .string()
            .regex(QUANTITY, 'options.ray.head.memory is a Kubernetes quantity such as 8Gi')
            .optional(),
        })
        .optional(),
      shutdownAfterJobFinishes: z
        .boolean({ error: 'options.ray.shutdownAfterJobFinishes must be true or false' })
        .optional(),
    })
    .optional(),
});

/** Which options key belongs to which kind; `job` has none. */
const OPTIONS_KEY: Record<WorkloadKind, 'jobset' | 'pytorch' | 'ray' | undefined> = {
  job: undefined,
  jobset: 'jobset',
  pytorchjob: 'pytorch',
  rayjob: 'ray',
};

/** The fields of a spec `kindIssues` reads. */
export interface KindFields {
  kind?: WorkloadKind;
  nodes?: number;
  options?: { jobset?: { leaders?: number }; pytorch?: { masters?: number }; ray?: unknown };
  command?: unknown;
  args?: unknown;
}

/** A split whose first role has more pods than the gang. */
function split(
  issues: FieldIssue[],
  nodes: number,
  path: string,
  first: number | undefined,
  role: string,
): void {
  if (first !== undefined && first > nodes) {
    issues.push({ path, message: `${role} (${first}) cannot exceed nodes (${nodes})` });
  }
}

/**
 * What is wrong with the kind, gang size and options taken together (the schema has checked each
 * field alone): options given for another kind, a multi-pod `job`, a split with no pod left, a
 * RayJob without an entrypoint.
 */
export function kindIssues(spec: KindFields): FieldIssue[] {
  const kind = spec.kind ?? 'job';
  const nodes = spec.nodes ?? 1;
  const issues: FieldIssue[] = [];
  const wanted = OPTIONS_KEY[kind];
  for (const key of ['jobset', 'pytorch', 'ray'] as const) {
    if (spec.options?.[key] !== undefined && key !== wanted) {
      const fix = wanted ? `; use options.${wanted}` : '; a job takes no options';
      issues.push({
        path: `options.${key}`,
        message: `${key} options given for kind ${kind}${fix}`,
      });
    }
  }
  if (kind === 'job' && nodes > 1) {
    issues.push({
      path: 'nodes',
      message: `kind job runs one pod; for ${nodes} pods at once use kind jobset or pytorchjob (or rayjob)`,
    });
  }
  split(issues, nodes, 'options.jobset.leaders', spec.options?.jobset?.leaders, 'leaders');
  split(issues, nodes, 'options.pytorch.masters', spec.options?.pytorch?.masters, 'masters');
  if (kind === 'rayjob' && spec.options?.ray === undefined) {
    issues.push({
      path: 'options.ray.entrypoint',
      message: 'options.ray.entrypoint is required for kind rayjob: the command the Ray job runs',
    });
  }
  if (kind === 'rayjob') {
    for (const key of ['command', 'args'] as const) {
      if (spec[key] !== undefined) {
        issues.push({
          path: key,
          message: `a rayjob runs options.ray.entrypoint (its pods run Ray itself); put the ${key} there`,
        });
      }
    }
  }
  return issues;
}

/** The pods of the gang, by role, as the manifests lay them out. */
export function gangSplit(
  first: number | undefined,
  nodes: number | undefined,
): { first: number; rest: number } {
  const total = Math.min(Math.max(nodes ?? 1, 1), MAX_NODES);
  const lead = Math.min(first ?? 1, total);
  return { first: lead, rest: total - lead };
}
