// The embedded server's delivery loop is woken by committed writes that carry status webhooks
// (shared/webhooks/outbox-wake.ts): a job write with deliveries, a delivery on its own, or a
// redrive; a write without deliveries, one that fails, or the worker's own writes wake nothing.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Delivery } from '../../shared/store/port.js';
import { wakeOnOutbox } from '../../shared/webhooks/outbox-wake.js';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { redriveDelivery } from '../../shared/webhooks/redrive.js';
import { aJob } from '../contract/store-fixtures.js';

const at = '2026-01-01T00:00:00.000Z';
const delivery = (id: string, jobId: string): Delivery => ({
  id,
  jobId,
  tenantId: 'acme',
  url: 'https://example.com/hook',
  eventType: 'job.dispatched',
  payload: '{}',
  state: 'pending',
  attempts: 0,
  nextAttemptAt: at,
  createdAt: at,
  updatedAt: at,
  version: 1,
});

describe('wakeOnOutbox', () => {
  it('wakes after a committed write that adds deliveries, and only then', async () => {
    let wakes = 0;
    const store = wakeOnOutbox(createMemoryStore(), () => wakes++);
    await store.jobs.create(aJob({ id: 'j1' }));
    expect(wakes).toBe(0);
    await store.jobs.create(aJob({ id: 'j2' }), [], [delivery('d1', 'j2')]);
    expect(wakes).toBe(1);
    const j2 = (await store.jobs.get('j2'))!;
    await store.jobs.update({ ...j2, state: 'pending' });
    expect(wakes).toBe(1);
    const again = (await store.jobs.get('j2'))!;
    await store.jobs.update({ ...again, state: 'dispatched' }, [], [delivery('d2', 'j2')]);
    expect(wakes).toBe(2);
    await store.deliveries.create(delivery('d3', 'j1'));
    expect(wakes).toBe(3);
    // A write the store refuses (a duplicate id) commits nothing and wakes nothing.
    await expect(
      store.jobs.create(aJob({ id: 'j2' }), [], [delivery('d4', 'j2')]),
    ).rejects.toThrow();
    expect(wakes).toBe(3);
    expect((await store.deliveries.listByJob('j2')).map((d) => d.id).sort()).toEqual(['d1', 'd2']);
  });

  it("wakes after a redrive, not after the worker's own delivery writes", async () => {
    let wakes = 0;
    let now = Date.parse(at);
    const store = wakeOnOutbox(createMemoryStore(), () => wakes++);
    const dead = { ...delivery('d1', 'j1'), state: 'dead' as const, attempts: 8 };
    const later = { ...delivery('d2', 'j1'), createdAt: '2026-01-01T00:00:01.000Z' };
    await store.deliveries.create(dead);
    await store.deliveries.create(later);
    expect(wakes).toBe(2);
    const redriven = await redriveDelivery(store.deliveries, dead, '2026-01-01T00:01:00.000Z');
    expect(redriven?.state).toBe('pending');
    expect(wakes).toBe(3);
    // The worker claims, fails and reschedules both, and defers the later one: no wake-ups.
    const worker = createDeliveryWorker({
      deliveries: store.deliveries,
      secretFor: async () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      clock: { now: () => now },
      fetch: async () => new Response(null, { status: 500 }),
    });
    now = Date.parse('2026-01-01T00:02:00.000Z');
    expect(await worker.runOnce()).toMatchObject({ attempted: 1, failed: 1 });
    expect(wakes).toBe(3);
    const [head, tail] = await store.deliveries.listByJob('j1');
    expect(head).toMatchObject({ state: 'pending', attempts: 1 });
    expect(tail!.nextAttemptAt).toBe(head!.nextAttemptAt);
  });
});
