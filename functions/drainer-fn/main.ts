/**
 * The drainer function as a Node HTTP server (Cloud Run functions, any container host, or locally
 * against the Pub/Sub emulator): `npm run drainer:fn`. Configured by environment, parsed once
 * (README "Drainers as functions").
 */
import { serve } from '@hono/node-server';
import { isAppError } from '../../shared/base/errors.js';
import { createConsoleLogger } from '../server/logger.js';
import { buildDrainerFn, parseDrainerFnEnv } from './config.js';

function main(): void {
  const env = parseDrainerFnEnv(process.env, 'node');
  const log = createConsoleLogger();
  const { app, clusters, targets } = buildDrainerFn(env, log);
  const server = serve({ fetch: app.fetch, hostname: env.DRAINER_FN_HOST, port: env.PORT }, (a) => {
    log.info('drainer function listening', {
      url: `http://${env.DRAINER_FN_HOST}:${a.port}/push`,
      queue: env.DRAINER_QUEUE,
      clusters: [...clusters.keys(), ...targets.keys()].join(','),
      controlPlane: env.SWITCHYARD_URL,
      budgetMs: env.DRAINER_FN_BUDGET_MS,
      followUpMs: env.DRAINER_FN_FOLLOW_UP_MS,
      reconcile: `http://${env.DRAINER_FN_HOST}:${a.port}/reconcile`,
    });
    if (env.DRAINER_FN_AUTH === 'none')
      log.warn(
        'push authentication is OFF (DRAINER_FN_AUTH=none): accepted only because the listener is loopback-bound; for the Pub/Sub emulator only',
        { host: env.DRAINER_FN_HOST },
      );
    else log.info('push authentication: Google OIDC', { audience: env.DRAINER_FN_AUDIENCE });
  });
  const stop = () => {
    server.close();
    void Promise.allSettled([...clusters.values(), ...targets.values()].map((c) => c.close())).then(
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

try {
  main();
} catch (e) {
  process.stderr.write(
    `drainer function could not start: ${isAppError(e) ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
}
