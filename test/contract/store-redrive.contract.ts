/**
 * StateStore contract: a redrive (shared/webhooks/redrive.ts) moves a dead letter back to pending
 * with one conditional write on its version. Every driver must keep that write exclusive (of many
 * concurrent redrives, across connections, exactly one wins), put the delivery back in the due
 * list (DynamoDB: the sparse index), and refuse a redrive based on a stale read.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery, StateStore } from '../../shared/store/port.js';
import { redriveDelivery } from '../../shared/webhooks/redrive.js';
import { at, ids, type StoreContext, uniqueId } from './store-fixtures.js';

function aDeadLetter(jobId: string, over: Partial<Delivery> = {}): Delivery {
  return {
    id: uniqueId('dlv-redrive'),
    jobId,
    tenantId: 'acme',
    url: 'https://hooks.example.com/x',
    eventType: 'job.running',
    payload: '{"type":"job.running"}',
    state: 'dead',
    attempts: 3,
    nextAttemptAt: at(10),
    lastStatus: 500,
    lastError: 'gave up after 3 attempts; last: endpoint answered HTTP 500',
    lastAttemptAt: at(9),
    createdAt: at(1),
    updatedAt: at(10),
    version: 4,
    ...over,
  };
}

/** The ids among `mine` that are due by `now` (the table may be shared with other tests). */
async function dueOf(store: StateStore, now: string, mine: readonly Delivery[]) {
  const wanted = new Set(ids([...mine]));
  return ids(await store.deliveries.listDue(now, 1000)).filter((id) => wanted.has(id));
}

export function describeRedrive(ctx: StoreContext): void {
  describe('delivery redrive (dead letter back to pending)', () => {
    it('a dead letter is out of the due list; redriven, it is due now with attempts reset', async () => {
      const store = ctx.store();
      const job = uniqueId('job-redrive');
      const dead = aDeadLetter(job);
      await store.deliveries.create(dead);
      expect(await dueOf(store, at(1000), [dead])).toEqual([]);

      const stored = await redriveDelivery(store.deliveries, dead, at(20));
      expect(stored).toEqual({
        ...dead,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: at(20),
        redrivenAt: at(20),
        updatedAt: at(20),
        version: 5,
      });
      expect(await store.deliveries.listByJob(job)).toEqual([stored]);
      expect(await dueOf(store, at(19), [dead])).toEqual([]);
      expect(await dueOf(store, at(20), [dead])).toEqual([dead.id]);
    });

    it('of 10 concurrent redrives of one dead letter across connections exactly one wins', async () => {
      const handles = [ctx.store(), await ctx.peer()];
      for (let round = 0; round < 3; round++) {
        const dead = aDeadLetter(uniqueId('job-redrive'));
        await handles[0]!.deliveries.create(dead);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            redriveDelivery(handles[i % handles.length]!.deliveries, dead, at(20 + i)),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        const [stored] = await handles[1]!.deliveries.listByJob(dead.jobId);
        expect(stored).toEqual(winners[0]);
        expect(stored).toMatchObject({ state: 'pending', attempts: 0, version: 5 });
      }
    });

    it('a redrive from a stale read changes nothing; a delivered or pending one is not redriven', async () => {
      const store = ctx.store();
      const job = uniqueId('job-redrive');
      const dead = aDeadLetter(job, { createdAt: at(1) });
      const delivered = aDeadLetter(job, { createdAt: at(2), state: 'delivered', attempts: 1 });
      const pending = aDeadLetter(job, {
        createdAt: at(3),
        state: 'pending',
        nextAttemptAt: at(50),
      });
      for (const d of [dead, delivered, pending]) await store.deliveries.create(d);
      // The worker (or another redrive) wrote it after our read: the stale redrive must not land.
      const moved = await store.deliveries.update({ ...dead, lastError: 'someone else' });
      expect(await redriveDelivery(store.deliveries, dead, at(20))).toBeUndefined();
      expect(await redriveDelivery(store.deliveries, delivered, at(20))).toBeUndefined();
      expect(await redriveDelivery(store.deliveries, pending, at(20))).toBeUndefined();
      expect(await store.deliveries.listByJob(job)).toEqual([moved, delivered, pending]);
      expect(await dueOf(store, at(1000), [dead, delivered, pending])).toEqual([pending.id]);
    });
  });
}
