/**
 * The job's trace on its status webhooks: each request carries a W3C `traceparent` with the job's
 * trace id and a fresh span id (one per attempt, as each is its own request), and every log event
 * about a delivery names the job's trace id, so `grep <trace id>` reaches the webhook deliveries.
 * Deliveries stored before traces have no trace id and send no `traceparent`. Edge-safe.
 */
import { traceparentFor } from '../metrics/trace.js';
import type { Delivery } from '../store/port.js';

/** The `traceparent` header of one attempt of `d` (none for a delivery without a trace). */
export function traceHeaders(d: Pick<Delivery, 'traceId'>): { traceparent?: string } {
  return d.traceId ? { traceparent: traceparentFor(d.traceId) } : {};
}

/** What names `d` in a log event: its id, its job's id and, when it has one, the trace id. */
export function deliveryIds(d: Pick<Delivery, 'id' | 'jobId' | 'traceId'>) {
  return { deliveryId: d.id, jobId: d.jobId, ...(d.traceId ? { traceId: d.traceId } : {}) };
}
