/**
 * `npm run admin:token`: mints an admin token directly in the configured state store — how the
 * first token of a Workers deployment (or any store without the embedded bootstrap) is made.
 * Uses the same configuration and environment overrides as `npm start`.
 */
import { resolve } from 'node:path';
import { SCOPES } from '../../shared/domain/principal.js';
import { createTokenService } from '../../shared/auth/tokens.js';
import { systemClock } from '../../shared/base/clock.js';
import { loadConfig } from '../../shared/config/load.node.js';
import { AlreadyExistsError, isAppError } from '../../shared/base/errors.js';
import { buildStore } from '../common/drivers.node.js';

async function main(): Promise<void> {
  const { config } = loadConfig();
  const store = await buildStore(config, resolve(config.dataDir), systemClock);
  try {
    const tenantId = config.auth.adminTenant;
    await store.tenants
      .create({ id: tenantId, name: 'Administrators', createdAt: new Date().toISOString() })
      .catch((e: unknown) => {
        if (!(e instanceof AlreadyExistsError)) throw e;
      });
    const tokens = createTokenService({
      store,
      clock: systemClock,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    });
    const { token, record } = await tokens.issue({
      tenantId,
      scopes: [...SCOPES],
      projects: ['*'],
      ttlSeconds: config.auth.adminTokenTtlDays * 86_400,
      description: process.env.TOKEN_DESCRIPTION ?? 'admin token (npm run admin:token)',
    });
    process.stderr.write(
      `minted ${record.id} for tenant ${tenantId} in the ${store.driver} store, expires ${record.expiresAt}\n`,
    );
    process.stdout.write(`${token}\n`);
  } finally {
    await store.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(
    `admin:token failed: ${isAppError(e) ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
