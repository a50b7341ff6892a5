// A drainer pulling Pub/Sub from its own process (no in-process wake-ups) waits on the server:
// against the emulator, its pump with the drainer's pull source makes at most two pull calls a
// second while idle (the old loop, pull at once then sleep 250 ms, made about four), a message
// published while it idles comes back from a pull that was already waiting when it was published
// (not from one a timer started afterwards), and stop() resolves with no pull left pending.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPump } from '../../shared/drainer/pump.js';
import { pullSource } from '../../shared/drainer/pull-source.js';
import type { Queue, QueueMessage } from '../../shared/queue/port.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { canWaitPull, type WaitingPullOptions } from '../../shared/queue/waiting-pull.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const host = inject('pubsubHost');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Call {
  start: number;
  end?: number;
  got?: QueueMessage[];
}

/** The queue with every pull call (held or not) recorded. */
function counted(queue: Queue) {
  const calls: Call[] = [];
  const record = async (run: () => Promise<QueueMessage[]>) => {
    const call: Call = { start: performance.now() };
    calls.push(call);
    try {
      return (call.got = await run());
    } finally {
      call.end = performance.now();
    }
  };
  if (!canWaitPull(queue)) throw new Error('the gRPC Pub/Sub queue should hold pulls');
  const wrapped = {
    ...queue,
    pull: (name: string, o: { max: number; visibilityMs: number }) =>
      record(() => queue.pull(name, o)),
    pullWaiting: (name: string, o: WaitingPullOptions) => record(() => queue.pullWaiting(name, o)),
  };
  return { queue: wrapped as Queue, calls };
}

describe.skipIf(!host)('a drainer pulling Pub/Sub from its own process', () => {
  const queue = createPubSubQueue({
    projectId: 'switchyard-test',
    prefix: `sy${Math.random().toString(36).slice(2, 10)}`,
    autoCreate: true,
    apiEndpoint: host,
  });
  afterAll(() => queue.close());

  it('waits on the server while idle, gets a message from a pull already waiting, and stops', async () => {
    await queue.pull('aws', { max: 1, visibilityMs: 10_000 }); // the topic and subscription
    const { queue: q, calls } = counted(queue);
    const received: Array<{ at: number; body: unknown }> = [];
    const pump = createPump({
      ...pullSource({ queue: q, queueName: 'aws', visibilityMs: 10_000, pollMs: 250 }),
      handle: async (d) => {
        received.push({ at: performance.now(), body: d.body });
        await queue.ack('aws', d.receipt);
      },
      maxInFlight: 8,
      onError: () => {},
    });
    const t0 = performance.now();
    pump.start();
    await sleep(1_800);
    // Idle between 300 ms and 1.8 s: a held pull answers after the server's hold (~0.5 s here).
    const idle = calls.filter((c) => c.start >= t0 + 300 && c.start < t0 + 1_800);
    expect(idle.length).toBeLessThanOrEqual(3);
    expect(calls.every((c) => c.got === undefined || c.got.length === 0)).toBe(true);

    const publishedAt = performance.now();
    await queue.publish('aws', { n: 1 });
    for (let i = 0; i < 500 && received.length === 0; i++) await sleep(5);
    expect(received.map((r) => r.body)).toEqual([{ n: 1 }]);
    const answering = calls.find((c) => (c.got?.length ?? 0) > 0)!;
    expect(answering.start).toBeLessThan(publishedAt); // waiting when the message came
    expect(calls.filter((c) => c.start > publishedAt && c.start < answering.end!)).toEqual([]);

    await pump.stop(); // a held pull is pending: cancelled, and nothing is left waiting
    expect(calls.every((c) => c.end !== undefined)).toBe(true);
    const after = calls.length;
    await sleep(100);
    expect(calls.length).toBe(after);
  });
});
