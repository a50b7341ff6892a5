/**
 * Listing a tenant's jobs as one principal may see them: only the projects its token may use.
 * A token with `*` reads the tenant's index directly; a token with a few projects reads each
 * project's index from the same cursor and merges them newest first, so a page is exact (never
 * short because of hidden jobs) and costs one bounded read per project.
 */
import type { Principal } from '../domain/principal.js';
import { canUseProject } from '../domain/principal.js';
import { compareNewestFirst, encodeCursor } from '../store/cursor.js';
import type { JobQuery, Page } from '../store/port.js';
import type { CoreContext } from '../context/core-context.js';
import type { Job } from '../domain/job.js';

/** `query` (without `tenantId`) over the jobs of `p`'s tenant that `p` may see. */
export async function listVisibleJobs(
  ctx: CoreContext,
  p: Principal,
  query: Omit<JobQuery, 'tenantId'>,
): Promise<Page<Job>> {
  const base: JobQuery = { ...query, tenantId: p.tenantId };
  if (query.project !== undefined) {
    return canUseProject(p, query.project) ? ctx.store.jobs.list(base) : { items: [] };
  }
  if (p.projects.includes('*')) return ctx.store.jobs.list(base);
  const pages = await Promise.all(
    [...new Set(p.projects)].map((project) => ctx.store.jobs.list({ ...base, project })),
  );
  const merged = pages.flatMap((page) => page.items).sort(compareNewestFirst);
  const items = merged.slice(0, query.limit);
  const more = merged.length > query.limit || pages.some((page) => page.nextCursor !== undefined);
  const last = items.at(-1);
  return more && last ? { items, nextCursor: encodeCursor(last) } : { items };
}
