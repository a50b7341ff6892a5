/** Periodic work of the control plane: move work off dead clusters, admit pending jobs, republish lost dispatches. */
import type { CoreContext } from './context.js';
import { admitPending, redispatchStale } from './dispatch.js';
import { evacuateOffline } from './failover.js';

export async function runMaintenance(
  ctx: CoreContext,
): Promise<{ evacuated: number; admitted: number; redispatched: number }> {
  const evacuated = await evacuateOffline(ctx);
  const admitted = await admitPending(ctx);
  const redispatched = await redispatchStale(ctx);
  return { evacuated, admitted, redispatched };
}
