/**
 * Dispatch: place a job against the current clusters, routing policy and usage; record the
 * decision together with the job's reservation (one conditional write that also moves the usage
 * counters, so quotas hold across any number of edge instances); then publish it to the cluster's
 * queue. A job left `dispatched` by a crash before the publish is published again by
 * `redispatchStale` (drainers are idempotent).
 */
import { iso } from '../base/clock.js';
import { kubeJobName, tenantNamespace } from '../targets/kubernetes/labels.js';
import type { Cluster } from '../domain/cluster.js';
import type { CreateMessage } from '../protocol/messages.js';
import { QuotaExceededError } from '../base/errors.js';
import { jobLogger } from '../base/job-log.js';
import { planAdmission } from '../placement/admission.js';
import {
  LayeredUsage,
  place,
  usageKeys,
  type ClusterSnapshot,
  type PreparedClusters,
} from '../placement/place.js';
import { quotaUsageKeys } from '../placement/usage.js';
import { limitReachedMessage, spendKeys } from '../placement/budget.js';
import { jobSpendReservation } from './spend.js';
import { jobGpus } from '../placement/gang.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Dispatcher } from '../jobs/dispatcher-port.js';
import { secondsSince } from '../metrics/registry.js';
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { mutateJob } from '../jobs/mutate.js';
import type { Decision, Job, JobSpec, Placement, Reservation } from '../domain/job.js';
import { transition } from '../domain/transition.js';
import { runKubeName } from '../domain/retry.js';
import { preparedOf } from './cluster-state.js';
import { releaseReportedGpus } from './released-gpus.js';
import { withPreemptionPreview } from './preemption.js';

/** Usage counters a decision for this tenant/project needs (quotas). */
async function quotaUsage(
  ctx: DispatchContext,
  policy: CompiledPolicy,
  tenantId: string,
  spec: JobSpec,
): Promise<Record<string, number>> {
  const acc = spec.resources.accelerator;
  if (!acc) return {};
  const limited = [
    ...quotaUsageKeys(policy, tenantId, spec.project, acc.type),
    ...spendKeys(policy, tenantId, spec.project),
  ].filter((k) => k.max !== undefined);
  return limited.length ? ctx.store.usage.get(limited.map((k) => k.key)) : {};
}

export interface DecideInput {
  tenantId: string;
  spec: JobSpec;
  /** The clusters, or their prepared form (shared by the decisions of one snapshot). */
  clusters: readonly ClusterSnapshot[] | PreparedClusters;
  blocked?: readonly string[];
  policy: CompiledPolicy;
  usage: Readonly<Record<string, number>> | ReadonlyMap<string, number> | LayeredUsage;
}

export function decide(ctx: DispatchContext, input: DecideInput): Decision {
  const now = ctx.clock.now();
  const started = performance.now();
  const result = place({
    spec: input.spec,
    tenantId: input.tenantId,
    clusters: input.clusters,
    blocked: input.blocked ?? [],
    policy: input.policy,
    usage: input.usage,
    now,
    heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
  });
  ctx.metrics?.observe(
    'switchyard_placement_duration_seconds',
    'Time to decide where one job goes (in-process CPU; 0 on the Worker, see docs/metrics.md)',
    secondsSince(started),
  );
  // Not `{ ...result, evaluatedAt }`: adding a key to a spread copy is a slow path in V8 (Node 20).
  return Object.assign({}, result, { evaluatedAt: iso(now) });
}

/** Everything needed to decide for one job now: snapshots, policy, usage. */
export async function decideNow(
  ctx: DispatchContext,
  tenantId: string,
  spec: JobSpec,
  blocked: readonly string[] = [],
) {
  const policy = await ctx.policy.compiled();
  const [state, quota] = await Promise.all([
    ctx.clusterState.recent(),
    quotaUsage(ctx, policy, tenantId, spec),
  ]);
  const usage = Object.keys(quota).length ? new LayeredUsage(state.usage, quota) : state.usage;
  const clusters = preparedOf(state);
  return {
    decision: decide(ctx, { tenantId, spec, clusters, blocked, policy, usage }),
    snapshots: state.snapshots,
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
    ...(job.traceId ? { traceId: job.traceId } : {}),
  };
}

/** The line that follows a job into its queue: `grep <trace id>` shows it between submit and create. */
function logPublished(ctx: DispatchContext, job: Job): void {
  jobLogger(ctx.log, job.id, job.traceId).info('create published', {
    queue: job.placement!.queue,
    cluster: job.placement!.clusterId,
  });
}

export async function publishCreate(ctx: DispatchContext, job: Job): Promise<void> {
  try {
    await ctx.queue.publish(job.placement!.queue, createMessage(job));
    logPublished(ctx, job);
  } catch (e) {
    jobLogger(ctx.log, job.id, job.traceId).warn(
      'publish failed; the job will be published again by the redispatch sweep',
      { error: String(e) },
    );
  }
}

