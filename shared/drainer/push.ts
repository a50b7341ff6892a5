/**
 * The drainer as a function (issue #15): one Hono app whose `POST /push` takes a Pub/Sub push
 * delivery and does for its message exactly what the pull drainer does (`handle.ts`), then answers
 * so Pub/Sub acks or retries:
 *   - 200: done (created, adopted, cancelled, skipped, or a final failure reported as
 *     `create-failed` so the control plane re-places the job); also a malformed message, which is
 *     logged and dropped, because a poison message answered non-2xx would be redelivered forever;
 *   - 503: a retryable failure (cluster unreachable, throttled, 5xx; control plane unavailable), or
 *     the time budget ran out: Pub/Sub redelivers with the subscription's backoff, and the
 *     deterministic Job name makes the redelivery adopt whatever the first attempt created;
 *   - 400/401/413: not a push, or not from our subscription; JSON error envelope.
 * After a create, when the budget leaves room, the new Job is read once `followUpMs` later and
 * reported if it already runs. `POST /reconcile` (same authentication; run by a scheduler) lists
 * and reports every managed Job and each cluster's capacity (`reconcile.ts`).
 * Edge-safe: Web-standard APIs only; runtimes wrap it in functions/drainer-fn/.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../base/errors.js';
import { jobLogger } from '../base/job-log.js';
import { errorResponse, toAppError } from '../api/envelope.js';
import { limitBody } from '../api/body-limit.js';
import {
  queueMessageSchema,
  type CreateMessage,
  type DrainerMessage,
} from '../protocol/messages.js';
import { reportDeadLetter } from '../dispatch/dead-letter-report.js';
import { handleDrainerMessage, type MessageHandlerDeps } from './handle.js';
import type { PushAuthenticator } from './oidc.js';
import { checkCreatedJob, reconcileClusters } from './reconcile.js';
import { errorText } from '../base/errors.js';

export interface PushAppOptions extends MessageHandlerDeps {
  /** `none` only for a loopback-bound listener (the emulator sends no token); the roots check. */
  authenticate: PushAuthenticator | 'none';
  /** Time the handler may take before it answers 503; keep it well inside the ack deadline. */
  budgetMs: number;
  maxBodyBytes?: number;
  /**
   * Delay before the one follow-up read of a freshly created Job (0: none). Done only when it and
   * `FOLLOW_UP_RESERVE_MS` still fit in the budget.
   */
  followUpMs?: number;
  /** Jobs per list page in `/reconcile`. */
  reconcilePageSize?: number;
  /** Time `/reconcile` may spend listing before it answers with what it has (default `budgetMs`). */
  reconcileBudgetMs?: number;
}

/** Time kept for the follow-up read and report themselves. */
export const FOLLOW_UP_RESERVE_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The push body (the emulator adds snake_case twins, which are ignored). */
const pushSchema = z.object({
  subscription: z.string().min(1),
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().min(1),
    publishTime: z.string().optional(),
  }),
});

type Decoded = { ok: true; message: DrainerMessage } | { ok: false; why: string };

