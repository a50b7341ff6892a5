/**
 * A drainer's queue reached through the control plane (`POST /v1/drainer/lease`, `/settle`), for a
 * drainer that cannot reach the queue itself. It is a `WakingQueue`: the pump's idle wait is a
 * lease that long-polls the control plane (up to `LEASE_MAX_WAIT_MS`), and the messages it brings
 * back are handed out by the next `pull`, so a publish reaches an idle remote drainer in one round
 * trip instead of at its next poll. Drainers only consume: `publish` and `deadLetters` refuse.
 */
import { AppError } from '../base/errors.js';
import type { PullOptions, QueueMessage } from '../queue/port.js';
import type { WakingQueue } from '../queue/wakeup.js';
import { LEASE_MAX_WAIT_MS, type LeaseAnswer } from './lease.js';

export interface HttpQueueOptions {
  baseUrl: string;
  token: string;
  /** Visibility of messages leased by a long-poll (the pump's pulls say their own). */
  visibilityMs: number;
  /** Messages a long-poll may lease at once (default 32). */
  max?: number;
  fetch?: typeof fetch;
}

/** A sleep that ends early when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function createHttpQueue(o: HttpQueueOptions): WakingQueue {
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');
  /** Messages a long-poll leased, per queue, not yet handed out by `pull`. */
  const leased = new Map<string, QueueMessage[]>();
  const closing = new AbortController();

  async function post<T>(path: string, body: unknown, timeoutMs: number, signal?: AbortSignal) {
    const signals = [closing.signal, AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    const res = await doFetch(`${base}/v1/drainer/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
    }).catch((e: unknown) => {
      throw new AppError('UNAVAILABLE', `cannot reach the control plane at ${base}: ${String(e)}`);
    });
    const text = await res.text();
    if (!res.ok) {
      const code = res.status >= 500 || res.status === 429 ? 'UNAVAILABLE' : 'BAD_REQUEST';
      throw new AppError(
        code,
        `control plane answered ${res.status} to ${path}: ${text.slice(0, 300)}`,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  const lease = (
    queue: string,
    max: number,
    visibilityMs: number,
    waitMs: number,
    signal?: AbortSignal,
  ) => post<LeaseAnswer>('lease', { queue, max, visibilityMs, waitMs }, waitMs + 10_000, signal);
  const settle = (body: Record<string, unknown>) => post<unknown>('settle', body, 10_000);

  return {
    driver: 'control-plane',
    publish: () => Promise.reject(new AppError('BAD_REQUEST', 'a leased queue cannot publish')),
    async pull(queue: string, options: PullOptions) {
      const held = leased.get(queue);
      if (held?.length) {
        return held.splice(0, options.max);
      }
      return (await lease(queue, Math.min(32, options.max), options.visibilityMs, 0)).messages;
    },
    ack: async (queue, receipt) => void (await settle({ queue, receipt, action: 'ack' })),
    nack: async (queue, receipt, delayMs = 0) =>
      void (await settle({ queue, receipt, action: 'nack', delayMs })),
    extend: async (queue, receipt, visibilityMs) =>
      void (await settle({ queue, receipt, action: 'extend', visibilityMs })),
    deadLetters: () =>
      Promise.reject(new AppError('BAD_REQUEST', 'read dead letters on the control plane')),
    async close() {
      closing.abort();
      // Leased but never handed out: give them back at once rather than at their visibility.
      const held = [...leased].flatMap(([queue, ms]) => ms.map((m) => ({ queue, m })));
      leased.clear();
      await Promise.allSettled(
        held.map(({ queue, m }) =>
          doFetch(`${base}/v1/drainer/settle`, {
            method: 'POST',
            headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ queue, receipt: m.receipt, action: 'nack', delayMs: 0 }),
          }),
        ),
      );
    },
    notify: () => {},
    async waitForMessages(queue, timeoutMs, signal) {
      if (leased.get(queue)?.length) return true;
      const waitMs = Math.max(0, Math.min(LEASE_MAX_WAIT_MS, Math.round(timeoutMs)));
      const t0 = performance.now();
      try {
        const { messages } = await lease(queue, o.max ?? 32, o.visibilityMs, waitMs, signal);
        if (messages.length === 0) {
          // A control plane that cannot wait (the Worker) answers at once: sleep instead of
          // spinning, at most a second, so such a drainer polls about once a second.
          const short = Math.min(1_000, waitMs - (performance.now() - t0));
          if (short > 20 && !signal?.aborted) await pause(short, signal);
          return false;
        }
        leased.set(queue, [...(leased.get(queue) ?? []), ...messages]);
        return true;
      } catch {
        // The pump's idle wait must not throw: back off a little, then its next pull reports.
        if (!signal?.aborted && !closing.signal.aborted)
          await pause(Math.min(waitMs, 1_000), signal);
        return false;
      }
    },
  };
}
