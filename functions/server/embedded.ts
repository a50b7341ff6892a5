/**
 * The Node server's composition root (the embedded default and any other store/queue pair):
 * clusters, drivers, the core, in-process drainers, the HTTP server and the background loops.
 * Wiring only.
 */
import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../../shared/base/clock.js';
import { bootstrapAdmin, reissueAdminIfKeyGone } from '../../shared/auth/bootstrap.js';
import type { SwitchyardConfig } from '../../shared/config/schema.js';
import { createDrainer, type Drainer, type DrainerOptions } from '../../shared/drainer/drainer.js';
import type { Logger } from '../../shared/base/log.js';
import { createCore } from '../../shared/runtime/core.js';
import { wakeAfterJobPublish, withWakeups } from '../../shared/queue/wakeup.js';
import { wakeOnOutbox, wakeOnOutboxPublish } from '../../shared/webhooks/outbox-wake.js';
import { createPinnedFetch, systemResolve } from '../../shared/webhooks/pinned-fetch.node.js';
import { createUrlGuard } from '../../shared/webhooks/ssrf.js';
import { secureDataDir, writePrivateFile } from '../common/data-dir.node.js';
import { buildDrivers } from '../common/drivers.node.js';
import { startClusters } from './clusters.js';
import type { SimHosting, SimulatedCluster } from './sim-host.js';
import { simulatedKubeconfig } from './kubeconfig.js';
import { every } from './timers.js';
import { sha256Base64Native } from '../../shared/auth/sha256.node.js';

export interface Embedded {
  url: string;
  dataDir: string;
  /** Set when a token was created now: first start, or its signing key was retired. */
  adminToken?: string;
  tokenPath: string;
  kubeconfigPath: string;
  /** The simulated clusters (in a worker thread unless `tuning.simulated` is `in-process`). */
  sims: SimulatedCluster[];
  /** The in-process drainers, one per queue (none with `drainers.inProcess: false`). */
  drainers: Drainer[];
  close(): Promise<void>;
}

/** Knobs for benchmarks, not configuration: how the in-process drainers pull. */
export interface EmbeddedTuning {
  drainer?: Pick<DrainerOptions, 'fixedPoll' | 'holdPull' | 'idleWaitMs' | 'pollMs'>;
  /** `false`: the SQLite pair commits each ack and log append alone (bench:dispatch baseline). */
  batchConsumerWrites?: boolean;
  /** Where the simulated clusters run: `worker` (default, as `npm start`) or `in-process`. */
  simulated?: SimHosting;
}

