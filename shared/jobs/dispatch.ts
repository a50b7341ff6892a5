/**
 * Dispatch: place a job with the current cluster snapshot, record the decision, and publish it to
 * the chosen cluster's queue. Publishing happens after the state write; a job left `dispatched`
 * by a crash in between is published again by `redispatchStale` (drainers are idempotent).
 */
import { iso } from '../clock.js';
import { kubeJobName, tenantNamespace } from '../cluster/labels.js';
import type { Cluster } from '../clusters/model.js';
import type { CreateMessage } from '../drainer/messages.js';
import { place, type ClusterSnapshot } from '../placement/place.js';
import type { CoreContext } from './context.js';
import { mutateJob, nowIso } from './context.js';
import type { Decision, Job, JobSpec, Placement } from './model.js';
import { transition } from './transition.js';

/** Jobs holding capacity that the clusters' own capacity reports do not show yet. */
const COMMITTED_STATES = ['dispatched', 'submitted'] as const;

export async function clusterSnapshots(ctx: CoreContext): Promise<ClusterSnapshot[]> {
  const [clusters, inflight] = await Promise.all([
    ctx.store.clusters.list(),
    ctx.store.jobs.listByState(COMMITTED_STATES, 10_000),
  ]);
  const committed = new Map<string, Record<string, number>>();
  for (const job of inflight) commit(committed, job);
  return clusters.map((cluster) => ({ cluster, committedGpus: committed.get(cluster.id) ?? {} }));
}

function commit(committed: Map<string, Record<string, number>>, job: Job): void {
  const acc = job.spec.resources.accelerator;
  if (!acc || !job.placement) return;
  const perCluster = committed.get(job.placement.clusterId) ?? {};
  perCluster[acc.type] = (perCluster[acc.type] ?? 0) + acc.count;
  committed.set(job.placement.clusterId, perCluster);
}

export function decide(
  ctx: CoreContext,
  spec: JobSpec,
  snapshots: readonly ClusterSnapshot[],
  blocked: readonly string[] = [],
): Decision {
  const now = ctx.clock.now();
  const result = place({
    spec,
    clusters: snapshots,
    blocked,
    now,
    heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
  });
  return { ...result, evaluatedAt: iso(now) };
}

export function createMessage(job: Job): CreateMessage {
  const { callback: _secretStaysHome, ...spec } = job.spec;
  return {
    kind: 'create',
    jobId: job.id,
    tenantId: job.tenantId,
    submittedBy: job.submittedBy,
    placement: job.placement!,
    spec,
  };
}

export async function publishCreate(ctx: CoreContext, job: Job): Promise<void> {
  try {
    await ctx.queue.publish(job.placement!.queue, createMessage(job));
  } catch (e) {
    ctx.log.warn('publish failed; the job will be published again by the redispatch sweep', {
      jobId: job.id,
      error: String(e),
    });
  }
}

/** Applies a decision to a job that is `received` or `pending`: dispatch, wait, or reject. */
export function applyDecision(
  job: Job,
  decision: Decision,
  cluster: Cluster | undefined,
  at: string,
): Job | undefined {
  if (decision.outcome === 'placed' && cluster) {
    const placement: Placement = {
      clusterId: cluster.id,
      queue: cluster.queue,
      namespace: tenantNamespace(job.tenantId),
      kubeName: kubeJobName(job.id),
      attempt: (job.placement?.attempt ?? 0) + 1,
    };
    return transition(job, 'dispatched', 'Placed', decision.message, at, { placement, decision });
  }
  if (decision.outcome === 'pending') {
    if (job.state === 'pending') return undefined;
    return transition(job, 'pending', 'WaitingForCapacity', decision.message, at, { decision });
  }
  return transition(job, 'rejected', 'NoFeasibleCluster', decision.message, at, { decision });
}

/**
 * Admits pending jobs in order of priority, then age, while capacity allows. Returns how many
 * were dispatched.
 */
export async function admitPending(ctx: CoreContext, limit = 500): Promise<number> {
  const pending = await ctx.store.jobs.listByState(['pending'], limit);
  if (pending.length === 0) return 0;
  pending.sort(
    (a, b) => b.spec.priority - a.spec.priority || a.createdAt.localeCompare(b.createdAt),
  );
  const snapshots = await clusterSnapshots(ctx);
  const byId = new Map(snapshots.map((s) => [s.cluster.id, s]));
  let admitted = 0;
  for (const candidate of pending) {
    const decision = decide(ctx, candidate.spec, snapshots);
    if (decision.outcome === 'pending') continue;
    const cluster = decision.clusterId ? byId.get(decision.clusterId)?.cluster : undefined;
    const { job, changed } = await mutateJob(ctx, candidate.id, (j) =>
      j.state === 'pending' ? applyDecision(j, decision, cluster, nowIso(ctx)) : undefined,
    );
    if (!changed || job.state !== 'dispatched') continue;
    admitted++;
    const snap = byId.get(job.placement!.clusterId)!;
    const acc = job.spec.resources.accelerator;
    if (acc) snap.committedGpus[acc.type] = (snap.committedGpus[acc.type] ?? 0) + acc.count;
    await publishCreate(ctx, job);
  }
  return admitted;
}

/** Publishes again dispatched jobs no drainer has picked up for a while (lost or unsent message). */
export async function redispatchStale(ctx: CoreContext, limit = 500): Promise<number> {
  const now = ctx.clock.now();
  const stale = (await ctx.store.jobs.listByState(['dispatched'], limit)).filter(
    (j) => now - Date.parse(j.updatedAt) > ctx.settings.redispatchAfterMs,
  );
  for (const job of stale) {
    const { job: touched, changed } = await mutateJob(ctx, job.id, (j) =>
      j.state === 'dispatched' && j.updatedAt === job.updatedAt
        ? { ...j, updatedAt: iso(now) }
        : undefined,
    );
    if (changed) await publishCreate(ctx, touched);
  }
  return stale.length;
}
