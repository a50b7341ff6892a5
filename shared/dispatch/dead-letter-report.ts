/**
 * The one dead-letter rule, whichever queue dead-lettered the message (Cloudflare Queues' dead
 * letter queue consumed by the Worker, or a Pub/Sub dead-letter topic pushed to the drainer
 * function): a dead `create` is reported to the control plane as `create-failed` with reason
 * `DeadLettered`, which re-places the job on another cluster or fails it with the explanation; a
 * dead `cancel` is only logged (the Job, if any, is reported by the drainer's watch or the next
 * reconcile and deleted then). Idempotent: the control plane ignores a report for a placement the
 * job has already left. A failing report throws, so the caller has the dead letter delivered again.
 * Edge-safe.
 */
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import { traceparentField } from '../metrics/trace.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { DrainerMessage } from '../protocol/messages.js';

export type DeadLetterAction = 'reported' | 'ignored';

export async function reportDeadLetter(
  msg: DrainerMessage,
  deps: { control: Pick<ControlPlane, 'report'>; log: Logger; now: () => Date },
  /** Who dead-lettered it, ending the report's message, e.g. `Cloudflare Queues`. */
  by: string,
): Promise<DeadLetterAction> {
  const log = jobLogger(deps.log, msg.jobId, msg.traceId);
  if (msg.kind !== 'create') {
    log.warn('dead-lettered cancel message; nothing to re-place', { clusterId: msg.clusterId });
    return 'ignored';
  }
  await deps.control.report({
    jobId: msg.jobId,
    clusterId: msg.placement.clusterId,
    attempt: msg.placement.attempt,
    phase: 'create-failed',
    reason: 'DeadLettered',
    message:
      `the create message on queue ${msg.placement.queue} exhausted its deliveries ` +
      `without a drainer creating the Kubernetes Job on ${msg.placement.clusterId}, ` +
      `and ${by} dead-lettered it`,
    ...traceparentField(msg.traceId),
    at: deps.now().toISOString(),
  });
  log.info('dead-lettered create reported', { clusterId: msg.placement.clusterId });
  return 'reported';
}
