/**
 * Dispatch: place a job against the current clusters, routing policy and usage; record the
 * decision together with the job's reservation (one conditional write that also moves the usage
 * counters, so quotas hold across any number of edge instances); then publish it to the cluster's
 * queue. A job left `dispatched` by a crash before the publish is published again by
 * `redispatchStale` (drainers are idempotent).
 */
import { iso } from '../clock.js';
import { kubeJobName, tenantNamespace } from '../cluster/labels.js';
import type { Cluster } from '../clusters/model.js';
import type { CreateMessage } from '../drainer/messages.js';
import { QuotaExceededError } from '../errors.js';
import { planAdmission } from '../placement/admission.js';
import { place, usageKeys, type ClusterSnapshot } from '../placement/place.js';
import { quotaUsageKeys } from '../placement/usage.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { createPolicyService, type PolicyService } from '../policy/service.js';
import type { CoreContext } from './context.js';
import { mutateJob, nowIso } from './context.js';
import type { Decision, Job, JobSpec, Placement, Reservation } from './model.js';
import { transition } from './transition.js';

const policies = new WeakMap<CoreContext, PolicyService>();

/** The routing policy service of this context (one per context, cached). */
export function policyOf(ctx: CoreContext): PolicyService {
  let service = policies.get(ctx);
  if (!service) policies.set(ctx, (service = createPolicyService(ctx)));
  return service;
}

/**
 * The clusters with what Switchyard has committed to them beyond their last capacity report:
 * `cluster:<id>:<acc>` counts every GPU Switchyard placed there, the report counts the GPUs in
 * use; the difference is work dispatched but not yet visible in the report.
 */
export async function clusterSnapshots(ctx: CoreContext): Promise<ClusterSnapshot[]> {
  return (await clusterState(ctx)).snapshots;
}

interface ClusterState {
  snapshots: ClusterSnapshot[];
  /** The `cluster:*` usage counters (GPUs and jobs Switchyard placed on each cluster). */
  usage: Record<string, number>;
}

async function clusterState(ctx: CoreContext): Promise<ClusterState> {
  const [clusters, usage] = await Promise.all([
    ctx.store.clusters.list(),
    ctx.store.usage.list('cluster:'),
  ]);
  const snapshots = clusters.map((cluster) => {
    const committedGpus: Record<string, number> = {};
    for (const pool of cluster.pools) {
      const acc = pool.accelerator;
      const placed = usage[`cluster:${cluster.id}:${acc}`] ?? 0;
      const report = cluster.capacity?.accelerators[acc];
      const usedInReport = report ? report.total - report.free : 0;
      committedGpus[acc] = Math.max(0, placed - usedInReport);
    }
    return { cluster, committedGpus };
  });
  return { snapshots, usage };
}

const SNAPSHOT_TTL_MS = 500;
const stateCache = new WeakMap<CoreContext, { at: number; value: Promise<ClusterState> }>();

/**
 * The cluster state for the submit path, shared by the submissions of the next half second: a
 * burst reads the clusters once, and this instance's own dispatches are added to it as they
 * happen (`noteDispatched`). Quotas stay exact (they are conditions of the reservation's write);
 * what other instances placed within that half second is not seen, which a cluster absorbs by
 * queueing.
 */
function recentState(ctx: CoreContext): Promise<ClusterState> {
  const now = ctx.clock.now();
  const hit = stateCache.get(ctx);
  if (hit && now - hit.at < SNAPSHOT_TTL_MS) return hit.value;
  const value = clusterState(ctx);
  stateCache.set(ctx, { at: now, value });
  value.catch(() => stateCache.delete(ctx));
  return value;
}

/** Adds a job this instance just dispatched to the cached cluster state. */
export async function noteDispatched(ctx: CoreContext, job: Job): Promise<void> {
  const cached = stateCache.get(ctx);
  if (!cached || !job.placement) return;
  const state = await cached.value.catch(() => undefined);
  const snap = state?.snapshots.find((s) => s.cluster.id === job.placement!.clusterId);
  if (!state || !snap) return;
  const acc = job.spec.resources.accelerator;
  if (acc) snap.committedGpus[acc.type] = (snap.committedGpus[acc.type] ?? 0) + acc.count;
  const jobsKey = `cluster:${snap.cluster.id}:jobs`;
  state.usage[jobsKey] = (state.usage[jobsKey] ?? 0) + 1;
}

/** Usage counters a decision for this tenant/project needs (quotas). */
async function quotaUsage(
  ctx: CoreContext,
  policy: CompiledPolicy,
  tenantId: string,
  spec: JobSpec,
): Promise<Record<string, number>> {
  const acc = spec.resources.accelerator;
  if (!acc) return {};
  const limited = quotaUsageKeys(policy, tenantId, spec.project, acc.type).filter(
    (k) => k.max !== undefined,
  );
  return limited.length ? ctx.store.usage.get(limited.map((k) => k.key)) : {};
}

export interface DecideInput {
  tenantId: string;
  spec: JobSpec;
  snapshots: readonly ClusterSnapshot[];
  blocked?: readonly string[];
  policy: CompiledPolicy;
  usage: Record<string, number>;
}

