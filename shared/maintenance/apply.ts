/**
 * Carries out what the plan state machine decided: cordon-and-drain a cluster, give it back, or
 * requeue the jobs still running there at the drain deadline; and turns new plan events into
 * signed webhook deliveries (the store's outbox, sent by the same worker as job callbacks). Every
 * step is idempotent, so a sweep that repeats one after a crash or a lost race does no harm.
 */
import { AlreadyExistsError } from '../base/errors.js';
import { nowIso } from '../context/core-context.js';
import { mutateCluster } from '../clusters/mutate.js';
import type { ClusterAdminState } from '../domain/cluster.js';
import type { Job } from '../domain/job.js';
import type { MaintenancePlan } from '../domain/maintenance.js';
import { withEvent } from '../domain/transition.js';
import { endedAttempt } from '../domain/retry.js';
import type { DispatchContext } from '../dispatch/context.js';
import { createDispatcher } from '../dispatch/dispatch.js';
import { jobsPlacedOn, replaceAway } from '../dispatch/failover.js';
import { mutateJob } from '../jobs/mutate.js';
import type { CancelMessage } from '../protocol/messages.js';
import type { Delivery } from '../store/port.js';
import type { PlanAction } from './plan.js';

async function setClusterState(ctx: DispatchContext, id: string, state: ClusterAdminState) {
  const result = await mutateCluster(ctx, id, (c) =>
    c.state === state ? undefined : { ...c, state, updatedAt: nowIso(ctx) },
  );
  if (result?.changed) ctx.clusterState.forget();
}

/** Cordons the cluster and moves work dispatched there but not created yet elsewhere. */
async function drain(ctx: DispatchContext, clusterId: string, planId: string): Promise<void> {
  await setClusterState(ctx, clusterId, 'draining');
  const waiting = (await jobsPlacedOn(ctx, clusterId)).filter((j) => j.state === 'dispatched');
  for (const job of waiting) {
    await replaceAway(
      ctx,
      job.id,
      clusterId,
      'Maintenance',
      `cluster ${clusterId} is draining for maintenance plan ${planId}`,
      ctx.settings.maxPlacementAttempts + 1,
    );
  }
}

/**
 * A job still running on a cluster at its drain deadline goes back to pending (reason
 * `Maintenance`; its next placement is attempt + 1, so the old copy's reports are refused and it
 * is deleted there; the run is listed in its attempts) and is admitted again like any pending
 * job; the cluster's drainer is told to delete the old copy.
 */
async function requeue(ctx: DispatchContext, clusterId: string, planId: string): Promise<string[]> {
  const moved: string[] = [];
  for (const running of await jobsPlacedOn(ctx, clusterId)) {
    const { job, changed } = await mutateJob(ctx, running.id, (j) => {
      if (j.placement?.clusterId !== clusterId || !['submitted', 'running'].includes(j.state)) {
        return undefined;
      }
      // The next placement is attempt + 1 (a pending job's old copy's reports are refused). The
      // run is recorded like a preempted one, so the next gets its own Kubernetes name.
      const attempt = j.placement.attempt + 1;
      const at = nowIso(ctx);
      const message = `cluster ${clusterId} reached its drain deadline in maintenance plan ${planId}: requeued (attempt ${attempt})`;
      const failure = { clusterId, reason: 'Maintenance', exitCode: null };
      const ran = {
        ...endedAttempt(j, failure, 'retried', at, message),
        placementAttempt: j.placement.attempt,
      };
      // Running → pending is a requeue the forward-only transition rule does not cover.
      const next: Job = { ...j, state: 'pending', attempts: [...(j.attempts ?? []), ran] };
      delete next.reservation;
      delete next.result;
      return withEvent(next, { at, state: 'pending', reason: 'Maintenance', message });
    });
    if (!changed) continue;
    moved.push(job.id);
    await createDispatcher(ctx).released(job);
    const cancel: CancelMessage = {
      kind: 'cancel',
      jobId: job.id,
      clusterId,
      namespace: running.placement!.namespace,
      kubeName: running.placement!.kubeName,
      attempt: running.placement!.attempt,
      ...(job.traceId ? { traceId: job.traceId } : {}),
    };
    await ctx.queue.publish(running.placement!.queue, cancel);
  }
  return moved;
}

/** Runs the actions; returns the ids requeued per cluster (for the plan's record). */
export async function applyActions(
  ctx: DispatchContext,
  planId: string,
  actions: readonly PlanAction[],
): Promise<Map<string, string[]>> {
  const requeued = new Map<string, string[]>();
  for (const action of actions) {
    if (action.kind === 'drain') await drain(ctx, action.clusterId, planId);
    else if (action.kind === 'uncordon') await setClusterState(ctx, action.clusterId, 'active');
    else requeued.set(action.clusterId, await requeue(ctx, action.clusterId, planId));
  }
  return requeued;
}

/** The webhook body of a plan event (Standard Webhooks: type, timestamp, data). */
export function planEventPayload(plan: MaintenancePlan, index: number): string {
  const event = plan.events[index]!;
  const step = event.clusterId ? plan.steps.find((s) => s.clusterId === event.clusterId) : null;
  return JSON.stringify({
    type: `maintenance.${event.type}`,
    timestamp: event.at,
    data: {
      planId: plan.id,
      planState: plan.state,
      clusterId: event.clusterId ?? null,
      message: event.message,
      step: step ?? null,
    },
  });
}

/**
 * Stores a delivery for every event of `after` that `before` did not have, when the plan names a
 * webhook. Ids are `msg_<plan>_<index>`, so a repeat of the same step stores nothing new.
 */
export async function enqueuePlanWebhooks(
  ctx: DispatchContext,
  before: MaintenancePlan | undefined,
  after: MaintenancePlan,
): Promise<void> {
  const hook = after.upgrade.webhook;
  if (!hook) return;
  const at = nowIso(ctx);
  for (let i = before?.events.length ?? 0; i < after.events.length; i++) {
    const delivery: Delivery = {
      id: `msg_${after.id}_${i}`,
      jobId: after.id,
      tenantId: after.tenantId,
      url: hook.url,
      eventType: `maintenance.${after.events[i]!.type}`,
      payload: planEventPayload(after, i),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    try {
      await ctx.store.deliveries.create(delivery);
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  }
}
