/**
 * Authentication and per-credential rate limiting for the API, in one middleware (one step of
 * Hono's chain on every request instead of two): the bearer token is verified (revocation read on
 * every request, `auth/tokens.ts`), then its bucket is taken. The signed hook intake authenticates
 * by its webhook signature instead and is limited after that signature is checked (see
 * `hook-limits.ts`), so forgeries cannot drain a hook's bucket.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../base/errors.js';
import type { TokenService } from '../auth/tokens.js';
import type { AppEnv } from './deps.js';
import type { RateLimiter } from './rate-limit.js';
import { hookIntakeId } from './routes/hooks.js';

const BEARER = /^Bearer\s+(\S+)$/i;

export function authenticate(
  tokens: Pick<TokenService, 'verify'>,
  limiter: RateLimiter,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Signed hook intake authenticates by its webhook signature, not a token.
    if (hookIntakeId(c.req.method, c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = BEARER.exec(header);
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
    }
    const principal = await tokens.verify(match[1]!);
    c.set('principal', principal);
    limiter.take(`token:${principal.tokenId}`);
    await next();
  };
}
