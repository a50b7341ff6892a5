/** What the API's routes are given: the services built by `createCore`, and the request context. */
import type { Principal } from '../domain/principal.js';
import type { TokenAdmin } from '../auth/token-service.js';
import type { TokenService } from '../auth/tokens.js';
import type { HookService } from '../hooks/service.js';
import type { ClusterAdmin } from '../dispatch/cluster-admin.js';
import type { ClusterService } from '../clusters/service.js';
import type { MaintenanceService } from '../maintenance/service.js';
import type { CoreContext } from '../context/core-context.js';
import type { JobService } from '../jobs/service.js';
import type { PolicyService } from '../policy/service.js';
import type { PolicySimulator } from '../dispatch/policy-simulate.js';
import type { tenantQueues } from '../jobs/queues-view.js';
import type { tenantUsage } from '../jobs/usage-view.js';
import type { listJobDeliveries } from '../webhooks/delivery-log.js';
import type { jobLogs, LogQuery } from '../jobs/logs-view.js';
import type { ScheduleService } from '../schedules/service.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { Metrics } from './metrics.js';

/** The read views the API serves, each bound to the services it reads (built by `createCore`). */
export interface ReadViews {
  usage(principal: Principal, tenant?: string): ReturnType<typeof tenantUsage>;
  queues(principal: Principal): ReturnType<typeof tenantQueues>;
  deliveries(principal: Principal, jobId: string): ReturnType<typeof listJobDeliveries>;
  logs(principal: Principal, jobId: string, query: LogQuery): ReturnType<typeof jobLogs>;
}

export interface AppDeps {
  ctx: CoreContext;
  jobs: JobService;
  views: ReadViews;
  /** The routing policy service dispatch uses (one per instance, so a change is seen at once). */
  policy: PolicyService;
  /** What-if replay of a draft policy against the tenant's recent jobs. */
  policySimulator: PolicySimulator;
  clusters: ClusterService;
  clusterAdmin: ClusterAdmin;
  /** Rolling fleet maintenance plans (`/v1/maintenance`). */
  maintenancePlans: MaintenanceService;
  schedules: ScheduleService;
  /** The control plane drainers report to (in-process here, over /v1/drainer for remote ones). */
  control: ControlPlane;
  /** Called when capacity may have freed (uncordon, policy change): admission runs again. */
  onCapacityChanged?: () => void;
  tokens: TokenService;
  tokenAdmin: TokenAdmin;
  hooks: HookService;
  /** Per-token (and per-hook) request rate; default 100/s with bursts of 200. */
  rateLimit?: { perSecond: number; burst: number };
  metrics: Metrics;
  /** Maximum request body in bytes. */
  maxBodyBytes?: number;
  /** The public base URL (`server.publicUrl`), for the error envelope's `docs` link. */
  publicUrl?: string;
}

export type AppEnv = { Variables: { requestId: string; principal: Principal } };
