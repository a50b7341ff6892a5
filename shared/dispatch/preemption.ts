/**
 * Doing preemption (the choice itself is placement/preempt.ts). A job waiting for room whose
 * routing policy allows preemption gets, on the maintenance sweep, one cluster and its victims:
 * each victim goes back to `pending` with reason `Preempted` (same id; its next placement is
 * attempt + 1; its reservation given back in the same write; webhooks from the outbox) and its
 * workload is deleted with the policy's grace period through the drainer's cancel message. The
 * preemptor is then placed on that cluster at once, so its reservation holds the freed GPUs: the
 * cluster's report still counts the victims' pods until they are gone, so no third job sees room.
 * Explain carries the plan it would carry out, not done (a submission does not plan one).
 */
import { jobLogger } from '../base/job-log.js';
import type { DispatchContext } from './context.js';
import { nowIso } from '../context/core-context.js';
import { iso } from '../base/clock.js';
import { mutateJob } from '../jobs/mutate.js';
import type { Decision, Job, JobSpec, PreemptionNote } from '../domain/job.js';
import { withEvent } from '../domain/transition.js';
import { endedAttempt } from '../domain/retry.js';
import type { CancelMessage } from '../protocol/messages.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { ClusterSnapshot } from '../placement/prepare.js';
import {
  choosePreemption,
  gpusOf,
  snapshotWithout,
  type PreemptionPlan,
  type PreemptResult,
  type RunningJob,
  type TenantShare,
} from '../placement/preempt.js';
import { commitDecision, decide } from './dispatch.js';

const HOLDING = ['dispatched', 'submitted', 'running'] as const;
/** Preemptors handled per sweep: each reads the fleet afresh. */
const PER_SWEEP = 4;

/** A job holding GPUs, as the victim choice sees it. */
export function asRunning(job: Job, now: number): RunningJob | undefined {
  const acc = job.spec.resources.accelerator;
  if (!acc || !job.placement) return undefined;
  let started: string | undefined;
  for (const e of job.events) if (e.state === 'running') started = e.at;
  return {
    id: job.id,
    tenantId: job.tenantId,
    project: job.spec.project,
    priority: job.decision?.effectivePriority ?? job.spec.priority,
    clusterId: job.placement.clusterId,
    accelerator: acc.type,
    perPod: acc.count,
    pods: job.spec.nodes ?? 1,
    runSeconds: started ? Math.max(0, Math.round((now - Date.parse(started)) / 1000)) : 0,
  };
}

/**
 * Each tenant's GPUs of `type` in use and its guaranteed part of the fleet's (share over the sum of
 * shares of the tenants named in the policy or running work; unnamed tenants weigh 1). Undefined
 * when the policy sets no shares: nothing is guaranteed.
 */
export function tenantShares(
  policy: CompiledPolicy,
  running: readonly RunningJob[],
  snapshots: readonly ClusterSnapshot[],
  type: string,
): Map<string, TenantShare> | undefined {
  if (policy.shares.size === 0) return undefined;
  let fleet = 0;
  for (const { cluster } of snapshots)
    for (const p of cluster.pools) if (p.accelerator === type) fleet += p.nodes * p.gpusPerNode;
  const used = new Map<string, number>();
  for (const t of policy.shares.keys()) used.set(t, 0);
  for (const r of running)
    if (r.accelerator === type) used.set(r.tenantId, (used.get(r.tenantId) ?? 0) + gpusOf(r));
  let weights = 0;
  for (const t of used.keys()) weights += policy.shares.get(t) ?? 1;
  const out = new Map<string, TenantShare>();
  for (const [t, u] of used) {
    out.set(t, { used: u, guaranteed: (fleet * (policy.shares.get(t) ?? 1)) / weights });
  }
  return out;
}

interface Planned {
  result: PreemptResult;
  running: RunningJob[];
  snapshots: ClusterSnapshot[];
  usage: Record<string, number>;
  policy: CompiledPolicy;
}

