/**
 * StateStore contract: a job write's deliveries (its outbox) are stored in the same atomic write as
 * the job: either the job changes and every delivery exists, or none of them is stored.
 */
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  QuotaExceededError,
  VersionConflictError,
} from '../../shared/base/errors.js';
import type { Job } from '../../shared/domain/job.js';
import type { Delivery, StateStore } from '../../shared/store/port.js';
import { aJob, at, ids, type StoreContext, uniqueId } from './store-fixtures.js';

function aDelivery(jobId: string, over: Partial<Delivery> = {}): Delivery {
  return {
    id: uniqueId('dlv-outbox'),
    jobId,
    tenantId: 'acme',
    url: 'https://hooks.example.com/x',
    eventType: 'job.pending',
    payload: '{"type":"job.pending"}',
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}

export function describeOutbox(ctx: StoreContext): void {
  describe('job outbox (deliveries written with the job)', () => {
    /** The pending deliveries due by `now` among `mine` (the table may be shared). */
    const dueOf = async (store: StateStore, now: string, mine: readonly Delivery[]) => {
      const wanted = new Set(ids([...mine]));
      return ids(await store.deliveries.listDue(now, 1000)).filter((id) => wanted.has(id));
    };

    const newJob = async (store: StateStore): Promise<Job> => {
      const job = aJob({ id: uniqueId('job-outbox') });
      await store.jobs.create(job);
      return job;
    };

    it('create with deliveries stores the job and them; listByJob and listDue see them', async () => {
      const store = ctx.store();
      const job = aJob({ id: uniqueId('job-outbox') });
      const first = aDelivery(job.id, { createdAt: at(1), nextAttemptAt: at(5) });
      const second = aDelivery(job.id, { createdAt: at(2), nextAttemptAt: at(3) });
      const done = aDelivery(job.id, { createdAt: at(3), state: 'delivered' });
      await store.jobs.create(job, [], [first, second, done]);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.deliveries.listByJob(job.id)).toEqual([first, second, done]);
      expect(await dueOf(store, at(5), [first, second, done])).toEqual([second.id, first.id]);
      expect(await dueOf(store, at(4), [first, second, done])).toEqual([second.id]);
      // The stored records are ordinary deliveries: the sender updates them conditionally.
      const sent = await store.deliveries.update({ ...second, state: 'delivered', attempts: 1 });
      expect(sent).toMatchObject({ state: 'delivered', version: 2 });
      expect(await dueOf(store, at(5), [first, second])).toEqual([first.id]);
    });

    it('create with usage and deliveries writes all three together', async () => {
      const store = ctx.store();
      const key = uniqueId('usage-outbox');
      const job = aJob({ id: uniqueId('job-outbox') });
      const delivery = aDelivery(job.id);
      await store.jobs.create(job, [{ key, delta: 2, max: 4 }], [delivery]);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([key])).toEqual({ [key]: 2 });
      expect(await store.deliveries.listByJob(job.id)).toEqual([delivery]);
    });

    it('update with deliveries stores them with the new job version', async () => {
      const store = ctx.store();
      const job = await newJob(store);
      const pending = aDelivery(job.id, { createdAt: at(1) });
      const updated = await store.jobs.update({ ...job, state: 'pending' }, [], [pending]);
      expect(updated).toEqual({ ...job, state: 'pending', version: 2 });
      expect(await store.jobs.get(job.id)).toEqual(updated);
      expect(await store.deliveries.listByJob(job.id)).toEqual([pending]);
      expect(await dueOf(store, at(1), [pending])).toEqual([pending.id]);
      // With usage too, and the outbox of an earlier write stays.
      const key = uniqueId('usage-outbox');
      const running = aDelivery(job.id, { createdAt: at(2), eventType: 'job.running' });
      const again = await store.jobs.update({ ...updated, state: 'dispatched' }, [
        { key, delta: 1, max: 1 },
      ]);
      const last = await store.jobs.update({ ...again, state: 'running' }, [], [running]);
      expect(last.version).toBe(4);
      expect(await store.usage.get([key])).toEqual({ [key]: 1 });
      expect(await store.deliveries.listByJob(job.id)).toEqual([pending, running]);
      // An empty outbox is a plain write.
      expect((await store.jobs.update(last, [], [])).version).toBe(5);
    });

    it('a version conflict stores no delivery, for a stale version and for a missing job', async () => {
      const store = ctx.store();
      const job = await newJob(store);
      await store.jobs.update(job);
      const lost = aDelivery(job.id);
      await expect(
        store.jobs.update({ ...job, state: 'failed' }, [], [lost]),
      ).rejects.toBeInstanceOf(VersionConflictError);
      const key = uniqueId('usage-outbox');
      await expect(
        store.jobs.update({ ...job, state: 'failed' }, [{ key, delta: 1 }], [lost]),
      ).rejects.toBeInstanceOf(VersionConflictError);
      const ghost = aJob({ id: uniqueId('job-ghost') });
      const ghostly = aDelivery(ghost.id);
      await expect(store.jobs.update(ghost, [], [ghostly])).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(await store.deliveries.listByJob(job.id)).toEqual([]);
      expect(await store.deliveries.listByJob(ghost.id)).toEqual([]);
      expect(await dueOf(store, at(100), [lost, ghostly])).toEqual([]);
      expect(await store.jobs.get(ghost.id)).toBeUndefined();
      expect(await store.usage.get([key])).toEqual({ [key]: 0 });
      expect((await store.jobs.get(job.id))?.state).toBe('received');
    });

    it('creating an existing id stores no delivery and keeps the first job', async () => {
      const store = ctx.store();
      const job = await newJob(store);
      const lost = aDelivery(job.id);
      await expect(
        store.jobs.create({ ...job, state: 'failed' }, [], [lost]),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      const key = uniqueId('usage-outbox');
      await expect(
        store.jobs.create({ ...job, state: 'failed' }, [{ key, delta: 1, max: 5 }], [lost]),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store.deliveries.listByJob(job.id)).toEqual([]);
      expect(await dueOf(store, at(100), [lost])).toEqual([]);
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([key])).toEqual({ [key]: 0 });
    });

    it('a QuotaExceeded stores no delivery, on update and on create', async () => {
      const store = ctx.store();
      const key = uniqueId('usage-outbox');
      const job = await store.jobs.update(await newJob(store), [{ key, delta: 3, max: 4 }]);
      const lost = aDelivery(job.id);
      const err = await store.jobs
        .update({ ...job, state: 'dispatched' }, [{ key, delta: 2, max: 4 }], [lost])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({ key });
      expect(await store.jobs.get(job.id)).toEqual(job);
      expect(await store.usage.get([key])).toEqual({ [key]: 3 });

      const fresh = aJob({ id: uniqueId('job-outbox') });
      const alsoLost = aDelivery(fresh.id);
      await expect(
        store.jobs.create(fresh, [{ key, delta: 2, max: 4 }], [alsoLost]),
      ).rejects.toBeInstanceOf(QuotaExceededError);
      expect(await store.jobs.get(fresh.id)).toBeUndefined();
      expect(await store.deliveries.listByJob(job.id)).toEqual([]);
      expect(await store.deliveries.listByJob(fresh.id)).toEqual([]);
      expect(await dueOf(store, at(100), [lost, alsoLost])).toEqual([]);
    });

    it('a delivery whose id exists is replaced', async () => {
      const store = ctx.store();
      const job = await newJob(store);
      const stored = aDelivery(job.id, { createdAt: at(1), nextAttemptAt: at(1) });
      await store.deliveries.create(stored);
      const attempted = await store.deliveries.update({ ...stored, attempts: 3, lastStatus: 500 });
      const replacement: Delivery = {
        ...aDelivery(job.id, { createdAt: at(1), nextAttemptAt: at(7) }),
        id: stored.id,
        eventType: 'job.running',
        payload: '{"type":"job.running"}',
      };
      const updated = await store.jobs.update({ ...job, state: 'pending' }, [], [replacement]);
      expect(await store.deliveries.listByJob(job.id)).toEqual([replacement]);
      expect(await dueOf(store, at(6), [replacement])).toEqual([]);
      expect(await dueOf(store, at(7), [replacement])).toEqual([replacement.id]);
      // The replaced record's version is gone: an update holding it conflicts.
      await expect(store.deliveries.update(attempted)).rejects.toBeInstanceOf(VersionConflictError);
      // A replacement that is no longer pending leaves the due list; on create too.
      const settled = { ...replacement, state: 'dead' as const, version: 4 };
      await store.jobs.update(updated, [], [settled]);
      expect(await store.deliveries.listByJob(job.id)).toEqual([settled]);
      expect(await dueOf(store, at(100), [settled])).toEqual([]);
      const other = aJob({ id: uniqueId('job-outbox') });
      const moved = { ...settled, jobId: other.id, state: 'pending' as const, version: 1 };
      await store.jobs.create(other, [], [moved]);
      expect(await store.deliveries.listByJob(job.id)).toEqual([]);
      expect(await store.deliveries.listByJob(other.id)).toEqual([moved]);
      expect(await dueOf(store, at(100), [moved])).toEqual([moved.id]);
    });
  });
}
