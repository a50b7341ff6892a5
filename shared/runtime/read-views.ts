/** The API's read views (usage, queues, deliveries, logs), each bound to the services it reads. */
import type { ReadViews } from '../api/deps.js';
import type { CoreContext } from '../context/core-context.js';
import type { JobService } from '../jobs/service.js';
import { tenantQueues } from '../jobs/queues-view.js';
import { tenantUsage } from '../jobs/usage-view.js';
import type { PolicyService } from '../policy/service.js';
import { listJobDeliveries } from '../webhooks/delivery-log.js';
import { jobLogs } from '../jobs/logs-view.js';

export function createReadViews(deps: {
  ctx: CoreContext;
  policy: PolicyService;
  jobs: JobService;
  adminTenant: string;
}): ReadViews {
  return {
    usage: (p, tenant) =>
      tenantUsage(deps.ctx, deps.policy, p, {
        adminTenant: deps.adminTenant,
        ...(tenant !== undefined && { tenant }),
      }),
    queues: (p) => tenantQueues(deps.ctx, p),
    deliveries: (p, jobId) => listJobDeliveries(deps.ctx, deps.jobs, p, jobId),
    logs: (p, jobId, query) => jobLogs(deps.ctx, deps.jobs, p, jobId, query),
  };
}
