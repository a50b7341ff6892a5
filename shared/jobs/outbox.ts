/** Turns a job's state changes into status webhook deliveries (one per state entered). */
import type { Delivery } from '../store/port.js';
import type { Job } from '../domain/job.js';

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
      // How the container ended, on the final event of a job that ran (else null).
      result:
        (event.state === 'succeeded' || event.state === 'failed' ? job.result : undefined) ?? null,
    },
  });
}

/**
 * The status webhook deliveries for every state event in `after` that `before` did not have. They
 * are stored in the same atomic write as the job (the store's outbox), so a crash can never keep a
 * transition and lose its webhook, or send a webhook for a transition that was not kept.
 */
export function deliveriesFor(at: string, before: Job | undefined, after: Job): Delivery[] {
  const callback = after.spec.callback;
  if (!callback) return [];
  const out: Delivery[] = [];
  for (let i = before?.events.length ?? 0; i < after.events.length; i++) {
    const event = after.events[i]!;
    if (!event.state) continue;
    out.push({
      id: `msg_${after.id}_${i}`,
      jobId: after.id,
      tenantId: after.tenantId,
      url: callback.url,
      eventType: `job.${event.state}`,
      payload: webhookPayload(after, i),
      ...(after.traceId ? { traceId: after.traceId } : {}),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
  }
  return out;
}
