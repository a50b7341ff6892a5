/** First start: the admin tenant and its first token. */
import { AlreadyExistsError } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { SCOPES } from '../domain/principal.js';
import type { TokenService } from './tokens.js';

/**
 * Creates the admin tenant and an all-scopes token if the tenant does not exist yet. Returns the
 * token when one was created (it is shown once and never stored), otherwise `undefined`.
 */
export async function bootstrapAdmin(
  ctx: CoreContext,
  tokens: TokenService,
  tenantId: string,
  ttlDays: number,
): Promise<string | undefined> {
  try {
    await ctx.store.tenants.create({
      id: tenantId,
      name: 'Administrators',
      createdAt: nowIso(ctx),
    });
  } catch (e) {
    if (e instanceof AlreadyExistsError) return undefined;
    throw e;
  }
  const { token } = await tokens.issue({
    tenantId,
    scopes: [...SCOPES],
    projects: ['*'],
    ttlSeconds: ttlDays * 86_400,
    description: 'bootstrap admin token',
  });
  return token;
}
