/**
 * The gauges `/metrics` computes at scrape time from the store and the queue: clusters (GPUs by
 * type, state, heartbeat age), queues (depth, oldest message, dead letters, where the driver can
 * tell), active jobs by state (an index count), and — only for a token with `metrics:tenants` —
 * per-tenant pending jobs and GPUs in use. The series are listed in docs/metrics.md.
 */
import { isTerminal, JOB_STATES, type Job } from '../domain/job.js';
import { jobGpus } from '../placement/gang.js';
import { isOffline } from '../placement/place.js';
import type { Cluster } from '../domain/cluster.js';
import type { CoreContext } from '../context/core-context.js';
import type { Gauge } from '../metrics/registry.js';

/** Most active jobs read for the per-tenant series (admin-only; the rest is exact counts). */
export const TENANT_SCAN_LIMIT = 10_000;
const STARTED = ['dispatched', 'submitted', 'running'] as const;

function clusterGauges(clusters: readonly Cluster[], now: number, timeoutMs: number): Gauge[] {
  const out: Gauge[] = [];
  const g = (name: string, help: string, labels: Record<string, string>, value: number) =>
    out.push({ name, help, labels, value });
  for (const c of clusters) {
    g(
      'switchyard_cluster_state',
      'Admin state of each cluster (1 for its state)',
      { cluster: c.id, state: c.state },
      1,
    );
    g(
      'switchyard_cluster_online',
      'Whether the cluster heartbeat is within heartbeatTimeoutMs (1) or not (0)',
      { cluster: c.id },
      c.capacity && !isOffline(c, now, timeoutMs) ? 1 : 0,
    );
    if (!c.capacity) continue;
    g(
      'switchyard_cluster_heartbeat_age_seconds',
      'Seconds since the cluster drainer last reported capacity',
      { cluster: c.id },
      Math.max(0, (now - Date.parse(c.capacity.reportedAt)) / 1000),
    );
    out.push(...drainerCounters(c));
    for (const [accelerator, a] of Object.entries(c.capacity.accelerators)) {
      const labels = { cluster: c.id, accelerator };
      g('switchyard_cluster_gpus_total', 'GPUs of each type a cluster reports', labels, a.total);
      g('switchyard_cluster_gpus_free', 'Free GPUs of each type a cluster reports', labels, a.free);
    }
  }
  return out;
}

/** The totals the cluster's drainer shipped with its last heartbeat (shared/drainer/stats.ts). */
function drainerCounters(c: Cluster): Gauge[] {
  const d = c.capacity?.drainer;
  if (!d) return [];
  const type = 'counter' as const;
  return [
    ...Object.entries(d.creates).map(([outcome, value]) => ({
      name: 'switchyard_drainer_creates_total',
      help: 'Creates the drainer tried on each cluster, by outcome (ok or the error class)',
      labels: { cluster: c.id, outcome },
      value,
      type,
    })),
    {
      name: 'switchyard_drainer_request_budget_wait_seconds_total',
      help: "Seconds the drainer's requests waited for the cluster's client-side request budget",
      labels: { cluster: c.id },
      value: d.budgetWaitSeconds,
      type,
    },
  ];
}

async function queueGauges(ctx: CoreContext, queues: readonly string[]): Promise<Gauge[]> {
  const stats = ctx.queue.stats;
  if (!stats) return [];
  const out: Gauge[] = [];
  for (const queue of [...new Set(queues)].sort()) {
    const s = await stats.call(ctx.queue, queue);
    const labels = { queue };
    out.push(
      {
        name: 'switchyard_queue_depth',
        help: 'Messages waiting or in flight',
        labels,
        value: s.depth,
      },
      {
        name: 'switchyard_queue_dead_letters',
        help: 'Dead-lettered messages',
        labels,
        value: s.deadLetters,
      },
      {
        name: 'switchyard_queue_oldest_message_age_seconds',
        help: 'Age of the oldest live message (0 when empty)',
        labels,
        value: s.oldestPublishedAt
          ? Math.max(0, (ctx.clock.now() - Date.parse(s.oldestPublishedAt)) / 1000)
          : 0,
      },
    );
  }
  return out;
}

/** Per tenant: pending jobs, and GPUs held by started jobs by type (admin-only). */
function tenantGauges(active: readonly Job[]): Gauge[] {
  const pending = new Map<string, number>();
  const gpus = new Map<string, { tenant: string; accelerator: string; value: number }>();
  for (const j of active) {
    if (j.state === 'pending') pending.set(j.tenantId, (pending.get(j.tenantId) ?? 0) + 1);
    const type = j.spec.resources?.accelerator?.type;
    if (!type || !(STARTED as readonly string[]).includes(j.state)) continue;
    const key = `${j.tenantId}\n${type}`;
    const row = gpus.get(key) ?? { tenant: j.tenantId, accelerator: type, value: 0 };
    row.value += jobGpus(j.spec);
    gpus.set(key, row);
  }
  return [
    ...[...pending].map(([tenant, value]) => ({
      name: 'switchyard_tenant_jobs_pending',
      help: 'Pending jobs per tenant',
      labels: { tenant },
      value,
    })),
    ...[...gpus.values()].map(({ tenant, accelerator, value }) => ({
      name: 'switchyard_tenant_gpus_in_use',
      help: 'GPUs held by dispatched, submitted or running jobs, per tenant and type',
      labels: { tenant, accelerator },
      value,
    })),
  ];
}

export async function scrapeGauges(
  ctx: CoreContext,
  options: { tenants: boolean },
): Promise<Gauge[]> {
  const active = JOB_STATES.filter((s) => !isTerminal(s));
  const [clusters, counts] = await Promise.all([
    ctx.store.clusters.list(),
    ctx.store.jobs.countByState(active),
  ]);
  const jobs: Gauge[] = Object.entries(counts).map(([state, value]) => ({
    name: 'switchyard_jobs_active',
    help: 'Jobs not yet ended, by state',
    labels: { state },
    value,
  }));
  const tenants = options.tenants
    ? tenantGauges(await ctx.store.jobs.listByState(['pending', ...STARTED], TENANT_SCAN_LIMIT))
    : [];
  return [
    ...clusterGauges(clusters, ctx.clock.now(), ctx.settings.heartbeatTimeoutMs),
    ...(await queueGauges(
      ctx,
      clusters.map((c) => c.queue),
    )),
    ...jobs,
    ...tenants,
  ];
}
