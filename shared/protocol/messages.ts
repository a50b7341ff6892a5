/** What travels on the per-cloud queues. Validated on receipt: a malformed message is poison. */
import { z } from 'zod';
import type { JobSpec, Placement } from '../domain/job.js';
import { jobSubmissionSchema } from '../domain/spec.js';

const placementSchema = z.object({
  clusterId: z.string(),
  queue: z.string(),
  namespace: z.string(),
  kubeName: z.string(),
  attempt: z.int().min(1),
});

export const createMessageSchema = z.object({
  kind: z.literal('create'),
  jobId: z.string(),
  tenantId: z.string(),
  submittedBy: z.string(),
  placement: placementSchema,
  /** The spec without its callback (secrets never travel on queues), checked like a submission. */
  spec: jobSubmissionSchema.omit({ callback: true }),
  /** The job's W3C trace id, for the drainer's log lines (absent on jobs from before traces). */
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});

export const cancelMessageSchema = z.object({
  kind: z.literal('cancel'),
  jobId: z.string(),
  clusterId: z.string(),
  namespace: z.string(),
  kubeName: z.string(),
  attempt: z.int().min(1),
  /** Why (absent: the user cancelled); `Preempted` for a preemption's victim. */
  reason: z.string().max(64).optional(),
  /** How long the pods get to stop; absent: the cluster's default. */
  gracePeriodSeconds: z.int().min(0).max(3600).optional(),
  /** The job's W3C trace id, for the drainer's log lines and its report (absent before traces). */
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});

export const queueMessageSchema = z.discriminatedUnion('kind', [
  createMessageSchema,
  cancelMessageSchema,
]);

export type CreateMessage = z.infer<typeof createMessageSchema>;
export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type DrainerMessage = CreateMessage | CancelMessage;

// The wire types are the domain's own: a message builds a manifest without a cast on either side.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _specMatches: Same<CreateMessage['spec'], Omit<JobSpec, 'callback'>> = true;
const _placementMatches: Same<CreateMessage['placement'], Placement> = true;
void _specMatches;
void _placementMatches;