/** base64 → UTF-8 → JSON → a drainer message; says why when it is not one. */
export function decodePushData(data: string | undefined): Decoded {
  if (!data) return { ok: false, why: 'the message has no data' };
  let json: unknown;
  try {
    const bytes = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, why: 'the data is not base64-encoded UTF-8 JSON' };
  }
  const parsed = queueMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      why: `not a drainer message: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    };
  }
  return { ok: true, message: parsed.data };
}

class BudgetExceeded extends Error {}

/** Set by Pub/Sub on messages it forwards to a dead-letter topic. */
export const DEAD_LETTER_COUNT_ATTRIBUTE = 'CloudPubSubDeadLetterSourceDeliveryCount';

/** `work` or BudgetExceeded after `budgetMs`; then `abort` cancels the cluster requests in flight. */
function withinBudget<T>(work: Promise<T>, budgetMs: number, abort?: AbortController): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new BudgetExceeded());
      abort?.abort(new BudgetExceeded(`the ${budgetMs} ms push budget ran out`));
    }, budgetMs);
  });
  work.catch(() => {}); // after a timeout, the aborted work's rejection is expected
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The one follow-up read after a create, if the budget has room; a failure is only logged. */
async function followUp(o: PushAppOptions, msg: CreateMessage, started: number): Promise<boolean> {
  const delay = o.followUpMs ?? 0;
  const left = o.budgetMs - (Date.now() - started);
  if (delay <= 0 || left < delay + FOLLOW_UP_RESERVE_MS) return false;
  await sleep(delay);
  try {
    return await withinBudget(checkCreatedJob(o, msg), FOLLOW_UP_RESERVE_MS);
  } catch (e) {
    jobLogger(o.log, msg.jobId, msg.traceId).info(
      'follow-up check failed; the next reconcile reports the Job',
      { error: errorText(e) },
    );
    return false;
  }
}

/**
 * A push from the dead-letter topic's subscription (Pub/Sub sets the source delivery count
 * attribute): the message exhausted `maxDeliveryAttempts` on the work subscription, so it takes the
 * dead-letter path every queue shares: a dead create is reported `create-failed` (`DeadLettered`)
 * and the control plane re-places the job. A failing report answers 503 and is pushed again.
 */
async function deadLetter(
  o: PushAppOptions,
  msg: DrainerMessage,
  ids: { messageId: string; subscription: string },
  deliveries: string,
) {
  try {
    const now = () => new Date(o.clock.now());
    const action = await reportDeadLetter(
      msg,
      { ...o, now },
      `Pub/Sub (after ${deliveries} pushes)`,
    );
    return { outcome: 'dead-letter', action };
  } catch (e) {
    jobLogger(o.log, msg.jobId, msg.traceId).warn(
      'could not report a dead letter; Pub/Sub will push it again',
      {
        ...ids,
        error: errorText(e),
      },
    );
    throw new AppError(
      'UNAVAILABLE',
      `could not report the dead letter, try again: ${errorText(e)}`,
    );
  }
}

/** `POST /reconcile`'s work: every cluster listed and reported within the reconcile budget. */
async function reconcileNow(o: PushAppOptions) {
  const started = Date.now();
  const result = await reconcileClusters(o, {
    deadline: started + (o.reconcileBudgetMs ?? o.budgetMs),
    ...(o.reconcilePageSize ? { pageSize: o.reconcilePageSize } : {}),
  });
  const { clusters: _clusters, ...counts } = result;
  o.log.info('reconciled', { ...counts, ms: Date.now() - started });
  return result;
}

export function createPushApp(o: PushAppOptions) {
  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use('*', async (c, next) => {
    const requestId = `req_${crypto.randomUUID()}`;
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
  });
  app.onError((err, c) => errorResponse(c, toAppError(err, o.log, c.get('requestId'))));
  app.notFound(() => {
    throw new AppError('NOT_FOUND', 'this function answers POST /push and POST /reconcile only');
  });
  const authenticate = async (header: string | undefined) => {
    if (o.authenticate !== 'none') await o.authenticate(header);
  };

  app.post('/reconcile', limitBody(64 * 1024), async (c) => {
    await authenticate(c.req.header('authorization'));
    return c.json(await reconcileNow(o));
  });

  app.post('/push', limitBody(o.maxBodyBytes ?? 1024 * 1024), async (c) => {
    await authenticate(c.req.header('authorization'));
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new AppError('BAD_REQUEST', 'the body is not JSON; POST /push takes a Pub/Sub push');
    }
    const push = pushSchema.safeParse(body);
    if (!push.success) {
      const issue = push.error.issues[0];
      throw new AppError(
        'BAD_REQUEST',
        `not a Pub/Sub push (${issue?.path.join('.') || '(root)'}: ${issue?.message}); expected { message: { data, attributes, messageId, publishTime }, subscription }`,
      );
    }
    const { message, subscription } = push.data;
    const ids = { messageId: message.messageId, subscription };
    const decoded = decodePushData(message.data);
    if (!decoded.ok) {
      // Acked: a poison message answered non-2xx would come back forever.
      o.log.error('malformed push message; acking and dropping it', { ...ids, why: decoded.why });
      return c.json({ outcome: 'dropped', reason: decoded.why });
    }
    const deadCount = message.attributes?.[DEAD_LETTER_COUNT_ATTRIBUTE];
    if (deadCount !== undefined)
      return c.json(await deadLetter(o, decoded.message, ids, deadCount));
    const started = Date.now();
    const log = jobLogger(o.log, decoded.message.jobId, decoded.message.traceId);
    const abort = new AbortController();
    try {
      // Pub/Sub push says nothing about the attempt; its dead-letter policy ends the retries.
      const work = handleDrainerMessage(o, decoded.message, {
        attempt: 0,
        mayRetry: true,
        signal: abort.signal,
      });
      await withinBudget(work, o.budgetMs, abort);
    } catch (e) {
      if (e instanceof BudgetExceeded) {
        log.warn('push handling ran out of its time budget; asking Pub/Sub to redeliver', {
          ...ids,
          budgetMs: o.budgetMs,
        });
        throw new AppError(
          'UNAVAILABLE',
          `handling did not finish within ${o.budgetMs} ms; Pub/Sub will redeliver and the redelivery adopts`,
        );
      }
      log.warn('push failed; Pub/Sub will retry it', { ...ids, error: errorText(e) });
      throw new AppError('UNAVAILABLE', `retryable failure, try again: ${errorText(e)}`, {
        cause: e,
      });
    }
    const msg = decoded.message;
    const followedUp = msg.kind === 'create' && (await followUp(o, msg, started));
    log.info('push handled', { ...ids, kind: msg.kind, followedUp, ms: Date.now() - started });
    return c.json({ outcome: 'done', kind: msg.kind, ...(followedUp ? { followedUp } : {}) });
  });
  return app;
}
