/**
 * The embedded default's composition root: SQLite state and queues under the data directory,
 * simulated clusters, in-process drainers, the HTTP API, and the background loops. Wiring only.
 */
import { serve, type ServerType } from '@hono/node-server';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSimCluster, type SimCluster } from '../../infra/sim-cluster/index.js';
import { createApp } from '../../shared/api/app.js';
import { createMetrics } from '../../shared/api/metrics.js';
import { bootstrapAdmin } from '../../shared/auth/bootstrap.js';
import { createTokenAdmin } from '../../shared/auth/token-service.js';
import { createTokenService } from '../../shared/auth/tokens.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.node.js';
import type { ClusterDriver } from '../../shared/cluster/port.js';
import { createClusterAdmin } from '../../shared/clusters/admin.js';
import { createClusterService, type ClusterDefinition } from '../../shared/clusters/service.js';
import type { ClusterConfig, SwitchyardConfig } from '../../shared/config/schema.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import type { CoreContext, Logger } from '../../shared/jobs/context.js';
import { createControlPlane } from '../../shared/jobs/control.js';
import { runMaintenance } from '../../shared/jobs/maintenance.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createScheduleService } from '../../shared/schedules/service.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { createHookService } from '../../shared/hooks/service.js';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { createPinnedFetch, systemResolve } from '../../shared/webhooks/pinned-fetch.node.js';
import { createUrlGuard } from '../../shared/webhooks/ssrf.js';
import { simulatedKubeconfig } from './kubeconfig.js';
import { every } from './timers.js';

export interface Embedded {
  url: string;
  dataDir: string;
  /** Set on first start only. */
  adminToken?: string;
  tokenPath: string;
  kubeconfigPath: string;
  sims: SimCluster[];
  close(): Promise<void>;
}

function simPort(config: SwitchyardConfig, c: ClusterConfig, index: number): number {
  const configured = 'simulated' in c.connect ? c.connect.simulated.port : undefined;
  if (configured) return configured;
  return config.server.port === 0 ? 0 : config.server.port + 1 + index;
}

