/**
 * What the job API needs from dispatch, declared here so that jobs/ stands below dispatch/: the
 * dispatch folder implements it (`createDispatcher`) and the composition root hands it in.
 */
import type { Decision, Job, JobSpec } from '../domain/job.js';
import type { Delivery, UsageDelta } from '../store/port.js';

export interface Decided {
  decision: Decision;
  /** The job with the decision applied (dispatched, pending or rejected), or undefined if none. */
  apply(job: Job, at: string): Job | undefined;
}

export interface Dispatcher {
  /**
   * Places a job of this tenant now, against the current cluster snapshot and policy. With
   * `explain`, a job that would wait for room also gets the preemption it would lead to.
   */
  decide(tenantId: string, spec: JobSpec, options?: { explain?: boolean }): Promise<Decided>;
  /**
   * Stores a new job with its reservation and outbox (the errors of `jobs.create`) and, when it is
   * dispatched, counts it in the snapshot and publishes it to its queue — in one transaction
   * where the store and queue share one (the embedded pair), else one after the other.
   */
  createAndHandOff(
    job: Job,
    changes: readonly UsageDelta[],
    outbox: readonly Delivery[],
  ): Promise<void>;
  /** A job let go of what it held (cancelled): the next decision must see those GPUs free. */
  released(job: Job): Promise<void>;
}
