/**
 * Runs the Queue contract against the memory and SQLite drivers (with a fake clock, and the SQLite
 * one also in real time), then SQLite-only faults: several connections and processes on one file,
 * and a process killed with SIGKILL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import type { Queue } from '../../shared/queue/port.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { createFakeClock, testQueueDriver } from './queue.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `queue-${n++}.db`);

const memoryClock = createFakeClock();
testQueueDriver('memory', () => createMemoryQueue({ clock: memoryClock, maxAttempts: 3 }), {
  clock: memoryClock,
  maxAttempts: 3,
  stats: true,
});

const sqliteClock = createFakeClock();
const paths = new WeakMap<Queue, string>();
testQueueDriver(
  'sqlite',
  () => {
    const path = freshPath();
    const queue = createSqliteQueue({ path, clock: sqliteClock, maxAttempts: 3 });
    paths.set(queue, path);
    return queue;
  },
  {
    clock: sqliteClock,
    maxAttempts: 3,
    stats: true,
    reopen: (closed) => {
      const path = paths.get(closed)!;
      const queue = createSqliteQueue({ path, clock: sqliteClock, maxAttempts: 3 });
      paths.set(queue, path);
      return queue;
    },
  },
);

// The embedded pair: the queue's table in the store's database, on the store's connection.
const pairClock = createFakeClock();
testQueueDriver(
  'sqlite pair',
  () => createSqlitePair({ path: freshPath(), clock: pairClock, maxAttempts: 3 }).queue,
  { clock: pairClock, maxAttempts: 3, stats: true },
);

testQueueDriver('sqlite, real time', () => createSqliteQueue({ path: freshPath() }), {
  visibilityMs: 100,
  stats: true,
});

// The pair as `npm start` opens it: publish, pull, ack, nack and extend on a writer thread with its
// own connection (the system clock only), stats and dead letters read on this one.
testQueueDriver(
  'sqlite pair, writer thread, real time',
  () => createSqlitePair({ path: freshPath(), writer: 'thread' }).queue,
  { visibilityMs: 100, stats: true },
);

/** Runs `code` (an ES module that may import the repository's TypeScript) in a child process. */
async function runChild(code: string): Promise<{ stdout: string; signal: string | null }> {
  const args = ['--import', 'tsx', '--input-type=module', '-e', code];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 15_000 });
    return { stdout, signal: null };
  } catch (e) {
    const err = e as { stdout?: string; signal?: string | null; killed?: boolean };
    if (err.killed) throw new Error('child process timed out', { cause: e });
    return { stdout: err.stdout ?? '', signal: err.signal ?? null };
  }
}

const driverUrl = new URL('../../shared/queue/sqlite.node.ts', import.meta.url).href;

describe('sqlite queue: several connections and processes on one file', () => {
  it('two connections never receive the same message while it is invisible', async () => {
    const path = freshPath();
    const a = createSqliteQueue({ path });
    const b = createSqliteQueue({ path });
    for (let i = 0; i < 20; i++) await a.publish('shared', { i });
    const seen = [];
    for (let round = 0; round < 5; round++) {
      const [fromA, fromB] = await Promise.all([
        a.pull('shared', { max: 3, visibilityMs: 60_000 }),
        b.pull('shared', { max: 3, visibilityMs: 60_000 }),
      ]);
      seen.push(...fromA, ...fromB);
      if (fromA[0]) await b.ack('shared', fromA[0].receipt); // any connection may ack
    }
    expect(new Set(seen.map((m) => m.id)).size).toBe(20);
    expect(await b.pull('shared', { max: 100, visibilityMs: 1 })).toEqual([]);
    await a.close();
    await b.close();
  });

  it('keeps committed publishes and in-flight state when the process is killed', async () => {
    const path = freshPath();
    const t0 = Date.parse('2030-01-01T00:00:00.000Z');
    const child = await runChild(`
      import { createSqliteQueue } from ${JSON.stringify(driverUrl)};
      const q = createSqliteQueue({ path: ${JSON.stringify(path)}, clock: { now: () => ${t0} } });
      for (let i = 0; i < 50; i++) await q.publish('jobs', { i });
      const pulled = await q.pull('jobs', { max: 10, visibilityMs: 1000 });
      await q.ack('jobs', pulled[0].receipt);
      process.kill(process.pid, 'SIGKILL');
    `);
    expect(child.signal).toBe('SIGKILL');
    const clock = createFakeClock(t0);
    const queue = createSqliteQueue({ path, clock });
    const visible = await queue.pull('jobs', { max: 100, visibilityMs: 60_000 });
    expect(visible.map((m) => m.body.i)).toEqual(Array.from({ length: 40 }, (_, i) => i + 10));
    clock.advance(1000);
    const redelivered = await queue.pull('jobs', { max: 100, visibilityMs: 60_000 });
    expect(redelivered.map((m) => [m.body.i, m.attempt])).toEqual(
      Array.from({ length: 9 }, (_, i) => [i + 1, 2]),
    );
    await queue.close();
  });

  it('consumers in three processes share the work: each message delivered once', async () => {
    const path = freshPath();
    const queue = createSqliteQueue({ path });
    for (let i = 0; i < 300; i++) await queue.publish('work', { i });
    // All three start pulling at the same moment, once each process has loaded.
    const startAt = Date.now() + 800;
    const consumer = `
      import { createSqliteQueue } from ${JSON.stringify(driverUrl)};
      const q = createSqliteQueue({ path: ${JSON.stringify(path)} });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ${startAt} - Date.now())));
      const got = [];
      for (let i = 0; i < 1000; i++) {
        const batch = await q.pull('work', { max: 7, visibilityMs: 60_000 });
        if (batch.length === 0) break;
        for (const m of batch) { got.push(m.body.i); await q.ack('work', m.receipt); }
      }
      await q.close();
      console.log(JSON.stringify(got));
    `;
    const outputs = await Promise.all([runChild(consumer), runChild(consumer), runChild(consumer)]);
    const all = outputs.flatMap((o) => JSON.parse(o.stdout) as number[]);
    expect(all.sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await queue.pull('work', { max: 100, visibilityMs: 1 })).toEqual([]);
    await queue.close();
  });
});