/** The preemption a waiting job would do now, from a fresh read of the fleet. */
async function planFor(
  ctx: DispatchContext,
  job: { tenantId: string; spec: JobSpec; blocked?: readonly string[] },
  priority: number,
): Promise<Planned | undefined> {
  const policy = await ctx.policy.compiled();
  const rules = policy.preemption;
  const acc = job.spec.resources.accelerator;
  if (!rules?.enabled || !acc) return undefined;
  const [snapshots, usage, holding] = await Promise.all([
    ctx.clusterState.read(),
    ctx.store.usage.list(''),
    ctx.store.jobs.listByState(HOLDING, 10_000),
  ]);
  const now = ctx.clock.now();
  const running = holding.flatMap((j) => asRunning(j, now) ?? []);
  const shares = tenantShares(policy, running, snapshots, acc.type);
  const result = choosePreemption({
    placement: {
      spec: job.spec,
      tenantId: job.tenantId,
      clusters: snapshots,
      blocked: job.blocked ?? [],
      policy,
      usage,
      now,
      heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
    },
    priority,
    rules,
    running,
    ...(shares && { shares }),
  });
  return { result, running, snapshots, usage, policy };
}

function noteOf(plan: PreemptionPlan, done: boolean): PreemptionNote {
  return {
    clusterId: plan.clusterId,
    victims: plan.victims.map(({ jobId, priority, gpus, runSeconds }) => ({
      jobId,
      priority,
      gpus,
      runSeconds,
    })),
    message: plan.message,
    done,
  };
}

const waitsForRoom = (d: Decision | undefined) =>
  d?.outcome === 'pending' && d.waitingFor === 'capacity';

/** The decision with the preemption it would lead to (jobs:explain). */
export async function withPreemptionPreview(
  ctx: DispatchContext,
  tenantId: string,
  spec: JobSpec,
  decision: Decision,
): Promise<Decision> {
  if (!waitsForRoom(decision)) return decision;
  const planned = await planFor(ctx, { tenantId, spec }, decision.effectivePriority ?? 0);
  const plan = planned?.result.plan;
  if (!plan) return decision;
  return {
    ...decision,
    message: `${decision.message}; preemption would ${plan.message}`,
    preemption: noteOf(plan, false),
  };
}

/**
 * A victim back to `pending`, its reservation given back (a running job may be preempted). The
 * evicted run is recorded like a retried one, so the next run gets its own Kubernetes name
 * (`runKubeName`) and cannot adopt the evicted workload while it is still terminating.
 */
function preempted(job: Job, at: string, message: string): Job {
  const failure = {
    clusterId: job.placement?.clusterId ?? '',
    reason: 'Preempted',
    exitCode: null,
  };
  const ran = {
    ...endedAttempt(job, failure, 'retried', at, message),
    placementAttempt: job.placement?.attempt ?? 0,
  };
  const next: Job = { ...job, state: 'pending', attempts: [...(job.attempts ?? []), ran] };
  delete next.reservation;
  delete next.result;
  return withEvent(next, { at, state: 'pending', reason: 'Preempted', message });
}

/** Evicts one victim if it still holds its place on `clusterId`; true when it did. */
async function evict(
  ctx: DispatchContext,
  victimId: string,
  clusterId: string,
  preemptor: Job,
  grace: number,
): Promise<boolean> {
  const why =
    `preempted on ${clusterId} by job ${preemptor.id} of higher priority; ` +
    `it waits to be placed again`;
  const { job, changed } = await mutateJob(ctx, victimId, (j) =>
    j.placement?.clusterId === clusterId && (HOLDING as readonly string[]).includes(j.state)
      ? preempted(j, nowIso(ctx), `${why} (attempt ${j.placement.attempt})`)
      : undefined,
  );
  if (!changed || !job.placement) return false;
  const cancel: CancelMessage = {
    kind: 'cancel',
    jobId: job.id,
    clusterId,
    namespace: job.placement.namespace,
    kubeName: job.placement.kubeName,
    attempt: job.placement.attempt,
    reason: 'Preempted',
    gracePeriodSeconds: grace,
    ...(job.traceId ? { traceId: job.traceId } : {}),
  };
  await ctx.queue.publish(job.placement.queue, cancel);
  jobLogger(ctx.log, job.id, job.traceId).info('job preempted', {
    cluster: clusterId,
    by: preemptor.id,
  });
  return true;
}

/**
 * The snapshot as if the victims still held their GPUs. Evicting them lowered the cluster's placed
 * counter while its report still counts their pods, so the read's committed GPUs fell by up to
 * theirs; `snapshotWithout` gives them back exactly once from here.
 */
