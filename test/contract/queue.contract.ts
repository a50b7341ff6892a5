/**
 * The Queue contract: one suite every driver must pass (memory, SQLite, Pub/Sub, …). With
 * `opts.clock` (a fake clock the driver was built with) time is advanced instantly; without it the
 * suite sleeps real time with a short visibility timeout, every wait bounded.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../shared/base/clock.js';
import type { Queue, QueueMessage } from '../../shared/queue/port.js';

export interface FakeClock extends Clock {
  advance(ms: number): void;
}

/** A clock that only moves when told to. */
export function createFakeClock(start = Date.parse('2030-01-01T00:00:00.000Z')): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface QueueDriverOptions {
  /** The fake clock the driver was built with; without one the suite waits in real time. */
  clock?: FakeClock;
  /** The `maxAttempts` the driver was built with; default 5. */
  maxAttempts?: number;
  /** Visibility timeout for real-time runs (no clock); default 200 ms. */
  visibilityMs?: number;
  /** Whether the driver delivers oldest first; default true. */
  ordered?: boolean;
  /** Reopens a closed driver on the same durable data; enables the durability test. */
  reopen?: (closed: Queue) => Promise<Queue> | Queue;
  /** Runs once after the suite. */
  cleanup?: () => Promise<void>;
  /** Whether the driver counts depth, oldest message and dead letters (`Queue.stats`). */
  stats?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the Queue contract against one driver. */
export function testQueueDriver(
  name: string,
  make: () => Promise<Queue> | Queue,
  opts: QueueDriverOptions = {},
): void {
  const clock = opts.clock;
  const maxAttempts = opts.maxAttempts ?? 5;
  /** The visibility timeout the tests use; with a fake clock any size costs nothing. */
  const V = clock ? 30_000 : (opts.visibilityMs ?? 200);
  /** Lets `ms` pass; real waits get a little slack so timers never race the driver's clock. */
  const pass = async (ms: number) => (clock ? clock.advance(ms) : sleep(ms + 25));

  describe(`Queue contract: ${name}`, () => {
    let queue: Queue;
    let qn: string;
    const opened: Queue[] = [];
    const pull = (max = 10, name = qn) => queue.pull(name, { max, visibilityMs: V });
    /** Pulls until `want` messages arrived (drivers may deliver in parts); bounded. */
    const pullN = async (want: number, name = qn): Promise<QueueMessage[]> => {
      const got: QueueMessage[] = [];
      const deadline = Date.now() + (clock ? 0 : 5_000);
      for (let i = 0; got.length < want && (i < want + 3 || Date.now() < deadline); i++) {
        got.push(
          ...(await queue.pull(name, { max: Math.min(100, want - got.length), visibilityMs: V })),
        );
      }
      return got;
    };
    const publishAll = async (n: number, name = qn) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await queue.publish(name, { i }));
      return ids;
    };

    beforeEach(async () => {
      queue = await make();
      opened.push(queue);
      qn = `q-${Math.random().toString(36).slice(2, 10)}`;
    });
    afterEach(async () => {
      for (const q of opened.splice(0)) await q.close();
    });
    afterAll(async () => {
      await opts.cleanup?.();
    });

    it('delivers a published message once, and ack removes it', async () => {
      const body = { jobId: 'j1', nested: { list: [1, 'two', null], ok: true }, text: 'ünï 🚀' };
      const id = await queue.publish(qn, body);
      const [m, ...rest] = await pullN(1);
      expect(rest).toEqual([]);
      expect(m).toMatchObject({ id, body, attempt: 1 });
      expect(m!.receipt).not.toBe('');
      expect(new Date(m!.publishedAt).toISOString()).toBe(m!.publishedAt);
      await queue.ack(qn, m!.receipt);
      await pass(V);
      expect(await pull()).toEqual([]);
    });

    it('returns [] at once from an empty queue', async () => {
      expect(await pull()).toEqual([]);
    });

    it('hides a pulled message, then redelivers it after the visibility timeout', async () => {
      await queue.publish(qn, { n: 1 });
      const [first] = await pullN(1);
      expect(await pull()).toEqual([]);
      await pass(V);
      const [second] = await pullN(1);
      expect(second).toMatchObject({ id: first!.id, attempt: 2 });
      expect(second!.receipt).not.toBe(first!.receipt);
    });

    it('treats ack, nack and extend with a stale receipt as no-ops', async () => {
      await queue.publish(qn, { n: 1 });
      const [first] = await pullN(1);
      await pass(V);
      const [second] = await pullN(1);
      await queue.ack(qn, first!.receipt);
      await queue.nack(qn, first!.receipt);
      await queue.extend(qn, first!.receipt, 10 * V);
      await queue.ack(qn, 'no-such-receipt');
      expect(await pull()).toEqual([]);
      await pass(V);
      const [third] = await pullN(1);
      expect(third).toMatchObject({ id: first!.id, attempt: 3 });
      await queue.ack(qn, second!.receipt);
      await queue.ack(qn, third!.receipt);
      await pass(V);
      expect(await pull()).toEqual([]);
    });

    it('nack makes a message visible again, at once or after a delay', async () => {
      await queue.publish(qn, { n: 1 });
      const [first] = await pullN(1);
      await queue.nack(qn, first!.receipt);
      const [second] = await pullN(1);
      expect(second).toMatchObject({ id: first!.id, attempt: 2 });
      await queue.nack(qn, second!.receipt, V);
      await queue.ack(qn, second!.receipt); // stale after the nack
      expect(await pull()).toEqual([]);
      await pass(V);
      expect(await pullN(1)).toMatchObject([{ id: first!.id, attempt: 3 }]);
    });

    it('extend keeps a message invisible past its original timeout', async () => {
      await queue.publish(qn, { n: 1 });
      const [m] = await pullN(1);
      await pass(V / 2);
      await queue.extend(qn, m!.receipt, 2 * V);
      await pass(V);
      expect(await pull()).toEqual([]);
      await pass(V + V / 2);
      expect(await pullN(1)).toMatchObject([{ id: m!.id, attempt: 2 }]);
    });

    it(`dead-letters a message after ${maxAttempts} deliveries, without blocking others`, async () => {
      const id = await queue.publish(qn, { poison: true });
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const [m] = await pullN(1);
        expect(m).toMatchObject({ id, attempt });
        await queue.nack(qn, m!.receipt);
      }
      const next = await queue.publish(qn, { fine: true });
      expect(await pullN(1)).toMatchObject([{ id: next, attempt: 1 }]);
      const dead = await queue.deadLetters(qn, 10);
      expect(dead).toMatchObject([{ id, body: { poison: true }, attempt: maxAttempts }]);
      await pass(V);
      expect((await pull()).map((m) => m.id)).toEqual([next]);
    });

    it(`has stats exactly when the driver says so (${opts.stats ?? false})`, () => {
      expect(typeof queue.stats === 'function').toBe(opts.stats ?? false);
    });

    it.runIf(opts.stats ?? false)(
      'counts depth, the oldest live message and dead letters',
      async () => {
        expect(await queue.stats!(qn)).toEqual({ depth: 0, deadLetters: 0 });
        const first = await queue.publish(qn, { n: 1 });
        await pass(10);
        await queue.publish(qn, { n: 2 });
        const [m] = await pullN(1);
        expect(m!.id).toBe(first);
        // A delivered, unacknowledged message is still live: it counts, and is still the oldest.
        expect(await queue.stats!(qn)).toEqual({
          depth: 2,
          deadLetters: 0,
          oldestPublishedAt: m!.publishedAt,
        });
        await queue.ack(qn, m!.receipt);
        const after = await queue.stats!(qn);
        expect(after.depth).toBe(1);
        expect(Date.parse(after.oldestPublishedAt!)).toBeGreaterThan(Date.parse(m!.publishedAt));
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          const [again] = await pullN(1);
          await queue.nack(qn, again!.receipt);
        }
        await pull(); // the pull that finds it past maxAttempts dead-letters it
        expect(await queue.stats!(qn)).toEqual({ depth: 0, deadLetters: 1 });
        expect(await queue.stats!(`${qn}-other`)).toEqual({ depth: 0, deadLetters: 0 });
      },
    );

    it.runIf(opts.ordered ?? true)('delivers oldest first', async () => {
      const ids = await publishAll(5);
      expect((await pull(2)).map((m) => m.id)).toEqual(ids.slice(0, 2));
      expect((await pull(10)).map((m) => m.id)).toEqual(ids.slice(2));
    });

    it('keeps queues isolated by name', async () => {
      const other = `${qn}-other`;
      const a = await queue.publish(qn, { q: 'a' });
      const b = await queue.publish(other, { q: 'b' });
      const [ma] = await pullN(1);
      expect(ma!.id).toBe(a);
      expect(await pull()).toEqual([]);
      const [mb] = await pullN(1, other);
      expect(mb!.id).toBe(b);
      await queue.ack(other, ma!.receipt); // wrong queue: no-op
      await pass(V);
      expect(await pullN(1)).toMatchObject([{ id: a, attempt: 2 }]);
      expect(await queue.deadLetters(other, 10)).toEqual([]);
    });

    it('delivers many messages exactly once each, and concurrent pulls never overlap', async () => {
      const ids = await publishAll(250);
      const batches = await Promise.all([pull(100), pull(100), pull(100)]);
      const got = batches.flat();
      got.push(...(await pullN(250 - got.length)));
      expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
      expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
      for (const m of got) await queue.ack(qn, m.receipt);
      await pass(V);
      expect(await pull()).toEqual([]);
    });

    it('refuses pull options outside the port ranges', async () => {
      for (const max of [0, 101, 1.5]) {
        await expect(queue.pull(qn, { max, visibilityMs: V })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
        });
      }
    });

    it.runIf(opts.reopen !== undefined)(
      'keeps messages and their state across a reopen',
      async () => {
        const [a, b, c] = await publishAll(3);
        const [ma] = await pullN(1);
        const [mb] = await pullN(1);
        await queue.ack(qn, mb!.receipt);
        expect([ma!.id, mb!.id]).toEqual([a, b]);
        await queue.close();
        queue = await opts.reopen!(queue);
        opened.push(queue);
        expect(await pullN(1)).toMatchObject([{ id: c, attempt: 1 }]);
        await pass(V);
        const again = await pullN(2);
        expect(again.map((m) => [m.id, m.attempt]).sort()).toEqual(
          [
            [a, 2],
            [c, 2],
          ].sort(),
        );
        await queue.ack(qn, ma!.receipt); // stale: redelivered since
        expect(await pull()).toEqual([]);
      },
    );
  });
}
