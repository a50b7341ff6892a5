/**
 * The lease protocol: a remote pull drainer that cannot reach the queue itself (no Pub/Sub
 * credentials, no access to the embedded SQLite file) leases its queue's messages through the
 * control plane (`POST /v1/drainer/lease`) and settles each delivery (`POST /v1/drainer/settle`).
 * A lease may wait (`waitMs`, at most `LEASE_MAX_WAIT_MS`) for a message instead of answering an
 * empty list at once, so an idle remote drainer is woken by a publish, not by its next poll.
 */
import { z } from 'zod';
import type { QueueMessage } from '../queue/port.js';

/** The longest a lease waits for a message before answering `[]`. */
export const LEASE_MAX_WAIT_MS = 20_000;

const queueName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a queue name: lowercase letters, digits and dashes');

export const leaseSchema = z.strictObject({
  queue: queueName,
  /** At most this many messages (1..32). */
  max: z.int().min(1).max(32),
  /** How long the leased messages stay invisible to other consumers (1 s .. 12 h). */
  visibilityMs: z.int().min(1_000).max(43_200_000),
  /** How long to wait for a message when none is visible (0 answers at once). */
  waitMs: z.int().min(0).max(LEASE_MAX_WAIT_MS).default(0),
});
export type LeaseRequest = z.input<typeof leaseSchema>;

export const settleSchema = z.discriminatedUnion('action', [
  z.strictObject({
    queue: queueName,
    receipt: z.string().min(1).max(512),
    action: z.literal('ack'),
  }),
  z.strictObject({
    queue: queueName,
    receipt: z.string().min(1).max(512),
    action: z.literal('nack'),
    delayMs: z.int().min(0).max(43_200_000).default(0),
  }),
  z.strictObject({
    queue: queueName,
    receipt: z.string().min(1).max(512),
    action: z.literal('extend'),
    visibilityMs: z.int().min(1_000).max(43_200_000),
  }),
]);
export type SettleRequest = z.input<typeof settleSchema>;

export interface LeaseAnswer {
  messages: QueueMessage[];
  /** How long the lease waited, in ms (0 when it answered at once). */
  waitedMs: number;
}
