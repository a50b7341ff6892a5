/**
 * What a drainer does with one queue message, whichever way it arrived: the pull drainer's loop
 * and the push function (`push.ts`) both call `handleDrainerMessage`, so create-or-adopt, claim,
 * cancel and the create-failed report are written once. Deciding ack versus retry stays with the
 * caller: a thrown error means "try this delivery again".
 */
import { iso, type Clock } from '../base/clock.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import { traceparentField } from '../metrics/trace.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { CancelMessage, CreateMessage, DrainerMessage } from '../protocol/messages.js';
import type { ClusterDriver } from '../targets/kubernetes/port.js';
import { ClusterError } from '../targets/kubernetes/port.js';
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY_VALUE } from '../targets/kubernetes/labels.js';
import { buildManifest } from '../targets/kubernetes/manifest.js';
import type { Target } from '../targets/port.js';
import { cancelOnTarget, createOnTarget } from './targets.js';
import type { DrainerStats } from './stats.js';

export interface MessageHandlerDeps {
  /** The queue this drainer serves, named in the report for a cluster it does not serve. */
  queueName: string;
  clusters: ReadonlyMap<string, ClusterDriver>;
  /** Clusters of other kinds (Slurm) this drainer serves, by id. */
  targets?: ReadonlyMap<string, Target>;
  control: ControlPlane;
  clock: Clock;
  log: Logger;
  ttlSecondsAfterFinished?: number;
  /** Counts creates by outcome for the heartbeat (`stats.ts`). */
  stats?: DrainerStats;
}

export interface Delivery {
  /** 1 on the first delivery; 0 when the transport does not say (Pub/Sub push). */
  attempt: number;
  /**
   * Whether a retryable failure may still be retried by redelivery. When false, any failure is
   * final: `create-failed` is reported and the message is done.
   */
  mayRetry: boolean;
  /** Aborts the cluster requests of this delivery (the push function's time budget ran out). */
  signal?: AbortSignal;
}

/** `CreateUnreachable`, `CreateThrottled`, … from a cluster error's kind. */
function failureReason(e: unknown): string {
  return e instanceof ClusterError
    ? `Create${e.kind.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase())}`
    : 'CreateFailed';
}

/** Whether the failure may pass on a later delivery (anything not a classified final error). */
export function isRetryable(e: unknown): boolean {
  return !(e instanceof ClusterError) || e.retryable;
}

/** What every report about a create names: the job, its placement's attempt, and its trace. */
const reportOf = (msg: CreateMessage) => ({
  jobId: msg.jobId,
  clusterId: msg.placement.clusterId,
  attempt: msg.placement.attempt,
  ...traceparentField(msg.traceId),
});

async function handleCreate(
  d: MessageHandlerDeps,
  msg: CreateMessage,
  delivery: Delivery,
): Promise<void> {
  const { jobId, placement } = msg;
  const cluster = d.clusters.get(placement.clusterId);
  const claim = await d.control.claim({
    jobId,
    clusterId: placement.clusterId,
    attempt: placement.attempt,
  });
  const log = jobLogger(d.log, jobId, msg.traceId);
  if (!claim.proceed) {
    log.info('skipping create', { reason: claim.reason });
    return;
  }
  const at = () => iso(d.clock.now());
  const report = reportOf(msg);
  const target = d.targets?.get(placement.clusterId);
  if (!cluster && target) {
    try {
      await createOnTarget({ ...d, log }, target, msg);
      return d.stats?.create(placement.clusterId);
    } catch (e) {
      d.stats?.create(placement.clusterId, e);
      if (isRetryable(e) && delivery.mayRetry) throw e;
      const message = e instanceof Error ? e.message : String(e);
      await d.control.report({
        ...report,
        phase: 'create-failed',
        reason: failureReason(e),
        message,
        at: at(),
      });
      return;
    }
  }
  if (!cluster) {
    await d.control.report({
      ...report,
      phase: 'create-failed',
      reason: 'UnknownCluster',
      message: `drainer for ${d.queueName} does not serve cluster ${placement.clusterId}`,
      at: at(),
    });
    return;
  }
  let counted = false;
  try {
    const sent = delivery.signal ? { signal: delivery.signal } : undefined;
    await cluster.ensureNamespace(
      placement.namespace,
      { [LABEL_TENANT]: msg.tenantId, [LABEL_MANAGED_BY]: MANAGED_BY_VALUE },
      sent,
    );
    delivery.signal?.throwIfAborted();
    const outcome = await cluster.createJob(
      buildManifest(cluster.deployment ? { ...msg, deployment: cluster.deployment } : msg, {
        ttlSecondsAfterFinished: d.ttlSecondsAfterFinished ?? 3600,
      }),
      sent,
    );
    d.stats?.create(placement.clusterId);
    counted = true;
    log.info(
      outcome === 'created' ? 'Kubernetes Job created' : 'Kubernetes Job already existed; adopted',
      { cluster: placement.clusterId, name: placement.kubeName },
    );
    const answer = await d.control.report({ ...report, phase: 'pending', at: at() });
    if (answer.action === 'delete')
      await cluster.deleteJob(placement.namespace, placement.kubeName, msg.spec.kind ?? 'job');
  } catch (e) {
    if (!counted) d.stats?.create(placement.clusterId, e);
    if (isRetryable(e) && delivery.mayRetry) throw e;
    const attempts = delivery.attempt > 0 ? ` after ${delivery.attempt} attempt(s)` : '';
    log.warn('create failed; reported', { cluster: placement.clusterId, error: String(e) });
    await d.control.report({
      ...report,
      phase: 'create-failed',
      reason: failureReason(e),
      message: `could not create the Kubernetes Job on ${placement.clusterId}${attempts}: ${e instanceof Error ? e.message : String(e)}`,
      at: at(),
    });
  }
}

async function handleCancel(d: MessageHandlerDeps, msg: CancelMessage): Promise<void> {
  const cluster = d.clusters.get(msg.clusterId);
  const target = d.targets?.get(msg.clusterId);
  if (!cluster && target) return cancelOnTarget(d, target, msg);
  if (!cluster) return;
  const grace = msg.gracePeriodSeconds;
  await cluster.deleteJob(msg.namespace, msg.kubeName, undefined, grace);
  jobLogger(d.log, msg.jobId, msg.traceId).info('Kubernetes Job deleted (cancel)', {
    cluster: msg.clusterId,
    name: msg.kubeName,
  });
  await d.control.report({
    jobId: msg.jobId,
    clusterId: msg.clusterId,
    attempt: msg.attempt,
    phase: 'deleted',
    ...traceparentField(msg.traceId),
    at: iso(d.clock.now()),
  });
}

/**
 * Creates-or-adopts (after a claim) or cancels, and reports. Resolves when the message is done
 * (ack it); throws when this delivery should be retried.
 */
export function handleDrainerMessage(
  d: MessageHandlerDeps,
  msg: DrainerMessage,
  delivery: Delivery,
): Promise<void> {
  return msg.kind === 'create' ? handleCreate(d, msg, delivery) : handleCancel(d, msg);
}
