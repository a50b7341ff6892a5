/**
 * The drainer's pipelined pull loop. The fixed poll pulled 10 messages, waited for the slowest of
 * them (one cluster's rate limit held up the other nine), then slept 250 ms when the queue was
 * empty, which set submit → Job created at ~125 ms on average. Here up to `maxInFlight` messages
 * are handled at once, a pull is made as soon as there is room, and an empty queue is waited on
 * through `idle` (a queue wake-up in-process, a short sleep otherwise), so a message published
 * while the drainer waits is pulled at once; a queue in another process is pulled with a pull held
 * open on its server where the driver can (`pull-source.ts`). Stopping aborts the wait and a held
 * pull; handling in flight finishes.
 */
import type { QueueMessage } from '../queue/port.js';

export interface PumpOptions {
  /** Pulls up to `max`; a waiting pull (`pull-source.ts`) ends when `signal` aborts. */
  pull(max: number, signal: AbortSignal): Promise<QueueMessage[]>;
  /** Handles one delivery (ack/nack included); must not reject. */
  handle(delivery: QueueMessage): Promise<void>;
  /** Waits for work: resolves on a wake-up, after `ms`, or when `signal` aborts. */
  idle(ms: number, signal: AbortSignal): Promise<void>;
  maxInFlight: number;
  idleWaitMs: number;
  onError(error: unknown): void;
}

/** A sleep that ends early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when `signal` aborts. */
function abortedOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Pulls at most 32 at a time: each pull is a commit of its own (an fsync with the SQLite queue), so
 * a backlog drains with a third of the pulls of the queue ports' usual 10; a Pub/Sub pull caps it.
 */
const PULL_BATCH = 32;

export function createPump(o: PumpOptions) {
  let abort: AbortController | undefined;
  let running: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();

  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const room = o.maxInFlight - inFlight.size;
      if (room <= 0) {
        await Promise.race([...inFlight, abortedOf(signal)]);
        continue;
      }
      let batch: QueueMessage[];
      try {
        batch = await o.pull(Math.min(PULL_BATCH, room), signal);
      } catch (e) {
        o.onError(e);
        await sleep(o.idleWaitMs, signal);
        continue;
      }
      for (const delivery of batch) {
        const p: Promise<void> = o.handle(delivery).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (batch.length === 0 && !signal.aborted) await o.idle(o.idleWaitMs, signal);
    }
  }

  return {
    start(): void {
      if (abort) return;
      abort = new AbortController();
      running = run(abort.signal).catch((e: unknown) => o.onError(e));
    },
    /** Stops pulling (a pending pull is cancelled); resolves once the loop has left. */
    stop(): Promise<void> {
      abort?.abort();
      abort = undefined;
      return running;
    },
    /** Deliveries being handled now. */
    inFlight: () => inFlight.size,
  };
}