export function decide(ctx: CoreContext, input: DecideInput): Decision {
  const now = ctx.clock.now();
  const result = place({
    spec: input.spec,
    tenantId: input.tenantId,
    clusters: input.snapshots,
    blocked: input.blocked ?? [],
    policy: input.policy,
    usage: input.usage,
    now,
    heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
  });
  return { ...result, evaluatedAt: iso(now) };
}

/** Everything needed to decide for one job now: snapshots, policy, usage. */
export async function decideNow(
  ctx: CoreContext,
  tenantId: string,
  spec: JobSpec,
  blocked: readonly string[] = [],
) {
  const policy = await policyOf(ctx).compiled();
  const [state, quota] = await Promise.all([
    recentState(ctx),
    quotaUsage(ctx, policy, tenantId, spec),
  ]);
  const snapshots = state.snapshots;
  const usage = { ...state.usage, ...quota };
  return {
    decision: decide(ctx, { tenantId, spec, snapshots, blocked, policy, usage }),
    snapshots,
    policy,
  };
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

function reservationFor(job: Job, clusterId: string, policy: CompiledPolicy): Reservation[] {
  const acc = job.spec.resources.accelerator;
  return usageKeys(job.tenantId, job.spec.project, acc?.type, clusterId, policy).map((k) => ({
    key: k.key,
    amount: k.unit === 'gpus' ? (acc?.count ?? 0) : 1,
    ...(k.max !== undefined ? { max: k.max } : {}),
  }));
}

/** Applies a decision to a job that is `received` or `pending`: dispatch, wait, or reject. */
export function applyDecision(
  job: Job,
  decision: Decision,
  cluster: Cluster | undefined,
  at: string,
  policy: CompiledPolicy,
): Job | undefined {
  if (decision.outcome === 'placed' && cluster) {
    const placement: Placement = {
      clusterId: cluster.id,
      queue: cluster.queue,
      namespace: tenantNamespace(job.tenantId),
      kubeName: kubeJobName(job.id),
      attempt: (job.placement?.attempt ?? 0) + 1,
    };
    const reservation = reservationFor(job, cluster.id, policy);
    return transition(job, 'dispatched', 'Placed', decision.message, at, {
      placement,
      decision,
      reservation,
    });
  }
  if (decision.outcome === 'pending') {
    if (job.state === 'pending') return undefined;
    return transition(job, 'pending', 'WaitingForCapacity', decision.message, at, { decision });
  }
  return transition(job, 'rejected', 'NoFeasibleCluster', decision.message, at, { decision });
}

/**
 * Writes a decision for a `received`/`pending` job. When another instance took the last of a quota
 * or of a cluster's room in the meantime (the reservation's conditional write fails), the job
 * waits instead.
 */
export async function commitDecision(
  ctx: CoreContext,
  jobId: string,
  decision: Decision,
  cluster: Cluster | undefined,
  policy: CompiledPolicy,
): Promise<Job> {
  const waitable = (j: Job) => j.state === 'received' || j.state === 'pending';
  try {
    const { job, changed } = await mutateJob(ctx, jobId, (j) =>
      waitable(j) ? applyDecision(j, decision, cluster, nowIso(ctx), policy) : undefined,
    );
    if (changed && job.state === 'dispatched') await publishCreate(ctx, job);
    return job;
  } catch (e) {
    if (!(e instanceof QuotaExceededError)) throw e;
    const { job } = await mutateJob(ctx, jobId, (j) =>
      j.state === 'received'
        ? transition(
            j,
            'pending',
            'QuotaReached',
            `${e.message}; the job waits until usage falls`,
            nowIso(ctx),
            { decision },
          )
        : undefined,
    );
    return job;
  }
}

/**
 * Admits pending jobs in order of priority, then fair share between tenants, then age, while
 * capacity and quotas allow. Returns how many were dispatched.
 */
export async function admitPending(ctx: CoreContext, limit = 2_000): Promise<number> {
  const pending = await ctx.store.jobs.listByState(['pending'], limit);
  if (pending.length === 0) return 0;
  const policy = await policyOf(ctx).compiled();
  const [snapshots, usage] = await Promise.all([clusterSnapshots(ctx), ctx.store.usage.list('')]);
  const plan = planAdmission({
    pending: pending.map((j) => ({
      id: j.id,
      tenantId: j.tenantId,
      spec: j.spec,
      createdAt: j.createdAt,
      blocked: j.blockedClusters ?? [],
    })),
    clusters: snapshots,
    policy,
    usage,
    now: ctx.clock.now(),
    heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
    // Stored decisions keep the 32 best and 32 filtered candidates (the rest are counted).
    maxCandidates: 32,
  });
  const byId = new Map(snapshots.map((s) => [s.cluster.id, s.cluster]));
  let admitted = 0;
  for (const { jobId, decision: result } of plan) {
    const decision: Decision = { ...result, evaluatedAt: nowIso(ctx) };
    const cluster = decision.clusterId ? byId.get(decision.clusterId) : undefined;
    const job = await commitDecision(ctx, jobId, decision, cluster, policy);
    if (job.state === 'dispatched' && job.decision?.evaluatedAt === decision.evaluatedAt)
      admitted++;
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
