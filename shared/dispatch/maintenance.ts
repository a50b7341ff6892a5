/**
 * Periodic work of the control plane, run by a timer in the embedded default and by the cron
 * trigger on Workers: move work off dead clusters, admit pending jobs, republish lost dispatches,
 * fire due schedules.
 */
import { fireDueSchedules } from '../schedules/fire.js';
import type { DispatchContext } from './context.js';
import { admitPending, redispatchStale } from './dispatch.js';
import { evacuateOffline } from './failover.js';
import { preemptForWaiting } from './preemption.js';
import type { JobService } from '../jobs/service.js';

export interface MaintenanceResult {
  evacuated: number;
  admitted: number;
  redispatched: number;
  fired: number;
  /** Jobs placed by preempting lower-priority work. */
  preempted: number;
}

export async function runMaintenance(
  ctx: DispatchContext,
  jobs: JobService,
): Promise<MaintenanceResult> {
  const { fired } = await fireDueSchedules(ctx, jobs);
  const evacuated = await evacuateOffline(ctx);
  const admitted = await admitPending(ctx);
  const preempted = await preemptForWaiting(ctx);
  const redispatched = await redispatchStale(ctx);
  return { evacuated, admitted, redispatched, fired, preempted };
}
