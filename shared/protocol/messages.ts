/** What travels on the per-cloud queues. Validated on receipt: a malformed message is poison. */
import { z } from 'zod';
import type { JobSpec, Placement } from '../domain/job.js';

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
  /** The spec without its callback (secrets never travel on queues). */
  spec: z.record(z.string(), z.unknown()),
});

export const cancelMessageSchema = z.object({
  kind: z.literal('cancel'),
  jobId: z.string(),
  clusterId: z.string(),
  namespace: z.string(),
  kubeName: z.string(),
  attempt: z.int().min(1),
});

export const queueMessageSchema = z.discriminatedUnion('kind', [
  createMessageSchema,
  cancelMessageSchema,
]);

export type CreateMessage = Omit<z.infer<typeof createMessageSchema>, 'spec' | 'placement'> & {
  spec: Omit<JobSpec, 'callback'>;
  placement: Placement;
};
export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type DrainerMessage = CreateMessage | CancelMessage;
