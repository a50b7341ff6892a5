// The fair slots behind the webhook delivery worker: caps per host, per tenant and in total, and
// round-robin across tenants for whoever waits, with work that finishes when the test says so.
import { describe, expect, it } from 'vitest';
import { createFairSlots } from '../../shared/webhooks/fair-slots.js';

/** Work that runs until `release(key)`; `started` lists keys in the order they got a slot. */
function harness(limits: { total: number; perHost: number; perTenant: number }) {
  const slots = createFairSlots(limits);
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const submit = (key: string, tenant: string, host: string) =>
    slots.submit({
      key,
      tenant,
      host,
      run: () =>
        new Promise<void>((done) => {
          started.push(key);
          releases.set(key, done);
        }),
    });
  const release = async (key: string) => {
    releases.get(key)!();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { slots, started, submit, release };
}

describe('createFairSlots', () => {
  it('never runs more than perHost to one host; other hosts go ahead', async () => {
    const h = harness({ total: 10, perHost: 2, perTenant: 10 });
    for (let i = 0; i < 5; i++) void h.submit(`a${i}`, 'A', 'slow:443');
    void h.submit('b0', 'B', 'fast:443');
    expect(h.started).toEqual(['a0', 'a1', 'b0']);
    await h.release('a0');
    expect(h.started).toEqual(['a0', 'a1', 'b0', 'a2']);
  });

  it('caps a tenant across hosts, and the total', async () => {
    const h = harness({ total: 3, perHost: 10, perTenant: 2 });
    for (let i = 0; i < 4; i++) void h.submit(`a${i}`, 'A', `h${i}:443`);
    void h.submit('b0', 'B', 'x:443');
    void h.submit('c0', 'C', 'y:443');
    expect(h.started).toEqual(['a0', 'a1', 'b0']);
    await h.release('b0');
    expect(h.started.at(-1)).toBe('c0');
  });

  it('gives a freed slot to the tenant served longest ago, not the one queued first', async () => {
    const h = harness({ total: 1, perHost: 10, perTenant: 10 });
    for (let i = 0; i < 3; i++) void h.submit(`a${i}`, 'A', 'h:1');
    void h.submit('b0', 'B', 'h:2');
    void h.submit('b1', 'B', 'h:2');
    for (const key of ['a0', 'b0', 'a1', 'b1']) await h.release(key);
    expect(h.started).toEqual(['a0', 'b0', 'a1', 'b1', 'a2']);
  });

  it('runs one piece of work per key, and tells when all is done', async () => {
    const h = harness({ total: 4, perHost: 4, perTenant: 4 });
    const first = h.submit('job', 'A', 'h:1');
    const again = h.submit('job', 'A', 'h:1');
    expect(h.slots.busy('job')).toBe(true);
    await again; // a busy key resolves at once without running
    expect(h.started).toEqual(['job']);
    let idle = false;
    void h.slots.idle().then(() => (idle = true));
    await h.release('job');
    await first;
    expect([idle, h.slots.busy('job')]).toEqual([true, false]);
  });
});
