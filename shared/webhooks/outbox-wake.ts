/**
 * Where the delivery loop shares a process with the writers of the outbox (the embedded server),
 * a committed job write that carries deliveries, a delivery created on its own, or a redrive,
 * wakes the loop at once instead of at its next interval: a status webhook then leaves within
 * milliseconds of the state change that made it. Wake-ups are hints; the interval pass still finds everything.
 * Edge-safe.
 */
import type { JobPublish } from '../queue/job-publish.js';
import type { Delivery, StateStore } from '../store/port.js';

/** `store`, whose outbox-carrying writes call `wake` once committed. */
export function wakeOnOutbox(store: StateStore, wake: () => void): StateStore {
  const { jobs, deliveries } = store;
  return {
    ...store,
    jobs: {
      ...jobs,
      async create(job, usage, outbox) {
        await jobs.create(job, usage, outbox);
        if (outbox && outbox.length > 0) wake();
      },
      async update(job, usage, outbox) {
        const stored = await jobs.update(job, usage, outbox);
        if (outbox && outbox.length > 0) wake();
        return stored;
      },
    },
    deliveries: {
      ...deliveries,
      async create(delivery) {
        await deliveries.create(delivery);
        wake();
      },
      async update(delivery) {
        const stored = await deliveries.update(delivery);
        if (isRedrive(delivery)) wake();
        return stored;
      },
    },
  };
}

/**
 * The write of a redrive (webhooks/redrive.ts): pending, never tried, due at the moment it was
 * written. The worker's own writes never look like this: a claim counts an attempt, and moving a
 * later delivery behind its job's head pushes `nextAttemptAt` past `updatedAt`.
 */
function isRedrive(d: Delivery): boolean {
  return (
    d.state === 'pending' &&
    d.attempts === 0 &&
    d.redrivenAt === d.updatedAt &&
    d.nextAttemptAt === d.updatedAt
  );
}

/** `jobPublish`, waking the delivery loop when the committed job carried deliveries. */
export function wakeOnOutboxPublish(jobPublish: JobPublish, wake: () => void): JobPublish {
  return {
    async createAndPublish(job, changes, outbox, message) {
      const id = await jobPublish.createAndPublish(job, changes, outbox, message);
      if (outbox.length > 0) wake();
      return id;
    },
  };
}
