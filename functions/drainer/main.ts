/**
 * A standalone drainer, run next to its clusters: pulls one cloud's queue, creates the Jobs through
 * client-node (kubeconfig context or in-cluster credentials), watches them, and reports to the
 * control plane over HTTP. Slurm clusters (`id=slurm` in DRAINER_CLUSTERS, their `connect.slurm`
 * from SWITCHYARD_CONFIG) are followed by polling. Configured by environment (see README "Running
 * a drainer").
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { systemClock } from '../../shared/base/clock.js';
import { loadConfig } from '../../shared/config/load.node.js';
import { createDrainer } from '../../shared/drainer/drainer.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createHttpQueue } from '../../shared/protocol/http-queue.js';
import { LEASE_MAX_WAIT_MS } from '../../shared/protocol/lease.js';
import { AppError, isAppError } from '../../shared/base/errors.js';
import { issuesOf } from '../../shared/base/validation.js';
import { createConsoleLogger } from '../server/logger.js';
import { buildQueue } from '../common/drivers.node.js';
import { clusterDrivers } from '../common/cluster-drivers.node.js';
import { drainerEnvFields, drainerToken } from '../common/drainer-env.node.js';
import { deploymentIdOf } from '../common/deployment.node.js';
import { slurmTargetsFor, splitDrainerClusters } from '../common/slurm-target.node.js';

const envSchema = z.object({
  ...drainerEnvFields,
  /**
   * `queue` (default): pull the queue directly (Pub/Sub, the SQLite file); `control-plane`: lease
   * it through the control plane's /v1/drainer/lease, long-polling while idle.
   */
  DRAINER_PULL: z
    .enum(['queue', 'control-plane'], {
      error: 'DRAINER_PULL is queue (pull the queue itself) or control-plane (lease over HTTP)',
    })
    .default('queue'),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new AppError(
      'INVALID_CONFIG',
      `the drainer is not configured:\n${issuesOf(parsed.error)
        .map((i) => `  - ${i.path}: ${i.message}`)
        .join('\n')}`,
    );
  }
  const env = parsed.data;
  const token = drainerToken(env);
  if (!token)
    throw new AppError(
      'INVALID_CONFIG',
      'set SWITCHYARD_TOKEN or SWITCHYARD_TOKEN_FILE to a token with the drainer scope',
    );
  const log = createConsoleLogger();
  const { config, source } = loadConfig();
  const viaControl = env.DRAINER_PULL === 'control-plane';
  const visibilityMs = config.queue.visibilitySeconds * 1000;
  const queue = viaControl
    ? createHttpQueue({ baseUrl: env.SWITCHYARD_URL, token, visibilityMs })
    : buildQueue(config, resolve(config.dataDir), systemClock);
  const split = splitDrainerClusters(env.DRAINER_CLUSTERS);
  const deployment = deploymentIdOf(config);
  const clusters = clusterDrivers(split.kubernetes, env.KUBECONFIG, env.DRAINER_KUEUE, deployment);
  const targets = slurmTargetsFor(split.slurm, config.clusters, source, deployment, log);
  const drainer = createDrainer({
    queueName: env.DRAINER_QUEUE,
    queue,
    clusters,
    targets,
    ...(env.DRAINER_TARGET_POLL_MS ? { targetPollMs: env.DRAINER_TARGET_POLL_MS } : {}),
    control: createHttpControlPlane({ baseUrl: env.SWITCHYARD_URL, token }),
    clock: systemClock,
    log,
    visibilityMs,
    // Leasing through the control plane, an idle wait is one long-poll of up to 20 s.
    ...(viaControl ? { idleWaitMs: LEASE_MAX_WAIT_MS } : {}),
    maxAttempts: config.queue.maxAttempts,
    ttlSecondsAfterFinished: config.scheduling.ttlSecondsAfterFinished,
  });
  drainer.start();
  log.info('drainer started', {
    queue: env.DRAINER_QUEUE,
    queueDriver: queue.driver,
    clusters: [...clusters.keys(), ...targets.keys()].join(','),
    controlPlane: env.SWITCHYARD_URL,
  });
  const stop = async () => {
    await drainer.stop();
    await Promise.allSettled([...clusters.values(), ...targets.values()].map((c) => c.close()));
    await queue.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(
    `drainer could not start: ${isAppError(e) ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
