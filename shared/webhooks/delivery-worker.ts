/**
 * Sends due status webhooks, signed per Standard Webhooks, at least once and in order per job.
 *
 * Each attempt is claimed first with a conditional write (attempts + 1, `nextAttemptAt` pushed past
 * the send timeout), so two workers never send the same attempt; a crash after the claim only
 * delays the next attempt. `webhook-id` is the delivery id, the same on every retry, so receivers
 * can drop duplicates. Redirects are never followed; response bodies are never kept.
 *
 * Fair across tenants and receivers: jobs run in bounded slots (total, per destination host, per
 * tenant; see `fair-slots.ts`), and a loop calls `startPass`, which returns once the pass's work
 * is queued, so a receiver that never answers holds only its own slots, never the next pass.
 */
import { iso, type Clock } from '../base/clock.js';
import { isAppError, VersionConflictError } from '../base/errors.js';
import type { Delivery, DeliveryTable } from '../store/port.js';
import { nextDelayMs } from './backoff.js';
import { createFairSlots } from './fair-slots.js';
import { deliveryIds, traceHeaders } from './delivery-trace.js';
import { webhookHeaders } from './standard-webhooks.js';

export interface DeliveryWorkerDeps {
  deliveries: DeliveryTable;
  /** The job's callback secret (`whsec_…`); `undefined` when it is gone. */
  secretFor(d: Delivery): Promise<string | undefined>;
  /** Default `globalThis.fetch`; a root may pass one that connects only to the checked address. */
  fetch?: typeof fetch;
  clock: Clock;
  /** Attempts before giving up. Default 8. */
  maxAttempts?: number;
  /** Per request, including reading the start of the response. Default 10 000. */
  timeoutMs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  random?: () => number;
  /** SSRF check, run before any connection; throws to refuse (a retryable `AppError` retries). */
  guard?: (url: URL) => Promise<void>;
  /** Jobs handled at once by this worker (default 16); a job's deliveries are always sequential. */
  concurrency?: number;
  /** Jobs at once whose next delivery goes to one `host:port` (default 4). */
  perHostConcurrency?: number;
  /** Jobs at once of one tenant (default 8). */
  perTenantConcurrency?: number;
  log?: (event: Record<string, unknown>) => void;
}

export interface RunResult {
  /** Attempts claimed by this worker. */
  attempted: number;
  delivered: number;
  /** Attempts that failed and will be retried. */
  failed: number;
  dead: number;
}

export interface DeliveryWorker {
  /** One pass over due deliveries (at most `limit` attempts); resolves when they have finished. */
  runOnce(limit?: number): Promise<RunResult>;
  /**
   * The same pass, but resolves once its work is queued; `finished` resolves like `runOnce`.
   * For loops: the next pass starts while slow attempts of this one are still waiting.
   */
  startPass(limit?: number): Promise<{ finished: Promise<RunResult> }>;
  /** Aborts attempts under way (they are retried later) and waits for them to be recorded. */
  close(): Promise<void>;
}

