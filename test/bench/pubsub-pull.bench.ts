/**
 * Idle latency of a drainer pulling Pub/Sub from its own process (figures, no assertions):
 * `npm run bench:pubsub-pull`. Against the Pub/Sub emulator (started on a free port, stopped at
 * the end), the drainer's pump with its pull source, one mode after the other in the same run:
 * - **poll** (the baseline, the old loop): the same queue without its held pull, so the pump pulls
 *   with `returnImmediately: true` and sleeps 250 ms after an empty pull;
 * - **held**: pulls held open on the server (`shared/queue/waiting-pull.ts`).
 * For each: BENCH_MESSAGES messages published one at a time into an idle queue, 300–800 ms apart,
 * publish → handled latency (p50/p95/max), pull calls per second while idle, and how long
 * `stop()` takes with a pull pending. Prints held/poll ratios.
 */
import { performance } from 'node:perf_hooks';
import { startPubSubEmulator } from '../../infra/emulators/pubsub.js';
import { createPump } from '../../shared/drainer/pump.js';
import { pullSource } from '../../shared/drainer/pull-source.js';
import type { Queue } from '../../shared/queue/port.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Figures {
  p50: number;
  p95: number;
  max: number;
  idleCallsPerSecond: number;
  stopMs: number;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function run(queue: Queue, mode: 'poll' | 'held'): Promise<Figures> {
  let calls = 0;
  const source: Queue = {
    ...queue,
    pull: (name, o) => (calls++, queue.pull(name, o)),
  };
  if (mode === 'held') {
    const held = queue as Queue & { pullWaiting: (...a: never[]) => unknown };
    Object.assign(source, {
      pullWaiting: (...a: never[]) => (calls++, held.pullWaiting(...a)),
    });
  } else delete (source as Partial<{ pullWaiting: unknown }>).pullWaiting;
  const name = `bench-${mode}`;
  await queue.pull(name, { max: 1, visibilityMs: 10_000 }); // creates the resources
  let handled: (() => void) | undefined;
  const pump = createPump({
    ...pullSource({ queue: source, queueName: name, visibilityMs: 10_000, pollMs: 250 }),
    handle: async (d) => {
      handled?.();
      await queue.ack(name, d.receipt);
    },
    maxInFlight: 8,
    onError: (e) => console.error(e),
  });
  pump.start();
  await sleep(500);
  const idleFrom = performance.now();
  const before = calls;
  await sleep(2_000);
  const idleCallsPerSecond = (calls - before) / ((performance.now() - idleFrom) / 1000);
  const latencies: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    await sleep(300 + Math.random() * 500);
    const got = new Promise<void>((resolve) => (handled = resolve));
    const t = performance.now();
    await queue.publish(name, { i });
    await got;
    latencies.push(performance.now() - t);
  }
  await sleep(100); // a pull is pending
  const s = performance.now();
  await pump.stop();
  const stopMs = performance.now() - s;
  return {
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    max: Math.max(...latencies),
    idleCallsPerSecond,
    stopMs,
  };
}

const emulator = await startPubSubEmulator();
const queue = createPubSubQueue({
  projectId: 'switchyard-bench',
  prefix: `bench${Math.random().toString(36).slice(2, 8)}`,
  autoCreate: true,
  apiEndpoint: emulator.host,
});
try {
  const poll = await run(queue, 'poll');
  const held = await run(queue, 'held');
  const f = (n: number) => n.toFixed(1);
  console.log(`publish → handled, ${MESSAGES} messages into an idle queue (ms):`);
  console.log('mode   p50     p95     max     idle pulls/s  stop (ms)');
  for (const [mode, x] of [
    ['poll', poll],
    ['held', held],
  ] as const) {
    console.log(
      `${mode.padEnd(6)} ${f(x.p50).padEnd(7)} ${f(x.p95).padEnd(7)} ${f(x.max).padEnd(7)} ${f(x.idleCallsPerSecond).padEnd(13)} ${f(x.stopMs)}`,
    );
  }
  const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `held/poll: p50 ${r(held.p50, poll.p50)}, p95 ${r(held.p95, poll.p95)}, idle pulls/s ${r(held.idleCallsPerSecond, poll.idleCallsPerSecond)}`,
  );
} finally {
  await queue.close();
  await emulator.stop();
}
