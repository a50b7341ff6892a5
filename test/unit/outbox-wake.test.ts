// The embedded server's delivery loop is woken by committed writes that carry status webhooks
// (shared/webhooks/outbox-wake.ts): a job write with deliveries, or a delivery on its own; a
// write without deliveries, or one that fails, wakes nothing.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Delivery } from '../../shared/store/port.js';
import { wakeOnOutbox } from '../../shared/webhooks/outbox-wake.js';
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
});
