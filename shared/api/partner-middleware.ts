/** Per-credential rate limiting for the API: by token, or by hook for the signed intake. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import type { RateLimiter } from './rate-limit.js';
import { hookIntakeId } from './routes/hooks.js';

export function limitRate(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal') as AppEnv['Variables']['principal'] | undefined;
    const hookId = hookIntakeId(c.req.method, c.req.path);
    const key = principal ? `token:${principal.tokenId}` : hookId ? `hook:${hookId}` : undefined;
    if (key) limiter.take(key);
    await next();
  };
}
