/**
 * The control plane's services wired over a store, a queue and a clock — the same for the Node
 * server and the Worker. Composition roots build drivers, call this, and add their own loops.
 */
import type { Hono } from 'hono';
import { createApp } from '../api/app.js';
import { type AppEnv } from '../api/deps.js';
import { createMetrics } from '../api/metrics.js';
import { createTokenAdmin, type LocalAdminToken } from '../auth/token-service.js';
import { createTokenService } from '../auth/tokens.js';
import type { Clock } from '../base/clock.js';
import { createClusterAdmin } from '../dispatch/cluster-admin.js';
import { createClusterService } from '../clusters/service.js';
import { createHookService } from '../hooks/service.js';
import type { CoreContext, CoreSettings } from '../context/core-context.js';
import type { Logger } from '../base/log.js';
import { createControlPlane } from '../dispatch/control.js';
import { runMaintenance } from '../dispatch/maintenance.js';
import { createClusterStateCache } from '../dispatch/cluster-state.js';
import type { DispatchContext } from '../dispatch/context.js';
import { createDispatcher } from '../dispatch/dispatch.js';
import { createPolicyService } from '../policy/service.js';
import { createPolicySimulator } from '../dispatch/policy-simulate.js';
import { createMaintenanceService } from '../maintenance/service.js';
import { deliverySecret } from '../maintenance/secrets.js';
import { createReadViews } from './read-views.js';
import { createJobService } from '../jobs/service.js';
import type { Queue } from '../queue/port.js';
import type { JobPublish } from '../queue/job-publish.js';
import { createScheduleService } from '../schedules/service.js';
import type { StateStore } from '../store/port.js';
import { createDeliveryWorker } from '../webhooks/delivery-worker.js';
import { recordWebhookEvent } from '../metrics/webhooks.js';

export interface CoreOptions {
  store: StateStore;
  queue: Queue;
  /** The embedded pair's one-transaction job create and publish (see `queue/job-publish.ts`). */
  jobPublish?: JobPublish;
  clock: Clock;
  log: Logger;
  settings: CoreSettings;
  auth: {
    issuer: string;
    audience: string;
    adminTenant: string;
    /** The verified-token cache key; see `TokenServiceOptions.cacheKey`. */
    cacheKey?: (token: string) => string;
    /** The embedded install's admin token file, so retiring its key warns. */
    localAdminToken?: LocalAdminToken;
  };
  maxBodyBytes: number;
  /** The public base URL the error envelope's `docs` links use; absent: the request's origin. */
  publicUrl?: string;
  rateLimit?: { perSecond: number; burst: number };
  webhooks: {
    maxAttempts: number;
    timeoutMs: number;
    /** SSRF check run before any connection. */
    guard?: (url: URL) => Promise<void>;
    /** The guard's DNS-free part, run when a job names a callback (see `UrlGuard.screen`). */
    screen?: (url: string) => string | undefined;
    /** A fetch that connects only to the address the guard checked. */
    fetch?: typeof fetch;
  };
}

export function createCore(o: CoreOptions) {
  const metrics = createMetrics();
  const ctx: CoreContext = {
    metrics,
    store: o.store,
    queue: o.queue,
    clock: o.clock,
    log: o.log,
    settings: o.settings,
    ...(o.webhooks.screen ? { screenCallback: o.webhooks.screen } : {}),
  };
  // This instance's routing policy (cached per period) and cluster state (shared per half second),
  // handed to dispatch and to the routes that read or change them.
  const policy = createPolicyService(ctx);
  const clusterState = createClusterStateCache({ store: o.store, clock: o.clock });
  const dispatch: DispatchContext = {
    ...ctx,
    policy,
    clusterState,
    ...(o.jobPublish ? { jobPublish: o.jobPublish } : {}),
  };
  const jobs = createJobService(ctx, createDispatcher(dispatch));
  const clusters = createClusterService(ctx);
  const clusterAdmin = createClusterAdmin(dispatch);
  const schedules = createScheduleService(ctx);
  const tokens = createTokenService({
    store: o.store,
    clock: o.clock,
    issuer: o.auth.issuer,
    audience: o.auth.audience,
    ...(o.auth.cacheKey ? { cacheKey: o.auth.cacheKey } : {}),
  });
  const tokenAdmin = createTokenAdmin({
    ctx,
    tokens,
    adminTenant: o.auth.adminTenant,
    ...(o.auth.localAdminToken ? { localAdminToken: o.auth.localAdminToken } : {}),
  });
  const hooks = createHookService(ctx, jobs, { maxBodyBytes: o.maxBodyBytes });
  let wake: () => void = () => {};
  const control = createControlPlane(dispatch, { onCapacityFreed: () => wake() });
  const maintenancePlans = createMaintenanceService(dispatch, () => wake());
  const views = createReadViews({ ctx, policy, jobs, adminTenant: o.auth.adminTenant });
  const app: Hono<AppEnv> = createApp({
    ctx,
    jobs,
    views,
    policy,
    policySimulator: createPolicySimulator(dispatch),
    clusters,
    clusterAdmin,
    maintenancePlans,
    schedules,
    control,
    tokens,
    tokenAdmin,
    hooks,
    metrics,
    maxBodyBytes: o.maxBodyBytes,
    onCapacityChanged: () => wake(),
    ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
  });
  const deliveries = createDeliveryWorker({
    deliveries: o.store.deliveries,
    secretFor: (d) => deliverySecret(o.store, d),
    clock: o.clock,
    maxAttempts: o.webhooks.maxAttempts,
    timeoutMs: o.webhooks.timeoutMs,
    ...(o.webhooks.guard ? { guard: o.webhooks.guard } : {}),
    ...(o.webhooks.fetch ? { fetch: o.webhooks.fetch } : {}),
    log: (event) => {
      recordWebhookEvent(metrics, event);
      o.log.info('webhook', event);
    },
  });

  return {
    ctx,
    app,
    jobs,
    policy,
    clusters,
    clusterAdmin,
    schedules,
    tokens,
    tokenAdmin,
    hooks,
    control,
    deliveries,
    /** Admission, failover sweeps, redispatch, schedule firing: one pass. */
    maintenance: async () => ({
      ...(await runMaintenance(dispatch, jobs)),
      plansAdvanced: await maintenancePlans.sweep(),
    }),
    maintenancePlans,
    /** Called when capacity may have freed, so admission can run early. */
    onCapacityFreed(fn: () => void) {
      wake = fn;
    },
  };
}

export type Core = ReturnType<typeof createCore>;
