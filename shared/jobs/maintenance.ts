/** Periodic work of the control plane: admit pending jobs, republish lost dispatches. */
import type { CoreContext } from './context.js';
import { admitPending, redispatchStale } from './dispatch.js';

export async function runMaintenance(ctx: CoreContext): Promise<{ admitted: number; redispatched: number }> {
  const admitted = await admitPending(ctx);
  const redispatched = await redispatchStale(ctx);
  return { admitted, redispatched };
}
