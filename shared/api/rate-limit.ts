/**
 * Per-credential rate limits (OWASP API4): one token bucket per API token (or per inbound hook),
 * so a noisy caller gets 429 with `Retry-After` and nobody else notices. Buckets live in this
 * instance's memory: with N instances behind a balancer a caller may get up to N times the rate,
 * which is fine for shedding abuse; a hard global quota would need the store.
 */
import type { Clock } from '../base/clock.js';
import { AppError } from '../base/errors.js';

export interface RateLimitOptions {
  /** Steady rate a credential may sustain. */
  perSecond: number;
  /** Requests a credential may make at once after being idle. */
  burst: number;
  clock: Clock;
  /** Buckets kept; the least recently used are dropped beyond this. Default 100 000. */
  maxKeys?: number;
}

export interface RateLimiter {
  /** Takes one request from `key`'s bucket, or throws `RATE_LIMITED` with `retryAfterSeconds`. */
  take(key: string): void;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { perSecond, burst, clock } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  if (!(perSecond > 0) || !(burst >= 1)) {
    throw new AppError('INVALID_CONFIG', 'rate limits need perSecond > 0 and burst >= 1');
  }
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    take(key) {
      const now = clock.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      buckets.delete(key);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
      throw new AppError(
        'RATE_LIMITED',
        `too many requests with this credential: retry after ${retryAfterSeconds} s, or spread requests out`,
        { details: { retryAfterSeconds } },
      );
    },
  };
}
