/**
 * Client-side rate limiting for one cluster's API server. `@kubernetes/client-node` has none
 * (client-go defaults to 5 QPS, burst 10), so every request of the Kubernetes driver passes through
 * a token bucket, and a 429's `Retry-After` pauses the whole bucket so one throttled request does
 * not turn into a storm of others. Edge-safe: no Node APIs; clock and sleep are injectable.
 */
import type { Clock } from '../../base/clock.js';
import { systemClock } from '../../base/clock.js';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RateLimiterOptions {
  /** Sustained requests per second (default 20). */
  qps?: number;
  /** Requests allowed at once after idling (default 40). */
  burst?: number;
  clock?: Clock;
  sleep?: Sleep;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request. Callers are served in arrival order. */
  acquire(): Promise<void>;
  /**
   * Like `acquire`, for work that may wait (periodic log reads): takes a token only while the
   * bucket holds more than half its burst, so it never makes an `acquire` caller wait, and waits
   * while other work keeps the bucket lower. Its waits are not counted in `waitedMs`.
   */
  acquireSpare(): Promise<void>;
  /** Holds every acquisition until `ms` from now (e.g. after a 429 with `Retry-After`). */
  pause(ms: number): void;
  /** Milliseconds the next acquisition would wait, without taking a token. */
  delayMs(): number;
  /** Milliseconds all acquisitions so far have waited, in total (`/metrics`). */
  waitedMs(): number;
}

/**
 * Monotonic time for a client's request budget: a wall clock may be held still (a test's) or
 * stepped (a host's), and a bucket that never sees time pass never refills.
 */
export const monotonicClock: Clock = { now: () => performance.now() };

export const DEFAULT_QPS = 20;
export const DEFAULT_BURST = 40;

/**
 * A token bucket that hands out reservations: a caller takes a token even when the bucket is
 * empty (it goes negative) and sleeps until that token would have been refilled. This keeps
 * arrival order without a queue and is exact under a fake clock.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const qps = options.qps ?? DEFAULT_QPS;
  const burst = options.burst ?? DEFAULT_BURST;
  if (!(qps > 0) || !(burst >= 1)) {
    throw new RangeError(`rate limit needs qps > 0 and burst >= 1, got qps=${qps} burst=${burst}`);
  }
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  let tokens = burst;
  let last = clock.now();
  let pausedUntil = 0;
  let waited = 0;

  function refill(now: number): void {
    // Refill only from when the pause ends: a paused bucket does not save up tokens.
    const from = Math.max(last, Math.min(now, pausedUntil));
    if (now > from) tokens = Math.min(burst, tokens + ((now - from) * qps) / 1000);
    last = Math.max(last, now);
  }

  function waitFor(now: number, tokensAfter: number): number {
    const pauseWait = Math.max(0, pausedUntil - now);
    const tokenWait = tokensAfter >= 0 ? 0 : (-tokensAfter * 1000) / qps;
    return Math.ceil(pauseWait + tokenWait);
  }

  return {
    async acquire() {
      const now = clock.now();
      refill(now);
      tokens -= 1;
      const wait = waitFor(now, tokens);
      waited += wait;
      if (wait > 0) await sleep(wait);
    },
    async acquireSpare() {
      const reserve = Math.floor(burst / 2);
      for (;;) {
        const now = clock.now();
        refill(now);
        const pauseWait = Math.max(0, pausedUntil - now);
        if (pauseWait === 0 && tokens - 1 >= reserve) {
          tokens -= 1;
          return;
        }
        const refillWait = Math.ceil(((reserve + 1 - tokens) * 1000) / qps);
        await sleep(Math.max(1, pauseWait, refillWait));
      }
    },
    waitedMs: () => waited,
    pause(ms) {
      const now = clock.now();
      refill(now);
      pausedUntil = Math.max(pausedUntil, now + Math.max(0, ms));
    },
    delayMs() {
      const now = clock.now();
      refill(now);
      return waitFor(now, tokens - 1);
    },
  };
}

export interface ThrottleRetryOptions {
  /** Total tries including the first (default 3). */
  maxTries?: number;
  /** A longer advised delay is not waited for: the error is thrown at once (default 10 s). */
  maxWaitMs?: number;
  /** Delay when the server gave no `Retry-After` (default 1 s). */
  defaultWaitMs?: number;
  /** Take the limiter's spare capacity only (`acquireSpare`): work that may wait. */
  spare?: boolean;
}

/**
 * Runs `send` through the limiter. `retryAfterMs(error)` returns `null`/`undefined` for errors
 * that are not throttles, else the advised delay in ms (`0` when the server gave none). A throttle
 * pauses the limiter for that delay and `send` is tried again, up to the budget; any other error,
 * the last throttle, or one advising a delay beyond `maxWaitMs` is rethrown unchanged.
 */
export async function withRateLimit<T>(
  limiter: RateLimiter,
  send: () => Promise<T>,
  retryAfterMs: (error: unknown) => number | null | undefined,
  options: ThrottleRetryOptions = {},
): Promise<T> {
  const maxTries = options.maxTries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const defaultWaitMs = options.defaultWaitMs ?? 1_000;
  for (let attempt = 1; ; attempt++) {
    await (options.spare ? limiter.acquireSpare() : limiter.acquire());
    try {
      return await send();
    } catch (error) {
      const advised = retryAfterMs(error);
      if (advised === undefined || advised === null) throw error;
      const wait = advised > 0 ? advised : defaultWaitMs;
      if (attempt >= maxTries || wait > maxWaitMs) throw error;
      limiter.pause(wait);
    }
  }
}
