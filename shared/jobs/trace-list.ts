/**
 * `GET /v1/jobs?traceId=…`: the jobs of one trace, found by reading the principal's visible jobs
 * newest first (./visible-list.ts) and keeping those with that trace id. No store index: a trace
 * is one job (or the few submitted under one client `traceparent`), so this is for finding a job
 * from a log line, not a bulk query. One request reads at most `TRACE_SCAN.pages` pages of
 * `TRACE_SCAN.page` jobs (4,000); past that it answers what it found with a `nextCursor` to read on
 * from.
 */
import { AppError } from '../base/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Job } from '../domain/job.js';
import { encodeCursor } from '../store/cursor.js';
import type { JobQuery, Page } from '../store/port.js';
import type { CoreContext } from '../context/core-context.js';
import { listVisibleJobs } from './visible-list.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
/** How much one request reads: pages of the store's largest page size. */
export const TRACE_SCAN = { page: 500, pages: 8 };

/** The trace id of a `traceId` query value (any case); `BAD_REQUEST` for anything else. */
export function parseTraceIdQuery(value: string): string {
  const id = value.trim().toLowerCase();
  if (!TRACE_ID.test(id) || /^0+$/.test(id)) {
    throw new AppError(
      'BAD_REQUEST',
      'traceId must be a W3C trace id: 32 hex digits, not all zero (the job view’s traceId, or the middle part of a traceparent)',
      { details: { query: 'traceId' } },
    );
  }
  return id;
}

/** Up to `query.limit` of `p`'s jobs with trace `traceId`, newest first, other filters kept. */
export async function listByTrace(
  ctx: CoreContext,
  p: Principal,
  query: Omit<JobQuery, 'tenantId'>,
  traceId: string,
  scan: { page: number; pages: number } = TRACE_SCAN,
): Promise<Page<Job>> {
  const found: Job[] = [];
  let cursor = query.cursor;
  for (let read = 0; read < scan.pages; read++) {
    const page = await listVisibleJobs(ctx, p, {
      ...query,
      limit: scan.page,
      ...(cursor ? { cursor } : {}),
    });
    for (const [i, job] of page.items.entries()) {
      if (job.traceId !== traceId) continue;
      found.push(job);
      if (found.length === query.limit) {
        const more = i < page.items.length - 1 || page.nextCursor !== undefined;
        return more ? { items: found, nextCursor: encodeCursor(job) } : { items: found };
      }
    }
    if (page.nextCursor === undefined) return { items: found };
    cursor = page.nextCursor;
  }
  return { items: found, nextCursor: cursor };
}
