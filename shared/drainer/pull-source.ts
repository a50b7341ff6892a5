/**
 * How the drainer's pump pulls its queue and waits when it is empty, by what the queue can do:
 * - woken in-process (`wakeup.ts`, the embedded server): pull at once, then wait for a wake-up
 *   (bounded by `idleWaitMs`, for messages made visible by other means);
 * - held open on its server (`waiting-pull.ts`, Pub/Sub from another process): each pull waits on
 *   the server up to `HELD_PULL_MS` for a message, so nothing waits between pulls; should a
 *   server answer an empty pull early, the rest of `pollMs` is slept out instead of spinning;
 * - neither: pull at once and sleep `pollMs` between empty pulls.
 */
import type { Queue, QueueMessage } from '../queue/port.js';
import { canWake } from '../queue/wakeup.js';
import { canWaitPull } from '../queue/waiting-pull.js';
import { sleep, type PumpOptions } from './pump.js';

/** Longest a held pull stays open; Pub/Sub itself answers an idle pull sooner. */
export const HELD_PULL_MS = 10_000;

export interface PullSourceOptions {
  queue: Queue;
  queueName: string;
  visibilityMs: number;
  /** Wait between empty pulls when nothing else can tell the drainer a message came. */
  pollMs: number;
  /** Longest wait for a wake-up before pulling anyway (woken queues; default 1000 ms). */
  idleWaitMs?: number;
  /** Monotonic time in ms (default `performance.now`). */
  now?: () => number;
}

/** The pump's `pull`, `idle` and `idleWaitMs` for `o.queue`. */
export function pullSource(
  o: PullSourceOptions,
): Pick<PumpOptions, 'pull' | 'idle' | 'idleWaitMs'> {
  const { queue, queueName: name, visibilityMs } = o;
  if (canWake(queue)) {
    return {
      pull: (max) => queue.pull(name, { max, visibilityMs }),
      idle: (ms, signal) => queue.waitForMessages(name, ms, signal).then(() => {}),
      idleWaitMs: o.idleWaitMs ?? 1_000,
    };
  }
  if (canWaitPull(queue)) {
    const now = o.now ?? (() => performance.now());
    let startedAt = 0;
    return {
      pull: (max, signal) => {
        startedAt = now();
        return queue.pullWaiting(name, { max, visibilityMs, waitMs: HELD_PULL_MS, signal });
      },
      idle: (_ms, signal) => sleep(Math.max(0, o.pollMs - (now() - startedAt)), signal),
      idleWaitMs: o.pollMs,
    };
  }
  return {
    pull: (max): Promise<QueueMessage[]> => queue.pull(name, { max, visibilityMs }),
    idle: (_ms, signal) => sleep(o.pollMs, signal),
    idleWaitMs: o.pollMs,
  };
}
