/**
 * Wake-ups for consumers that share a process with the queue's publishers (the embedded server):
 * `withWakeups(queue)` returns the same queue, plus `waitForMessages`, which resolves as soon as a
 * message is published to (or nacked back onto) that queue name, or after `timeoutMs`, or when the
 * signal aborts. A drainer then reacts to a submission in microseconds instead of its next poll.
 * Wake-ups are hints, never the delivery itself: the consumer still pulls, so a missed or spurious
 * wake-up costs one pull, and messages made visible by other means (a visibility timeout running
 * out, another process publishing to the same file) are found by the bounded wait's fallback pull.
 * Edge-safe: timers only.
 */
import type { JobPublish } from './job-publish.js';
import type { Queue } from './port.js';

export interface WakingQueue extends Queue {
  /**
   * Resolves `true` when `queue` may have a visible message (published or nacked since the call,
   * or a wake-up left pending since the last wait), `false` after `timeoutMs` or on abort.
   */
  waitForMessages(queue: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Wakes the consumers of `queue`, for messages published by other means (`JobPublish`). */
  notify(queue: string): void;
}

interface Waiter {
  wake: (woken: boolean) => void;
}

/** Wraps `inner`; every call is passed through unchanged. */
export function withWakeups(inner: Queue): WakingQueue {
  const waiters = new Map<string, Set<Waiter>>();
  /** Queue names with a wake-up nobody was waiting for: the next wait returns at once. */
  const pending = new Set<string>();
  const delayed = new Set<ReturnType<typeof setTimeout>>();

  const wake = (queue: string): void => {
    const set = waiters.get(queue);
    if (!set || set.size === 0) {
      pending.add(queue);
      return;
    }
    waiters.delete(queue);
    for (const w of set) w.wake(true);
  };

  const wakeLater = (queue: string, delayMs: number): void => {
    if (delayMs <= 0) return wake(queue);
    const timer = setTimeout(() => {
      delayed.delete(timer);
      wake(queue);
    }, delayMs);
    delayed.add(timer);
  };

  return {
    ...inner,
    driver: inner.driver,
    publish: async (queue, body) => {
      const id = await inner.publish(queue, body);
      wake(queue);
      return id;
    },
    pull: (queue, options) => inner.pull(queue, options),
    ack: (queue, receipt) => inner.ack(queue, receipt),
    nack: async (queue, receipt, delayMs = 0) => {
      await inner.nack(queue, receipt, delayMs);
      wakeLater(queue, delayMs);
    },
    extend: (queue, receipt, ms) => inner.extend(queue, receipt, ms),
    deadLetters: (queue, limit) => inner.deadLetters(queue, limit),
    close: async () => {
      delayed.forEach(clearTimeout);
      delayed.clear();
      for (const set of waiters.values()) for (const w of set) w.wake(false);
      waiters.clear();
      await inner.close();
    },
    notify: wake,
    waitForMessages(queue, timeoutMs, signal) {
      if (pending.delete(queue)) return Promise.resolve(true);
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        let set = waiters.get(queue);
        if (!set) waiters.set(queue, (set = new Set()));
        const waiter: Waiter = {
          wake: (woken) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            waiters.get(queue)?.delete(waiter);
            resolve(woken);
          },
        };
        const onAbort = () => waiter.wake(false);
        const timer = setTimeout(() => waiter.wake(false), Math.max(0, timeoutMs));
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(waiter);
      });
    },
  };
}

/** Whether `queue` can wake its consumers (it was wrapped by `withWakeups`). */
export function canWake(queue: Queue): queue is WakingQueue {
  return typeof (queue as Partial<WakingQueue>).waitForMessages === 'function';
}

/** `jobPublish` that also wakes the consumers of the queue each committed message went to. */
export function wakeAfterJobPublish(jobPublish: JobPublish, queue: WakingQueue): JobPublish {
  return {
    async createAndPublish(job, changes, outbox, message) {
      const id = await jobPublish.createAndPublish(job, changes, outbox, message);
      queue.notify(message.queue);
      return id;
    },
  };
}
