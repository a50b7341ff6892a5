/** First start: the admin tenant and its first token; later starts: a new one if its key is gone. */
import { AlreadyExistsError } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { SCOPES } from '../domain/principal.js';
import { kidOf } from './token-service.js';
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

/**
 * Issues a new admin token when `current` (the local admin token file's content) was signed by a
 * key that is no longer in the ring, e.g. after `DELETE /v1/signing-keys/{kid}`. Returns the new
 * token, or `undefined` when there is no local token or its key still verifies.
 */
export async function reissueAdminIfKeyGone(
  tokens: TokenService,
  current: string | undefined,
  tenantId: string,
  ttlDays: number,
): Promise<string | undefined> {
  if (current === undefined) return undefined;
  const kid = kidOf(current);
  if (kid && (await tokens.listKeys()).some((k) => k.kid === kid)) return undefined;
  const { token } = await tokens.issue({
    tenantId,
    scopes: [...SCOPES],
    projects: ['*'],
    ttlSeconds: ttlDays * 86_400,
    description: 'admin token re-issued at start-up: the key of the previous one was retired',
  });
  return token;
}