function stillCounting(
  snap: ClusterSnapshot,
  type: string,
  victims: readonly RunningJob[],
  usage: Readonly<Record<string, number>>,
): ClusterSnapshot {
  const held = victims.reduce((n, v) => n + gpusOf(v), 0);
  const report = snap.cluster.capacity?.accelerators[type];
  const used = report ? report.total - report.free : 0;
  const placed = usage[`cluster:${snap.cluster.id}:${type}`] ?? 0;
  const committed = Math.max(0, placed + held - used);
  return { ...snap, committedGpus: { ...snap.committedGpus, [type]: committed } };
}

/**
 * Claims the right to preempt for `job`'s current run, atomically in the store: of two instances
 * sweeping at once only the one that wins evicts. Without it the loser, reading after the winner's
 * evictions but before its placement, saw the job still waiting and the freed cluster still full
 * (its report counts the terminating pods) and evicted a second set elsewhere. The claim lapses
 * after twice the grace period (a minute at least), so a crash mid-way is retried later.
 */
async function claimPreemption(ctx: DispatchContext, job: Job, grace: number): Promise<boolean> {
  const now = ctx.clock.now();
  const key = `preempt:${job.id}:${(job.attempts ?? []).length}`;
  const hold = Math.max(60, 2 * grace) * 1000;
  const won = await ctx.store.claims.claim(key, iso(now + hold), iso(now));
  if (!won) ctx.log.info('preemption claimed by another instance', { jobId: job.id });
  return won;
}

/**
 * Carries out a plan for `job`: evict, then place `job` on the freed cluster against a fresh read
 * with only the victims this call evicted given back (one that ended meanwhile is in the read).
 */
async function carryOut(ctx: DispatchContext, job: Job, planned: Planned): Promise<boolean> {
  const plan = planned.result.plan!;
  if ((await ctx.store.jobs.get(job.id))?.state !== 'pending') return false;
  const grace = planned.policy.preemption!.gracePeriodSeconds;
  if (!(await claimPreemption(ctx, job, grace))) return false;
  const evicted = new Set<string>();
  for (const v of plan.victims) {
    if (await evict(ctx, v.jobId, plan.clusterId, job, grace)) evicted.add(v.jobId);
  }
  ctx.clusterState.forget();
  const [snapshots, usage] = await Promise.all([ctx.clusterState.read(), ctx.store.usage.list('')]);
  const snap = snapshots.find((s) => s.cluster.id === plan.clusterId);
  if (!snap) return false;
  const { type, count } = job.spec.resources.accelerator!;
  const victims = planned.running.filter((r) => evicted.has(r.id));
  const held = stillCounting(snap, type, victims, usage);
  const freed = snapshotWithout(held, type, victims, count);
  const placed = decide(ctx, {
    tenantId: job.tenantId,
    spec: job.spec,
    clusters: [freed],
    blocked: job.blockedClusters ?? [],
    policy: planned.policy,
    usage,
  });
  if (placed.outcome !== 'placed') return false;
  const decision: Decision = {
    ...placed,
    message: `${placed.message}, after preemption: ${plan.message}`,
    preemption: noteOf(plan, true),
  };
  const after = await commitDecision(ctx, job.id, decision, snap.cluster, planned.policy);
  ctx.clusterState.forget();
  return after.state === 'dispatched';
}

/**
 * The maintenance sweep's part: for the highest-priority jobs waiting for room, find and carry out
 * a preemption. Returns how many jobs were placed by preempting.
 */
export async function preemptForWaiting(ctx: DispatchContext, limit = 2_000): Promise<number> {
  const policy = await ctx.policy.compiled();
  if (!policy.preemption?.enabled) return 0;
  const waiting = (await ctx.store.jobs.listByState(['pending'], limit))
    .filter((j) => j.spec.resources.accelerator && waitsForRoom(j.decision))
    .sort(
      (a, b) =>
        (b.decision?.effectivePriority ?? b.spec.priority) -
          (a.decision?.effectivePriority ?? a.spec.priority) ||
        (a.createdAt < b.createdAt ? -1 : 1),
    );
  let placed = 0;
  for (const job of waiting.slice(0, PER_SWEEP)) {
    const priority = job.decision?.effectivePriority ?? job.spec.priority;
    const planned = await planFor(
      ctx,
      { tenantId: job.tenantId, spec: job.spec, blocked: job.blockedClusters ?? [] },
      priority,
    );
    if (!planned?.result.plan) continue;
    if (await carryOut(ctx, job, planned)) placed++;
  }
  return placed;
}
