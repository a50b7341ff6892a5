/**
 * The queues as a tenant sees them: every queue a cluster drains, the clusters behind it, and the
 * caller's own jobs in it (its tenant's, in the projects its token may use) — waiting (published, not yet taken by a drainer) with the oldest wait,
 * and started (created in the cluster, not finished) — plus the jobs waiting for capacity or
 * quota, which are on no queue yet. Counted from job states in the store, so the view is the same
 * on every queue driver (Pub/Sub and Cloudflare Queues have no cheap depth call).
 */
import type { Principal } from '../domain/principal.js';
import { requireScope } from '../domain/principal.js';
import type { CoreContext } from '../context/core-context.js';
import type { Job, JobState } from '../domain/job.js';

export interface QueueView {
  queue: string;
  /** Clusters whose drainers consume this queue, by id. */
  clusters: string[];
  /** The tenant's jobs published and not yet taken by a drainer. */
  waiting: number;
  /** When the longest-waiting of them was dispatched. */
  oldestWaitingSince: string | null;
  /** The tenant's jobs created in a cluster and not finished. */
  started: number;
}

export interface QueuesView {
  items: QueueView[];
  /** The tenant's jobs waiting for capacity or quota (not on a queue yet). */
  pending: number;
  /** True when the tenant has more unfinished jobs than were counted (`limit`). */
  truncated: boolean;
}

const COUNTED: JobState[] = ['pending', 'dispatched', 'submitted', 'running'];
const PAGE = 500;

/**
 * The unfinished jobs `p` may see, read through the tenant-and-state index (or, for a token with
 * named projects, each project's index), at most `limit`.
 */
async function unfinishedJobs(
  ctx: CoreContext,
  p: Principal,
  limit: number,
): Promise<{ jobs: Job[]; truncated: boolean }> {
  // One more than the limit is read, to know whether there are more.
  const jobs: Job[] = [];
  const projects = p.projects.includes('*') ? [undefined] : [...new Set(p.projects)];
  for (const [state, project] of COUNTED.flatMap((s) => projects.map((pr) => [s, pr] as const))) {
    let cursor: string | undefined;
    do {
      const page = await ctx.store.jobs.list({
        tenantId: p.tenantId,
        state,
        ...(project !== undefined ? { project } : {}),
        limit: Math.min(PAGE, limit + 1 - jobs.length),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      jobs.push(...page.items);
      cursor = page.nextCursor;
      if (jobs.length > limit) return { jobs: jobs.slice(0, limit), truncated: true };
    } while (cursor !== undefined);
  }
  return { jobs, truncated: false };
}

export async function tenantQueues(
  ctx: CoreContext,
  principal: Principal,
  limit = 10_000,
): Promise<QueuesView> {
  requireScope(principal, 'jobs:read');
  const [clusters, { jobs, truncated }] = await Promise.all([
    ctx.store.clusters.list(),
    unfinishedJobs(ctx, principal, limit),
  ]);
  const byQueue = new Map<string, QueueView>();
  const queueOf = (name: string) => {
    let view = byQueue.get(name);
    if (!view) {
      view = { queue: name, clusters: [], waiting: 0, oldestWaitingSince: null, started: 0 };
      byQueue.set(name, view);
    }
    return view;
  };
  for (const c of clusters) queueOf(c.queue).clusters.push(c.id);
  let pending = 0;
  for (const job of jobs) {
    if (job.state === 'pending') pending++;
    if (job.state === 'pending' || !job.placement) continue;
    const view = queueOf(job.placement.queue);
    if (job.state === 'dispatched') {
      view.waiting++;
      if (view.oldestWaitingSince === null || job.updatedAt < view.oldestWaitingSince) {
        view.oldestWaitingSince = job.updatedAt;
      }
    } else view.started++;
  }
  const items = [...byQueue.values()].sort((a, b) => (a.queue < b.queue ? -1 : 1));
  for (const view of items) view.clusters.sort();
  return { items, pending, truncated };
}
