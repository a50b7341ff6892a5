// Event-driven drain, in process: the queue wrapper wakes a waiting consumer on publish and on a
// nack (at once or after its delay), keeps a wake-up nobody waited for, and times out or aborts
// otherwise; the drainer's pump keeps pulling while one delivery is stuck (no batch barrier) and
// waits on the queue, not a timer, when it is empty.
import { describe, expect, it } from 'vitest';
import { createPump } from '../../shared/drainer/pump.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import type { QueueMessage } from '../../shared/queue/port.js';
import { canWake, withWakeups } from '../../shared/queue/wakeup.js';

const LONG = 60_000; // a wait that would fail the test's timeout if nothing woke it

describe('withWakeups', () => {
  it('wakes a waiter on publish to its queue, not on another queue', async () => {
    const q = withWakeups(createMemoryQueue());
    expect(canWake(q)).toBe(true);
    expect(canWake(createMemoryQueue())).toBe(false);
    const waiting = q.waitForMessages('aws', LONG);
    let done = false;
    void waiting.then(() => (done = true));
    await q.publish('gcp', { n: 1 });
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    await q.publish('aws', { n: 2 });
    expect(await waiting).toBe(true);
    expect((await q.pull('aws', { max: 10, visibilityMs: 1000 })).map((m) => m.body)).toEqual([
      { n: 2 },
    ]);
    await q.close();
  });

  it('keeps a wake-up that came while nobody waited, once', async () => {
    const q = withWakeups(createMemoryQueue());
    await q.publish('aws', { n: 1 });
    expect(await q.waitForMessages('aws', LONG)).toBe(true);
    expect(await q.waitForMessages('aws', 20)).toBe(false);
    await q.close();
  });

  it('wakes on a nack, after its delay', async () => {
    const q = withWakeups(createMemoryQueue());
    await q.publish('aws', { n: 1 });
    await q.waitForMessages('aws', 0);
    const [m] = await q.pull('aws', { max: 1, visibilityMs: LONG });
    const started = Date.now();
    await q.nack('aws', m!.receipt, 150);
    expect(await q.waitForMessages('aws', LONG)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await q.pull('aws', { max: 1, visibilityMs: 1000 })).toHaveLength(1);
    await q.close();
  });

  it('returns false on abort and on close', async () => {
    const q = withWakeups(createMemoryQueue());
    const abort = new AbortController();
    const aborted = q.waitForMessages('aws', LONG, abort.signal);
    abort.abort();
    expect(await aborted).toBe(false);
    const closing = q.waitForMessages('aws', LONG);
    await q.close();
    expect(await closing).toBe(false);
  });
});

const msg = (id: string): QueueMessage => ({
  id,
  body: {},
  attempt: 1,
  receipt: id,
  publishedAt: new Date(0).toISOString(),
});

describe('the drainer pump', () => {
  it('handles later deliveries while an earlier one is stuck, up to maxInFlight', async () => {
    const backlog = ['stuck', 'a', 'b', 'c', 'd'].map(msg);
    const handled: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const pump = createPump({
      pull: async (max) => backlog.splice(0, Math.min(max, 2)),
      handle: async (d) => {
        if (d.id === 'stuck') await stuck;
        handled.push(d.id);
      },
      idle: (ms, signal) =>
        new Promise((r) => {
          const t = setTimeout(r, ms);
          signal.addEventListener('abort', () => (clearTimeout(t), r()));
        }),
      maxInFlight: 3,
      idleWaitMs: LONG,
      onError: () => {},
    });
    pump.start();
    await until(() => handled.length === 4);
    expect(handled).toEqual(['a', 'b', 'c', 'd']);
    release();
    await until(() => handled.length === 5);
    pump.stop();
  });

  it('pulls as soon as the queue wakes it, not after its idle wait', async () => {
    const q = withWakeups(createMemoryQueue());
    const handled: unknown[] = [];
    const pump = createPump({
      pull: (max) => q.pull('aws', { max, visibilityMs: 1000 }),
      handle: async (d) => {
        handled.push(d.body);
        await q.ack('aws', d.receipt);
      },
      idle: (ms, signal) => q.waitForMessages('aws', ms, signal).then(() => {}),
      maxInFlight: 8,
      idleWaitMs: LONG,
      onError: () => {},
    });
    pump.start();
    await new Promise((r) => setTimeout(r, 20)); // it pulled nothing and is waiting
    await q.publish('aws', { n: 1 });
    await until(() => handled.length === 1);
    expect(handled).toEqual([{ n: 1 }]);
    pump.stop();
    await q.close();
  });
});

/** Polls `ok` every 5 ms for at most 5 s. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(ok()).toBe(true);
}
