/**
 * The drainer protocol's request bodies (claim, report, heartbeat), validated at the API and
 * described by the OpenAPI document from these same schemas.
 */
import { z } from 'zod';
import { issuesOf, fieldsError } from '../base/validation.js';
import { WORKLOAD_KINDS } from '../domain/job.js';
import { MAX_REPLICAS } from '../domain/replica.js';
import { isTraceparent } from '../metrics/trace.js';

const TRACEPARENT_RULE =
  'must be W3C Trace Context: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lower case, ids not all zero';

export const claimSchema = z.strictObject({
  jobId: z.string().max(64),
  clusterId: z.string().max(63),
  attempt: z.int().min(1),
});
/** One pod of a gang in a report (shared/domain/replica.ts). */
const replicaSchema = z.strictObject({
  role: z.string().min(1).max(63).optional(),
  index: z.int().min(0).max(1_000_000),
  pod: z.string().min(1).max(253),
  node: z.string().min(1).max(253).optional(),
  phase: z.string().min(1).max(32),
  exitCode: z.int().min(-2147483648).max(2147483647).optional(),
  reason: z.string().max(128).optional(),
});
export const reportSchema = z.strictObject({
  jobId: z.string().max(64),
  clusterId: z.string().max(63),
  attempt: z.int().min(1),
  phase: z.enum([
    'pending',
    'running',
    'succeeded',
    'failed',
    'deleted',
    'create-failed',
    'cancelled',
    'requeued',
  ]),
  reason: z.string().max(128).optional(),
  targetKind: z.enum(['kubernetes', 'slurm']).optional(),
  targetJobId: z.string().max(128).optional(),
  message: z.string().max(2048).optional(),
  result: z
    .strictObject({
      exitCode: z.int().min(-2147483648).max(2147483647).optional(),
      reason: z.string().max(128).optional(),
    })
    .optional(),
  replicas: z.array(replicaSchema).max(MAX_REPLICAS).optional(),
  /** The job's trace (optional: older drainers send none). */
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, TRACEPARENT_RULE)
    .refine(isTraceparent, TRACEPARENT_RULE)
    .optional(),
  at: z.iso.datetime(),
});
/** `POST /v1/drainer/expected`: which cluster's expected jobs. */
export const expectedSchema = z.strictObject({ clusterId: z.string().min(1).max(63) });

export const capacitySchema = z.strictObject({
  clusterId: z.string().max(63),
  capacity: z.strictObject({
    reportedAt: z.iso.datetime(),
    accelerators: z.record(
      z.string().max(63),
      z.strictObject({
        total: z.int().min(0),
        free: z.int().min(0),
        maxFreePerNode: z.int().min(0),
        freePerNode: z.array(z.int().min(0)).max(100_000).optional(),
      }),
    ),
    kinds: z.array(z.enum(WORKLOAD_KINDS)).max(WORKLOAD_KINDS.length).optional(),
    kueue: z.boolean().optional(),
    drainer: z
      .strictObject({
        since: z.iso.datetime(),
        creates: z
          .record(z.string().regex(/^[a-z][a-z-]{0,31}$/), z.int().min(0))
          .refine((c) => Object.keys(c).length <= 32, 'at most 32 outcomes'),
        budgetWaitSeconds: z.number().min(0).max(1e12),
      })
      .optional(),
    version: z.string().min(1).max(128).optional(),
  }),
});

/** Validates a drainer request, or throws BAD_REQUEST listing every bad field. */
export function parseDrainerRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const fields = issuesOf(r.error);
  throw fieldsError('BAD_REQUEST', 'invalid drainer request', fields);
}