/** Extra lease beyond the timeout, covering signing and the result write. */
const CLAIM_MARGIN_MS = 30_000;
/** Bytes of a response body read (and dropped) so the connection ends cleanly. */
const RESPONSE_PEEK_BYTES = 1024;

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status?: number; error: string }
  | { kind: 'dead'; status?: number; error: string };

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const table = deps.deliveries;
  const maxAttempts = deps.maxAttempts ?? 8;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const slots = createFairSlots({
    total: Math.max(1, deps.concurrency ?? 16),
    perHost: Math.max(1, deps.perHostConcurrency ?? 4),
    perTenant: Math.max(1, deps.perTenantConcurrency ?? 8),
  });
  const closing = new AbortController();
  const log = deps.log ?? (() => {});
  const doFetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));

  /** Writes `next` if nobody changed the record since it was read; `undefined` if they did. */
  async function write(next: Delivery): Promise<Delivery | undefined> {
    try {
      return await table.update(next);
    } catch (e) {
      if (e instanceof VersionConflictError) return undefined;
      throw e;
    }
  }

  async function send(d: Delivery, secret: string): Promise<Outcome> {
    let url: URL;
    try {
      url = new URL(d.url);
    } catch {
      return { kind: 'dead', error: 'callback URL is not a valid URL' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { kind: 'dead', error: `callback URL scheme ${url.protocol} is not http(s)` };
    }
    if (url.username || url.password) {
      return { kind: 'dead', error: 'callback URL must not contain credentials' };
    }
    if (deps.guard) {
      try {
        await deps.guard(url);
      } catch (e) {
        const message = `refused by the callback URL check: ${errorMessage(e)}`;
        return isAppError(e) && e.retryable
          ? { kind: 'retry', error: message }
          : { kind: 'dead', error: message };
      }
    }
    let headers: Record<string, string>;
    try {
      const ts = Math.floor(deps.clock.now() / 1000);
      headers = await webhookHeaders(secret, d.id, ts, d.payload);
    } catch (e) {
      return { kind: 'dead', error: `cannot sign: ${errorMessage(e)}` };
    }

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, closing.signal]);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { ...headers, ...traceHeaders(d), 'user-agent': 'Switchyard-Webhooks/1' },
        body: d.payload,
        redirect: 'manual',
        signal,
      });
    } catch (e) {
      if (timeout.aborted) return { kind: 'retry', error: `no response within ${timeoutMs} ms` };
      if (signal.aborted) return { kind: 'retry', error: 'the worker stopped before a response' };
      return { kind: 'retry', error: `request failed: ${networkMessage(e)}` };
    }
    await drain(res);

    const status = res.status;
    if (res.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
      return {
        kind: 'retry',
        status: status || undefined,
        error: `endpoint answered a redirect (HTTP ${status}); redirects are not followed, so point the callback at the final URL`,
      };
    }
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    if (status === 410) {
      return {
        kind: 'dead',
        status,
        error:
          'endpoint answered 410 Gone, so nothing more is sent to it; register a new callback URL',
      };
    }
    return { kind: 'retry', status, error: `endpoint answered HTTP ${status}` };
  }

  /** One claimed attempt, from claim to the recorded result. */
  async function attempt(d: Delivery, result: RunResult): Promise<Delivery | undefined> {
    const now = deps.clock.now();
    // 1. Claim: only one worker gets this version.
    const claimed = await write({
      ...d,
      attempts: d.attempts + 1,
      nextAttemptAt: iso(now + timeoutMs + CLAIM_MARGIN_MS),
      lastAttemptAt: iso(now),
      updatedAt: iso(now),
    });
    if (!claimed) return undefined;
    result.attempted++;

    // 2. Send (or decide not to).
    let outcome: Outcome;
    try {
      const secret = await deps.secretFor(claimed);
      outcome = secret
        ? await send(claimed, secret)
        : {
            kind: 'dead',
            error: "the job's callback secret is gone; the webhook cannot be signed",
          };
    } catch (e) {
      outcome = { kind: 'retry', error: `cannot read the callback secret: ${errorMessage(e)}` };
    }
    if (outcome.kind === 'retry' && claimed.attempts >= maxAttempts) {
      outcome = {
        kind: 'dead',
        status: outcome.status,
        error: `gave up after ${claimed.attempts} attempts; last: ${outcome.error}`,
      };
    }

    // 3. Record the result.
    const done = deps.clock.now();
    const next: Delivery = { ...claimed, updatedAt: iso(done) };
    if (outcome.status === undefined) delete next.lastStatus;
    else next.lastStatus = outcome.status;
    if (outcome.kind === 'delivered') {
      next.state = 'delivered';
      delete next.lastError;
    } else {
      next.lastError = outcome.error;
      if (outcome.kind === 'dead') next.state = 'dead';
      else {
        const delay = nextDelayMs(claimed.attempts, { ...deps.backoff, random: deps.random });
        next.nextAttemptAt = iso(done + delay);
      }
    }
    const stored = await write(next);
    if (!stored) {
      // The lease ran out and another worker took over; it records its own attempt.
      log({ event: 'webhook.lease_lost', ...deliveryIds(d) });
      return undefined;
    }
    const counter = outcome.kind === 'retry' ? 'failed' : outcome.kind;
    result[counter]++;
    log({
      event: `webhook.${counter}`,
      ...deliveryIds(d),
      attempts: stored.attempts,
      status: outcome.status,
      ...(outcome.kind === 'delivered'
        ? { latencyMs: done - Date.parse(claimed.createdAt) }
        : { error: outcome.error }),
    });
    return stored;
  }

  /** Gives up on `d` without sending. */
  async function bury(d: Delivery, now: string, lastError: string, result: RunResult) {
    const stored = await write({ ...d, state: 'dead', lastError, updatedAt: now });
    if (!stored) return false;
    result.dead++;
    log({ event: 'webhook.dead', ...deliveryIds(d), error: lastError });
    return true;
  }

  /**
   * A job's due deliveries, strictly in creation order, each tried at most once per run. Stops at
   * the first one that stays pending: later ones wait for it, and are moved out of the due list
   * meanwhile so they do not crowd out other jobs. `take()` reserves one unit of the run's budget.
   */
  async function runJob(jobId: string, now: string, take: () => boolean, result: RunResult) {
    const tried = new Set<string>();
    let progressed = false;
    for (let conflicts = 0; conflicts < 3;) {
      // 1. Read the job's deliveries fresh: another worker may have moved any of them.
      const all = await table.listByJob(jobId);
      const at = all.findIndex((d) => d.state === 'pending');
      const head = all[at];
      if (!head) return;
      const gone = all.slice(0, at).some((d) => isGone(d) && d.url === head.url);

      // 2. Is the oldest pending one ours to send now? A never-tried one whose predecessor was
      // just finished here is, even if a concurrent worker pushed it back while waiting.
      const eligible =
        !tried.has(head.id) && (head.nextAttemptAt <= now || (progressed && head.attempts === 0));
      if (!eligible) {
        for (const d of all.slice(at + 1)) {
          if (
            d.state === 'pending' &&
            d.nextAttemptAt <= now &&
            d.nextAttemptAt < head.nextAttemptAt
          ) {
            await write({ ...d, nextAttemptAt: head.nextAttemptAt });
          }
        }
        return;
      }
      if (!take()) return;
      tried.add(head.id);

      // 3. Send it, or give up on it without sending.
      let finished: boolean;
      if (gone) {
        const error = 'an earlier delivery to this endpoint answered 410 Gone; not sent';
        finished = await bury({ ...head, lastStatus: 410 }, now, error, result);
      } else if (head.attempts >= maxAttempts) {
        // Left over from a worker that stopped mid-attempt.
        const error = `gave up after ${head.attempts} attempts; last: ${head.lastError ?? 'unknown'}`;
        finished = await bury(head, now, error, result);
      } else {
        const after = await attempt(head, result);
        finished = after !== undefined;
        // Still pending: the next pass sees it tried, defers the rest and stops.
        if (after?.state === 'pending') continue;
      }
      if (finished) progressed = true;
      else {
        // Another worker changed it first; read again to see who has the job now.
        tried.delete(head.id);
        conflicts++;
      }
    }
  }

  /**
   * Due deliveries of jobs not already waiting or running here. Those are skipped, and the read
   * grows past them (up to 10 × `limit`), so jobs stuck behind a slow receiver cannot fill the
   * due list and hide everyone else's.
   */
  async function listFresh(now: string, limit: number): Promise<Delivery[]> {
    for (let want = limit; ;) {
      const due = await table.listDue(now, want);
      const fresh = due.filter((d) => !slots.busy(d.jobId));
      if (due.length < want || fresh.length >= limit || want >= limit * 10) return fresh;
      want = Math.min(limit * 10, want + due.length - fresh.length);
    }
  }

  async function startPass(limit = 50) {
    const result: RunResult = { attempted: 0, delivered: 0, failed: 0, dead: 0 };
    if (closing.signal.aborted) return { finished: Promise.resolve(result) };
    const due = await listFresh(iso(deps.clock.now()), limit);
    // One entry per job, in the order its first delivery fell due; its deliveries are read fresh.
    const firsts = new Map<string, Delivery>();
    for (const d of due) if (!firsts.has(d.jobId)) firsts.set(d.jobId, d);
    let budget = limit;
    const take = () => budget-- > 0;
    const runs = [...firsts.values()].map((d) =>
      slots.submit({
        key: d.jobId,
        tenant: d.tenantId,
        host: hostOf(d.url),
        run: async () => {
          if (budget <= 0 || closing.signal.aborted) return;
          try {
            await runJob(d.jobId, iso(deps.clock.now()), take, result);
          } catch (e) {
            log({ event: 'webhook.error', jobId: d.jobId, error: errorMessage(e) });
          }
        },
      }),
    );
    return { finished: Promise.all(runs).then(() => result) };
  }

  return {
    async runOnce(limit = 50) {
      return (await startPass(limit)).finished;
    },
    startPass,
    async close() {
      closing.abort();
      await slots.idle();
    },
  };
}

/** The slot key of a callback's destination: `host:port` as the URL gives it. */
function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return '';
  }
}

async function drain(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  try {
    let read = 0;
    while (read < RESPONSE_PEEK_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.length;
    }
  } catch {
    // The body is never used; errors reading it do not change the outcome.
  } finally {
    reader.cancel().catch(() => {});
  }
}

function isGone(d: Delivery): boolean {
  return d.state === 'dead' && d.lastStatus === 410;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `fetch failed` plus the underlying code (ECONNREFUSED, ENOTFOUND…) when there is one. */
function networkMessage(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return errorMessage(e) + code;
}