/** The local admin token, or undefined when the file is missing. */
function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function startEmbedded(
  config: SwitchyardConfig,
  log: Logger,
  clock: Clock = systemClock,
  tuning: EmbeddedTuning = {},
): Promise<Embedded> {
  // 0. The data directory holds the signing keys: 0700, files 0600, refused if others can write it.
  const dataDir = resolve(config.dataDir);
  const tokenPath = join(dataDir, 'token');
  secureDataDir(dataDir);
  mkdirSync(join(dataDir, 'sim'), { recursive: true, mode: 0o700 });

  // 1. Clusters: simulated ones start here (a worker thread by default); each gets a driver.
  const { sims, drivers, targets, definitions } = await startClusters(config, dataDir, {
    ...(tuning.simulated && { simulated: tuning.simulated }),
  });
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writePrivateFile(
    kubeconfigPath,
    simulatedKubeconfig(sims.map((s) => ({ id: s.id, url: s.url }))),
  );

  // 2. State, queues, and the core. SSRF: every callback host is resolved once, every address
  //    checked, and the request pinned to the checked address; webhooks.allowHosts opts local
  //    receivers in (development only).
  const state = await buildDrivers(config, dataDir, clock, tuning.batchConsumerWrites);
  // Writes that add status webhooks to the outbox wake the delivery loop (step 5) at once.
  let wakeDeliveries = (): void => {};
  const store = wakeOnOutbox(state.store, () => wakeDeliveries());
  // Wrapped so a publish wakes the in-process drainers of that queue at once (no poll delay),
  // including a dispatch's message committed with its job in one transaction (`jobPublish`).
  const queue = withWakeups(state.queue);
  const jobPublish =
    state.jobPublish &&
    wakeOnOutboxPublish(wakeAfterJobPublish(state.jobPublish, queue), () => wakeDeliveries());
  const urlGuard = createUrlGuard({ resolve: systemResolve, allow: config.webhooks.allowHosts });
  const core = createCore({
    store,
    queue,
    ...(jobPublish ? { jobPublish } : {}),
    clock,
    log,
    settings: {
      heartbeatTimeoutMs: config.scheduling.heartbeatTimeoutSeconds * 1000,
      redispatchAfterMs: config.scheduling.redispatchAfterSeconds * 1000,
      ttlSecondsAfterFinished: config.scheduling.ttlSecondsAfterFinished,
      maxPlacementAttempts: config.scheduling.maxPlacementAttempts,
      offlineGraceMs: config.scheduling.offlineGraceSeconds * 1000,
      hooksPerTenant: config.limits.hooksPerTenant,
      schedulesPerTenant: config.limits.schedulesPerTenant,
      logCapBytes: config.logs.capBytes,
      logRetentionSeconds: Math.round(config.logs.retentionHours * 3600),
      // Heartbeats missed while this process was down say nothing about the clusters.
      watchingSince: clock.now(),
    },
    auth: {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      adminTenant: config.auth.adminTenant,
      cacheKey: sha256Base64Native,
      localAdminToken: { path: tokenPath, read: () => readTokenFile(tokenPath) },
    },
    maxBodyBytes: config.server.maxBodyBytes,
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
    rateLimit: config.rateLimit,
    webhooks: {
      maxAttempts: config.webhooks.maxAttempts,
      timeoutMs: config.webhooks.timeoutSeconds * 1000,
      guard: async (url) => void (await urlGuard.check(url)),
      screen: (url) => urlGuard.screen(url),
      fetch: createPinnedFetch(urlGuard),
    },
  });

  // 3. First start: register clusters, create the admin tenant and its token (shown once). Later
  //    starts: a new token when the key that signed the token file was retired.
  await core.clusters.register(definitions);
  const { adminTenant, adminTokenTtlDays: ttlDays } = config.auth;
  const adminToken =
    (await bootstrapAdmin(core.ctx, core.tokens, adminTenant, ttlDays)) ??
    (await reissueAdminIfKeyGone(core.tokens, readTokenFile(tokenPath), adminTenant, ttlDays));
  if (adminToken) {
    writePrivateFile(tokenPath, `${adminToken}\n`);
  }

  // 4. One in-process drainer per queue, serving that queue's clusters, unless another drainer
  //    (the push function) is to be the only one.
  const drainers: Drainer[] = [];
  const queueNames = config.drainers.inProcess ? new Set(definitions.map((d) => d.queue)) : [];
  if (!config.drainers.inProcess)
    log.info('in-process drainers are off (drainers.inProcess: false); run a drainer beside it', {
      queues: [...new Set(definitions.map((d) => d.queue))].join(','),
    });
  for (const queueName of queueNames) {
    const servedHere = ([id]: [string, unknown]) =>
      definitions.find((d) => d.id === id)?.queue === queueName;
    const served = new Map([...drivers].filter(servedHere));
    const drainer = createDrainer({
      queueName,
      queue,
      clusters: served,
      targets: new Map([...targets].filter(servedHere)),
      ...(config.drainers.targetPollMs ? { targetPollMs: config.drainers.targetPollMs } : {}),
      control: core.control,
      clock,
      log,
      visibilityMs: config.queue.visibilitySeconds * 1000,
      maxAttempts: config.queue.maxAttempts,
      ttlSecondsAfterFinished: config.scheduling.ttlSecondsAfterFinished,
      heartbeatMs: config.drainers.heartbeatSeconds * 1000,
      ...tuning.drainer,
    });
    drainer.start();
    drainers.push(drainer);
  }

  // 5. Background loops: admission, failover sweeps, redispatch, schedules; status webhooks.
  const maintenance = every(
    config.scheduling.admissionIntervalSeconds * 1000,
    core.maintenance,
    log,
  );
  core.onCapacityFreed(maintenance.wake);
  // A pass returns once its work is queued: a receiver that never answers does not hold the next.
  const delivering = every(
    config.webhooks.intervalSeconds * 1000,
    () => core.deliveries.startPass(),
    log,
  );
  wakeDeliveries = delivering.wake;

  // 6. HTTP.
  const server: ServerType = await new Promise((ready, fail) => {
    const s = serve(
      { fetch: core.app.fetch, hostname: config.server.host, port: config.server.port },
      () => ready(s),
    );
    s.once('error', fail); // e.g. EADDRINUSE: reported by main() in one line
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = config.server.publicUrl ?? `http://${config.server.host}:${port}`;

  return {
    url,
    dataDir,
    ...(adminToken ? { adminToken } : {}),
    tokenPath,
    kubeconfigPath,
    sims,
    drainers,
    async close() {
      maintenance.stop();
      delivering.stop();
      await core.deliveries.close();
      await Promise.all(drainers.map((d) => d.stop()));
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all([...drivers.values()].map((d) => d.close()));
      await Promise.all(sims.map((s) => s.close()));
      await queue.close();
      await store.close();
    },
  };
}
