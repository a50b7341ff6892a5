/**
 * An optional port for a store and queue that share one database (the embedded SQLite pair): a new
 * job, its usage changes (the reservation), its outbox deliveries and its queue message stored in
 * one transaction. All or nothing, so there is no moment where the job is stored and its message
 * not yet published; where the pair cannot do this, dispatch stores then publishes, and the
 * redispatch sweep covers a crash in between.
 */
import type { Job } from '../domain/job.js';
import type { Delivery, UsageDelta } from '../store/port.js';
import type { MessageBody } from './port.js';

export interface JobPublish {
  /**
   * Creates the job like `StateStore.jobs.create` (same errors: `AlreadyExistsError`,
   * `QuotaExceededError`) and publishes `message` in the same transaction; resolves with the
   * message id once both are durable.
   */
  createAndPublish(
    job: Job,
    changes: readonly UsageDelta[],
    outbox: readonly Delivery[],
    message: { queue: string; body: MessageBody },
  ): Promise<string>;
}
