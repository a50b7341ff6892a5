/** Turns a job's state changes into status webhook deliveries (one per state entered). */
import { AlreadyExistsError } from '../errors.js';
import type { Delivery } from '../store/port.js';
import type { CoreContext } from './context.js';
import { nowIso } from './context.js';
import type { Job } from './model.js';

/** The public view of a job's event, as sent in status webhooks. */
export function webhookPayload(job: Job, eventIndex: number): string {
  const event = job.events[eventIndex]!;
  return JSON.stringify({
    type: `job.${event.state}`,
    timestamp: event.at,
    data: {
      id: job.id,
      name: job.spec.name,
      project: job.spec.project,
      state: event.state,
      reason: event.reason,
      message: event.message,
      clusterId: job.placement?.clusterId ?? null,
      kubernetes: job.placement
        ? { namespace: job.placement.namespace, name: job.placement.kubeName }
        : null,
    },
  });
}

/** Records a delivery for every state event in `after` that `before` did not have. */
export async function emitDeliveries(
  ctx: CoreContext,
  before: Job | undefined,
  after: Job,
): Promise<void> {
  const callback = after.spec.callback;
  if (!callback) return;
  const now = nowIso(ctx);
  for (let i = before?.events.length ?? 0; i < after.events.length; i++) {
    const event = after.events[i]!;
    if (!event.state) continue;
    const delivery: Delivery = {
      id: `msg_${after.id}_${i}`,
      jobId: after.id,
      tenantId: after.tenantId,
      url: callback.url,
      eventType: `job.${event.state}`,
      payload: webhookPayload(after, i),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    try {
      await ctx.store.deliveries.create(delivery);
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  }
}