function reservationFor(job: Job, cluster: Cluster, policy: CompiledPolicy): Reservation[] {
  const acc = job.spec.resources.accelerator;
  const gpus = usageKeys(job.tenantId, job.spec.project, acc?.type, cluster.id, policy).map(
    (k) => ({
      key: k.key,
      amount: k.unit === 'gpus' ? jobGpus(job.spec) : 1,
      ...(k.max !== undefined ? { max: k.max } : {}),
    }),
  );
  return acc ? [...gpus, ...jobSpendReservation(policy, job, cluster, acc)] : gpus;
}

const WAITING_REASON = {
  quota: 'WaitingForQuota',
  budget: 'WaitingForBudget',
  capacity: 'WaitingForCapacity',
} as const;

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
      // A retried run gets its own Kubernetes name: the failed run's Job may still exist.
      kubeName: runKubeName(job, kubeJobName(job.id)),
      attempt: (job.placement?.attempt ?? 0) + 1,
    };
    const reservation = reservationFor(job, cluster, policy);
    return transition(job, 'dispatched', 'Placed', decision.message, at, {
      placement,
      decision,
      reservation,
    });
  }
  if (decision.outcome === 'pending') {
    if (job.state === 'pending') return undefined;
    const reason = WAITING_REASON[decision.waitingFor ?? 'capacity'];
    return transition(job, 'pending', reason, decision.message, at, { decision });
  }
  return transition(job, 'rejected', 'NoFeasibleCluster', decision.message, at, { decision });
}

/**
 * Writes a decision for a `received`/`pending` job. When another instance took the last of a quota
 * or of a cluster's room in the meantime (the reservation's conditional write fails), the job
 * waits instead.
 */
export async function commitDecision(
  ctx: DispatchContext,
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
            limitReachedMessage(e.key, e.message),
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
export async function admitPending(ctx: DispatchContext, limit = 2_000): Promise<number> {
  // A retried job waits out its backoff first.
  const now = ctx.clock.now();
  const pending = (await ctx.store.jobs.listByState(['pending'], limit)).filter(
    (j) => !j.retryAt || Date.parse(j.retryAt) <= now,
  );
  if (pending.length === 0) return 0;
  const policy = await ctx.policy.compiled();
  const [snapshots, usage] = await Promise.all([ctx.clusterState.read(), ctx.store.usage.list('')]);
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
  // Submissions here must see what this admission placed.
  if (admitted > 0) ctx.clusterState.forget();
  return admitted;
}

/** Publishes again dispatched jobs no drainer has picked up for a while (lost or unsent message). */
export async function redispatchStale(ctx: DispatchContext, limit = 500): Promise<number> {
  const now = ctx.clock.now();
  // Only the due ones, least recently written first: the cost follows what is due, and a stale job
  // is found however many fresh dispatched jobs there are (the first `limit` by age hid it).
  const stale = await ctx.store.jobs.listStale(
    'dispatched',
    iso(now - ctx.settings.redispatchAfterMs),
    limit,
  );
  // All at once: independent jobs, so their writes share a group commit instead of one each.
  await Promise.all(
    stale.map(async (job) => {
      const { job: touched, changed } = await mutateJob(ctx, job.id, (j) =>
        j.state === 'dispatched' && j.updatedAt === job.updatedAt
          ? { ...j, updatedAt: iso(now) }
          : undefined,
      );
      if (changed) await publishCreate(ctx, touched);
    }),
  );
  return stale.length;
}

/** The job service's view of dispatch (see `jobs/dispatcher-port.ts`). */
export function createDispatcher(ctx: DispatchContext): Dispatcher {
  return {
    async decide(tenantId, spec, options) {
      const now = await decideNow(ctx, tenantId, spec);
      const { snapshots, policy } = now;
      // Explain of a job waiting for room: what preemption would do (the maintenance sweep does it).
      const decision = options?.explain
        ? await withPreemptionPreview(ctx, tenantId, spec, now.decision)
        : now.decision;
      const cluster = snapshots.find((s) => s.cluster.id === decision.clusterId)?.cluster;
      return { decision, apply: (job, at) => applyDecision(job, decision, cluster, at, policy) };
    },
    async createAndHandOff(job, changes, outbox) {
      if (job.state !== 'dispatched') return ctx.store.jobs.create(job, changes, outbox);
      const message = { queue: job.placement!.queue, body: createMessage(job) };
      if (ctx.jobPublish) await ctx.jobPublish.createAndPublish(job, changes, outbox, message);
      else await ctx.store.jobs.create(job, changes, outbox);
      await ctx.clusterState.noteDispatched(job);
      if (!ctx.jobPublish) await publishCreate(ctx, job);
      else logPublished(ctx, job); // stored and published in one transaction above
    },
    async released(job) {
      await releaseReportedGpus(ctx, job);
      ctx.clusterState.forget();
    },
  };
}
