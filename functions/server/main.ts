/**
 * `npm start`: Switchyard in one process on the embedded default (SQLite state and queues,
 * simulated clusters, in-process drainers). Loads the configuration, starts, prints where to go.
 */
import { isAppError } from '../../shared/base/errors.js';
import { loadConfig } from '../../shared/config/load.node.js';
import { startEmbedded } from './embedded.js';
import { createConsoleLogger } from './logger.js';
import { simHostingFromEnv } from './sim-host.js';

async function main(): Promise<void> {
  const log = createConsoleLogger({ quiet: process.env.SWITCHYARD_QUIET === '1' });
  const { config, source } = loadConfig();
  // The simulated clusters run in a worker thread unless SWITCHYARD_SIMULATED=in-process.
  const simulated = simHostingFromEnv(process.env);
  const sy = await startEmbedded(config, log, undefined, { simulated });
  const sims = sy.sims
    .map((s) => `    ${s.id.padEnd(20)} ${s.url}   (SIMULATED Kubernetes API)`)
    .join('\n');
  process.stdout.write(
    [
      '',
      `Switchyard is running at ${sy.url}`,
      `  config:      ${source}`,
      `  data:        ${sy.dataDir}`,
      `  admin token: ${sy.tokenPath}${sy.adminToken ? ' (created now, mode 0600)' : ''}`,
      `  clusters are simulated Kubernetes API servers, not real GPUs:`,
      sims,
      `  kubectl:     kubectl --kubeconfig ${sy.kubeconfigPath} --context ${sy.sims[0]?.id ?? '<cluster>'} get jobs -A`,
      '',
      'Try:',
      `  curl -s ${sy.url}/v1/clusters -H "Authorization: Bearer $(cat ${sy.tokenPath})"`,
      '',
    ].join('\n') + '\n',
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    sy.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function describeStartError(e: unknown): string {
  if (isAppError(e)) return e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err?.code === 'EADDRINUSE') {
    return `${err.address}:${err.port} is already in use. Stop what holds it, or start on other ports with PORT=<port> (the simulated clusters take the ports after it).`;
  }
  if (err?.code === 'EACCES') {
    return `no permission to listen on ${err.address}:${err.port}; choose a PORT above 1024.`;
  }
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

main().catch((e: unknown) => {
  process.stderr.write(`switchyard could not start: ${describeStartError(e)}\n`);
  process.exit(1);
});
