/**
 * A job's status webhook deliveries and dead letters, as its owner may see them: state, attempts,
 * last HTTP status and our own error text, when it was last tried and last redriven. Never the
 * signed payload's secret, never the receiver's response body (it is not kept), and the callback
 * URL without query or credentials.
 */
import type { Principal } from '../domain/principal.js';
import type { CoreContext } from '../context/core-context.js';
import type { JobService } from '../jobs/service.js';
import type { Delivery } from '../store/port.js';

export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    eventType: d.eventType,
    state: d.state,
    deadLetter: d.state === 'dead',
    url: redactUrl(d.url),
    attempts: d.attempts,
    lastStatus: d.lastStatus ?? null,
    lastError: d.lastError ?? null,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null,
    lastAttemptAt: d.lastAttemptAt ?? null,
    redrivenAt: d.redrivenAt ?? null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** Scheme, host and path only: a query string may carry a receiver's token. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The caller's own job's deliveries in order; another tenant's job is "not found". */
export async function listJobDeliveries(
  ctx: CoreContext,
  jobs: JobService,
  caller: Principal,
  jobId: string,
) {
  const job = await jobs.get(caller, jobId);
  const items = (await ctx.store.deliveries.listByJob(job.id)).map(deliveryView);
  return { items, deadLetters: items.filter((d) => d.deadLetter).length };
}