export async function startEmbedded(config: SwitchyardConfig, log: Logger, clock: Clock = systemClock): Promise<Embedded> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(join(dataDir, 'sim'), { recursive: true });

  // 1. Simulated clusters (each a real Kubernetes REST endpoint) and drivers for every cluster.
  const sims: SimCluster[] = [];
  const drivers = new Map<string, ClusterDriver>();
  const definitions: ClusterDefinition[] = [];
  for (const [i, c] of config.clusters.entries()) {
    let apiUrl: string | undefined;
    if ('simulated' in c.connect) {
      const sim = await startSimCluster({
        id: c.id,
        host: '127.0.0.1',
        port: simPort(config, c, i),
        dataFile: join(dataDir, 'sim', `${c.id}.db`),
        pools: [
          ...c.pools.map((p) => ({ accelerator: p.accelerator, nodes: p.nodes, gpusPerNode: p.gpusPerNode })),
          // A system node without GPUs, as real GPU clusters have, where CPU-only jobs run.
          { accelerator: 'cpu', nodes: 1, gpusPerNode: 0, namePrefix: `${c.id}-system` },
        ],
        defaultDurationSeconds: c.connect.simulated.defaultDurationSeconds,
      });
      sims.push(sim);
      apiUrl = sim.url;
      drivers.set(c.id, createKubernetesCluster({ clusterId: c.id, kubeconfig: { server: sim.url } }));
    } else if ('kubeconfig' in c.connect) {
      drivers.set(c.id, createKubernetesCluster({ clusterId: c.id, kubeconfig: c.connect.kubeconfig }));
    } else {
      drivers.set(c.id, createKubernetesCluster({ clusterId: c.id, inCluster: true }));
    }
    definitions.push({
      id: c.id,
      cloud: c.cloud,
      region: c.region,
      labels: c.labels,
      queue: c.queue ?? c.cloud,
      pools: c.pools,
      ...(apiUrl ? { simulated: { apiUrl } } : {}),
    });
  }
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, simulatedKubeconfig(sims.map((s) => ({ id: s.id, url: s.url }))));

  // 2. State and queues.
  const store =
    config.store.driver === 'memory' ? createMemoryStore({ clock }) : createSqliteStore({ path: join(dataDir, 'state.db') });
  const queue = createSqliteQueue({ path: join(dataDir, 'queue.db'), maxAttempts: config.queue.maxAttempts, clock });
  const ctx: CoreContext = {
    store,
    queue,
    clock,
    log,
    settings: {
      heartbeatTimeoutMs: config.scheduling.heartbeatTimeoutSeconds * 1000,
      redispatchAfterMs: config.scheduling.redispatchAfterSeconds * 1000,
      ttlSecondsAfterFinished: config.scheduling.ttlSecondsAfterFinished,
      maxPlacementAttempts: config.scheduling.maxPlacementAttempts,
      offlineGraceMs: config.scheduling.offlineGraceSeconds * 1000,
    },
  };

  // 3. Core services, first-start bootstrap.
  const clusters = createClusterService(ctx);
  await clusters.register(definitions);
  const tokens = createTokenService({ store, clock, issuer: config.auth.issuer, audience: config.auth.audience });
  const adminToken = await bootstrapAdmin(ctx, tokens, config.auth.adminTenant, config.auth.adminTokenTtlDays);
  const tokenPath = join(dataDir, 'token');
  if (adminToken) {
    writeFileSync(tokenPath, `${adminToken}\n`, { mode: 0o600 });
    chmodSync(tokenPath, 0o600);
  }
  const jobs = createJobService(ctx);
  const clusterAdmin = createClusterAdmin(ctx);
  const schedules = createScheduleService(ctx);
  let wakeAdmission = () => {};
  const control = createControlPlane(ctx, { onCapacityFreed: () => wakeAdmission() });

  // 4. One in-process drainer per queue, serving that queue's clusters.
  const drainers: Drainer[] = [];
  for (const queueName of new Set(definitions.map((d) => d.queue))) {
    const served = new Map([...drivers].filter(([id]) => definitions.find((d) => d.id === id)?.queue === queueName));
    const drainer = createDrainer({
      queueName,
      queue,
      clusters: served,
      control,
      clock,
      log,
      visibilityMs: config.queue.visibilitySeconds * 1000,
      maxAttempts: config.queue.maxAttempts,
      ttlSecondsAfterFinished: config.scheduling.ttlSecondsAfterFinished,
    });
    drainer.start();
    drainers.push(drainer);
  }

  // 5. Background loops: admission and redispatch, status webhooks.
  const maintenance = every(config.scheduling.admissionIntervalSeconds * 1000, () => runMaintenance(ctx, jobs), log);
  wakeAdmission = maintenance.wake;
  // SSRF: every callback host is resolved once, every address checked, and the request pinned to
  // the checked address; webhooks.allowHosts opts local receivers in (development only).
  const urlGuard = createUrlGuard({ resolve: systemResolve, allow: config.webhooks.allowHosts });
  const deliveries = createDeliveryWorker({
    deliveries: store.deliveries,
    secretFor: async (d) => (await store.jobs.get(d.jobId))?.spec.callback?.secret,
    guard: async (url) => void (await urlGuard.check(url)),
    fetch: createPinnedFetch(urlGuard),
    clock,
    maxAttempts: config.webhooks.maxAttempts,
    timeoutMs: config.webhooks.timeoutSeconds * 1000,
    log: (event) => log.info('webhook', event),
  });
  const delivering = every(config.webhooks.intervalSeconds * 1000, () => deliveries.runOnce(), log);

  // 6. HTTP.
  const app = createApp({ ctx, jobs, clusters, clusterAdmin, schedules, control, onCapacityChanged: () => wakeAdmission(), tokens, metrics: createMetrics(), maxBodyBytes: config.server.maxBodyBytes,
    tokenAdmin: createTokenAdmin({ ctx, tokens, adminTenant: config.auth.adminTenant }),
    hooks: createHookService(ctx, jobs, { maxBodyBytes: config.server.maxBodyBytes }),
    rateLimit: config.rateLimit });
  const server: ServerType = await new Promise((ready) => {
    const s = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, () => ready(s));
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
    async close() {
      maintenance.stop();
      delivering.stop();
      await Promise.all(drainers.map((d) => d.stop()));
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all([...drivers.values()].map((d) => d.close()));
      await Promise.all(sims.map((s) => s.close()));
      await queue.close();
      await store.close();
    },
  };
}
