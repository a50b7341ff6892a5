/**
 * The signing secret of an outbound delivery: a job's callback secret, or a maintenance plan's
 * upgrade webhook secret (plan deliveries carry the plan id, `mnt_…`, where a job's id would be).
 */
import type { Delivery, StateStore } from '../store/port.js';

export async function deliverySecret(
  store: StateStore,
  delivery: Delivery,
): Promise<string | undefined> {
  if (delivery.jobId.startsWith('mnt_')) {
    return (await store.maintenance.get(delivery.jobId))?.upgrade.webhook?.secret;
  }
  return (await store.jobs.get(delivery.jobId))?.spec.callback?.secret;
}
