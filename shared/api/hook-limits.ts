/**
 * Rate limits for the signed hook intake. A hook's own bucket is charged only once a delivery's
 * signature is valid, so forgeries cannot use up the partner's allowance; failed attempts (bad
 * signature, unknown hook) have buckets of their own, per hook and per source address, and answer
 * 429 once those are empty.
 */
import type { Context } from 'hono';
import type { IntakeGuard } from '../hooks/service.js';
import type { RateLimiter } from './rate-limit.js';

export interface HookLimits {
  /** The guard for one request from `source` (see `sourceAddress`). */
  guard(source: string): IntakeGuard;
}

/** `verifiedLimiter` is shared with API tokens (keys `hook:<id>`); `failureLimiter` is separate. */
export function createHookLimits(
  verifiedLimiter: RateLimiter,
  failureLimiter: RateLimiter,
): HookLimits {
  return {
    guard(source) {
      return {
        verified(hookId) {
          verifiedLimiter.take(`hook:${hookId}`);
        },
        failed(hookId) {
          // Both are charged, so neither a single source nor many sources aimed at one hook
          // escape: whichever bucket is empty first turns the 401/404 into a 429.
          let limited: unknown;
          for (const key of [`hook-failures:${hookId}`, `source-failures:${source}`]) {
            try {
              failureLimiter.take(key);
            } catch (e) {
              limited ??= e;
            }
          }
          if (limited) throw limited;
        },
      };
    },
  };
}

/**
 * The caller's address: the socket's peer on Node (`@hono/node-server` passes the request as
 * `env.incoming`), Cloudflare's `cf-connecting-ip` on Workers (set by the edge, not the client).
 * A Node server never reads that header, since there any client could send it.
 */
export function sourceAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  if (env && typeof env === 'object' && 'incoming' in env) {
    return env.incoming?.socket?.remoteAddress ?? 'unknown';
  }
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}
