/**
 * Per-credential rate limiting for the API, by token. The signed hook intake is limited after its
 * signature is checked instead (see `hook-limits.ts`), so forgeries cannot drain a hook's bucket.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import type { RateLimiter } from './rate-limit.js';
import { hookIntakeId } from './routes/hooks.js';

export function limitRate(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal') as AppEnv['Variables']['principal'] | undefined;
    if (principal && !hookIntakeId(c.req.method, c.req.path)) {
      limiter.take(`token:${principal.tokenId}`);
    }
    await next();
  };
}
