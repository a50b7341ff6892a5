/**
 * Redrive of a job's dead letters (`POST /v1/jobs/:id/deliveries:redrive`): each dead-lettered
 * status webhook goes back to pending, its attempts reset and due now, and the ordinary delivery
 * worker sends it again, in the job's creation order, signed as before. Each one moves with a
 * conditional write on its version, so of two redrives at once exactly one puts a given delivery
 * back, and a delivery the worker is sending meanwhile is never queued twice. Edge-safe.
 */
import { z } from 'zod';
import { AppError, VersionConflictError } from '../base/errors.js';
import { fieldsError, issuesOf } from '../base/validation.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { jobOwner, loadOwned } from '../auth/ownership.js';
import type { Job } from '../domain/job.js';
import { requireScope, type Principal } from '../domain/principal.js';
import type { Delivery, DeliveryTable } from '../store/port.js';

/** Deliveries one request may name; a job has one per state it entered, far fewer than this. */
export const REDRIVE_MAX_IDS = 100;

export const redriveRequestSchema = z
  .object({
    deliveryIds: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(REDRIVE_MAX_IDS)
      .optional()
      .describe('only these deliveries of the job (default: every dead letter of the job)'),
  })
  .strict();
export type RedriveRequest = z.output<typeof redriveRequestSchema>;

export interface RedriveResult {
  redriven: number;
  /** The deliveries put back to pending, in the job's order. */
  ids: string[];
  /** Named deliveries that were not redriven, and why (not dead, or moved by someone else). */
  skipped: Array<{ id: string; reason: string }>;
}

export function parseRedriveRequest(body: unknown): RedriveRequest {
  const result = redriveRequestSchema.safeParse(body === undefined ? {} : body);
  if (result.success) return result.data;
  throw fieldsError(
    'BAD_REQUEST',
    'the redrive body is optional; when sent it is { "deliveryIds": ["dlv_…", …] } ' +
      `(1 to ${REDRIVE_MAX_IDS} ids from GET /v1/jobs/:id/deliveries)`,
    issuesOf(result.error),
  );
}

/**
 * Puts the dead letter `d` back to pending, attempts 0, due `now`, if nobody changed it since it
 * was read (compare-and-set on its version). The stored record, or `undefined` when `d` is not
 * dead or was changed meanwhile. Its last status and error stay, as the history of why it died.
 */
export async function redriveDelivery(
  table: DeliveryTable,
  d: Delivery,
  now: string,
): Promise<Delivery | undefined> {
  if (d.state !== 'dead') return undefined;
  try {
    return await table.update({
      ...d,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      redrivenAt: now,
      updatedAt: now,
    });
  } catch (e) {
    if (e instanceof VersionConflictError) return undefined;
    throw e;
  }
}

/**
 * The caller's job's dead letters (or the named ones) back to pending. Needs `jobs:submit`, the
 * scope that sets a job's callback; another tenant's or project's job is 404 like every job route.
 */
export async function redriveJobDeliveries(
  ctx: CoreContext,
  caller: Principal,
  jobId: string,
  body: unknown,
): Promise<RedriveResult> {
  requireScope(caller, 'jobs:submit');
  const request = parseRedriveRequest(body);
  const job = await loadOwned<Job>(
    caller,
    { name: 'job', load: (id) => ctx.store.jobs.get(id), owner: jobOwner },
    jobId,
  );
  const all = await ctx.store.deliveries.listByJob(job.id);
  const named = request.deliveryIds && new Set(request.deliveryIds);
  if (named) {
    const known = new Set(all.map((d) => d.id));
    const unknown = [...named].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new AppError(
        'BAD_REQUEST',
        `deliveryIds: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''} ` +
          `${unknown.length === 1 ? 'is not a delivery' : 'are not deliveries'} of job ${job.id}; ` +
          `list its deliveries with GET /v1/jobs/${job.id}/deliveries`,
        {
          details: {
            fields: [{ path: 'deliveryIds', message: 'unknown delivery id(s)' }],
            unknown,
          },
        },
      );
    }
  }
  const now = nowIso(ctx);
  const result: RedriveResult = { redriven: 0, ids: [], skipped: [] };
  for (const d of all) {
    if (named && !named.has(d.id)) continue;
    if (d.state !== 'dead') {
      if (named) result.skipped.push({ id: d.id, reason: `not a dead letter (${d.state})` });
      continue;
    }
    const stored = await redriveDelivery(ctx.store.deliveries, d, now);
    if (stored) result.ids.push(d.id);
    else result.skipped.push({ id: d.id, reason: 'changed by another request meanwhile' });
  }
  result.redriven = result.ids.length;
  if (result.redriven > 0) {
    ctx.log.info('webhook', { event: 'webhook.redriven', jobId: job.id, ids: result.ids });
  }
  return result;
}
