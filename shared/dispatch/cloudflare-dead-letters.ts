/**
 * The Worker's `queue` handler logic: Cloudflare dead-letters a message once its consumer (the
 * drainers' HTTP pull consumer) has retried it `max_retries` times; the Worker consumes that
 * dead-letter queue. A dead `create` is reported to the control plane as `create-failed`
 * (reason `DeadLettered`), which re-places the job elsewhere or fails it with the explanation.
 * Every message is acked; a malformed one (poison) is acked and logged. Idempotent: the control
 * plane ignores a report for a placement the job has already left, so a redelivered dead letter
 * changes nothing twice. Edge-safe.
 */
import { queueMessageSchema } from '../protocol/messages.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import { decodePulledBody, unwrapEnvelope } from '../queue/cloudflare-wire.js';
import { reportDeadLetter } from './dead-letter-report.js';

/** The parts of a Workers `Message` and `MessageBatch` this handler uses. */
export interface DeadLetterMessage {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface DeadLetterBatch {
  readonly queue: string;
  readonly messages: readonly DeadLetterMessage[];
}

export const DEFAULT_DEAD_LETTER_QUEUE = 'switchyard-dead-letter';

export interface DeadLetterOutcome {
  reported: number;
  ignored: number;
  poison: number;
  retried: number;
}

/**
 * Handles one batch. Batches from any queue other than `deadLetterQueue` are retried (the Worker is
 * not the consumer of work queues; retrying lets Cloudflare dead-letter them instead of losing
 * them), with an error logged.
 */
export async function handleDeadLetterBatch(
  batch: DeadLetterBatch,
  deps: {
    control: Pick<ControlPlane, 'report'>;
    log: Logger;
    deadLetterQueue: string;
    now?: () => Date;
  },
): Promise<DeadLetterOutcome> {
  const outcome: DeadLetterOutcome = { reported: 0, ignored: 0, poison: 0, retried: 0 };
  const now = deps.now ?? (() => new Date());
  if (batch.queue !== deps.deadLetterQueue) {
    deps.log.error('queue batch from a queue the Worker does not consume; retrying it', {
      queue: batch.queue,
      deadLetterQueue: deps.deadLetterQueue,
      messages: batch.messages.length,
    });
    for (const m of batch.messages) m.retry();
    outcome.retried = batch.messages.length;
    return outcome;
  }
  for (const m of batch.messages) {
    const inner = unwrapEnvelope(decodePulledBody(m.body));
    const parsed = queueMessageSchema.safeParse(inner?.body);
    if (!parsed.success) {
      deps.log.error('malformed dead letter (poison); dropping it', {
        queue: batch.queue,
        id: m.id,
      });
      m.ack();
      outcome.poison++;
      continue;
    }
    try {
      const action = await reportDeadLetter(parsed.data, { ...deps, now }, 'Cloudflare Queues');
      outcome[action]++;
    } catch (e) {
      // The store is unreachable: let Cloudflare deliver this dead letter again.
      jobLogger(deps.log, parsed.data.jobId, parsed.data.traceId).warn(
        'could not report a dead letter; it will be retried',
        {
          error: e instanceof Error ? e.message : String(e),
        },
      );
      m.retry({ delaySeconds: 30 });
      outcome.retried++;
      continue;
    }
    m.ack();
  }
  return outcome;
}
