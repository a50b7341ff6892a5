/**
 * The job API's core: submit (validated, idempotent, placed, dispatched), read, list, cancel.
 * Routes call these; these never see HTTP.
 */
import { newId } from '../base/clock.js';
import type { Principal } from '../domain/principal.js';
import { requireProject, requireScope } from '../domain/principal.js';
import { jobOwner, loadOwned, type OwnedKind } from '../auth/ownership.js';
import { sha256 } from '../auth/sha256.js';
import { AlreadyExistsError, AppError, QuotaExceededError, notFound } from '../base/errors.js';
import { jobLogger } from '../base/job-log.js';
import type { CancelMessage } from '../protocol/messages.js';
import type { IdempotencyRecord, Page } from '../store/port.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { mutateJob, reservationDeltas } from './mutate.js';
import type { Dispatcher } from './dispatcher-port.js';
import { deliveriesFor } from './outbox.js';
import type { Decision, Job, JobState } from '../domain/job.js';
import { isTerminal, JOB_STATES } from '../domain/job.js';
import { parseJobSpec } from '../domain/spec.js';
import { transition } from '../domain/transition.js';
import { listVisibleJobs } from './visible-list.js';
import { listByTrace, parseTraceIdQuery } from './trace-list.js';
import { limitReachedMessage } from '../placement/budget.js';
import { newTraceId } from '../metrics/trace.js';

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** An in-flight claim older than this belongs to a request that died: a retry takes over. */
const IN_FLIGHT_LEASE_MS = 30_000;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** Any Idempotency-Key (a hook's or schedule's before its prefix too): visible ASCII, no space. */
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/**
 * Where a key is stored. A schedule's or hook's key is stored behind `<kind> ` — with a space, which
 * no client key can hold — so a client sending `hook:<id>:<msg>` claims a different record and
 * cannot make the genuine delivery collide with it.
 */
export function storedIdempotencyKey(principal: Principal, key: string): string {
  return principal.system ? `${principal.system} ${key}` : key;
}

/**
 * The job id of a keyed submission: a pure function of (tenant, key, body), so a retry after an
 * unknown outcome (a crash between storing the job and recording the key) finds the job the first
 * attempt stored instead of creating a second one.
 */
function keyedJobId(tenantId: string, key: string, fingerprint: string): string {
  const digest = sha256(new TextEncoder().encode(`${tenantId}\n${key}\n${fingerprint}`));
  let id = '';
  for (let i = 0; i < 26; i++) id += CROCKFORD[digest[i]! % 32];
  return id;
}

async function fingerprint(body: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(body)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface SubmitResult {
  job: Job;
  /** False when an Idempotency-Key matched an earlier submission. */
  created: boolean;
}

export interface ListQuery {
  project?: string;
  state?: string;
  limit?: number;
  cursor?: string;
  /** Only the jobs of this W3C trace id (./trace-list.ts). */
  traceId?: string;
}

export function createJobService(ctx: CoreContext, dispatcher: Dispatcher) {
  const jobKind: OwnedKind<Job> = {
    name: 'job',
    load: (id) => ctx.store.jobs.get(id),
    owner: jobOwner,
  };

  async function explain(principal: Principal, body: unknown): Promise<Decision> {
    requireScope(principal, 'jobs:submit');
    const spec = parseJobSpec(body, ctx.screenCallback);
    requireProject(principal, spec.project);
    return (await dispatcher.decide(principal.tenantId, spec, { explain: true })).decision;
  }

  async function createAndDispatch(
    principal: Principal,
    body: unknown,
    keyed?: { key: string; storedKey: string; fingerprint: string },
    traceId?: string,
  ): Promise<SubmitResult> {
    const spec = parseJobSpec(body, ctx.screenCallback);
    requireProject(principal, spec.project);
    const at = nowIso(ctx);
    const received: Job = {
      id: keyed
        ? keyedJobId(principal.tenantId, keyed.storedKey, keyed.fingerprint)
        : newId(ctx.clock),
      tenantId: principal.tenantId,
      spec,
      state: 'received',
      version: 1,
      createdAt: at,
      updatedAt: at,
      submittedBy: principal.tokenId,
      ...(keyed ? { idempotencyKey: keyed.key } : {}),
      // Jobs from inbound hooks and schedules get a trace of their own, as API submissions do.
      traceId: traceId ?? newTraceId(),
      events: [
        {
          at,
          state: 'received',
          reason: 'Submitted',
          message: `submitted by ${principal.tokenId}`,
        },
      ],
    };
    // 1. Decide, 2. store the job with its decision and reservation in one atomic write (waiting
    //    instead if another instance took the last of a quota meanwhile) and publish it.
    const { decision, apply } = await dispatcher.decide(principal.tenantId, spec);
    let decided = apply(received, at) ?? received;
    try {
      await dispatcher.createAndHandOff(
        decided,
        reservationDeltas(undefined, decided),
        deliveriesFor(at, undefined, decided),
      );
    } catch (e) {
      if (keyed && e instanceof AlreadyExistsError) {
        // An earlier attempt with this key and body stored the job before its outcome was lost.
        const earlier = await ctx.store.jobs.get(received.id);
        if (earlier && earlier.tenantId === principal.tenantId)
          return { job: earlier, created: false };
      }
      if (!(e instanceof QuotaExceededError)) throw e;
      const why = limitReachedMessage(e.key, e.message);
      decided = transition(received, 'pending', 'QuotaReached', why, at, { decision });
      await ctx.store.jobs.create(decided, [], deliveriesFor(at, undefined, decided));
    }
    jobLogger(ctx.log, decided.id, decided.traceId).info('job submitted', {
      state: decided.state,
      ...(decided.placement ? { cluster: decided.placement.clusterId } : {}),
    });
    return { job: decided, created: true };
  }

  async function submit(
    principal: Principal,
    body: unknown,
    idempotencyKey?: string,
    traceId?: string,
  ): Promise<SubmitResult> {
    requireScope(principal, 'jobs:submit');
    if (idempotencyKey === undefined) return createAndDispatch(principal, body, undefined, traceId);
    if (!KEY_SHAPE.test(idempotencyKey)) {
      throw new AppError('BAD_REQUEST', 'Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const storedKey = storedIdempotencyKey(principal, idempotencyKey);
    const now = ctx.clock.now();
    const claim: IdempotencyRecord = {
      tenantId: principal.tenantId,
      key: storedKey,
      fingerprint: await fingerprint(body),
      state: 'in-flight',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + IDEMPOTENCY_TTL_MS).toISOString(),
    };
    const existing = await ctx.store.idempotency.claim(claim, claim.createdAt);
    if (existing) {
      if (existing.fingerprint !== claim.fingerprint) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used with a different body: use a new key for a new job',
        );
      }
      const orphaned = now - Date.parse(existing.createdAt) > IN_FLIGHT_LEASE_MS;
      if ((existing.state === 'in-flight' || !existing.jobId) && !orphaned) {
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_USE',
          'a request with this Idempotency-Key is still in progress: retry shortly',
          {
            retryable: true,
          },
        );
      }
      if (existing.state === 'done' && existing.jobId) {
        const job = await ctx.store.jobs.get(existing.jobId);
        if (!job || job.tenantId !== principal.tenantId) throw notFound(`job ${existing.jobId}`);
        // The same answer a fresh submission to that project would get.
        requireProject(principal, job.spec.project);
        return { job, created: false };
      }
      // The request that claimed the key died with its outcome unknown: take over. The keyed job
      // id makes this find the job that request stored, if it stored one.
    }
    try {
      const result = await createAndDispatch(
        principal,
        body,
        { key: idempotencyKey, storedKey, fingerprint: claim.fingerprint },
        traceId,
      );
      await ctx.store.idempotency.complete(principal.tenantId, storedKey, result.job.id);
      return result;
    } catch (e) {
      await ctx.store.idempotency.release(principal.tenantId, storedKey);
      throw e;
    }
  }

  /** A job the caller may see; another tenant's or another project's is not found. */
  async function get(principal: Principal, id: string): Promise<Job> {
    requireScope(principal, 'jobs:read');
    return loadOwned(principal, jobKind, id);
  }

  async function list(principal: Principal, q: ListQuery): Promise<Page<Job>> {
    requireScope(principal, 'jobs:read');
    if (q.state !== undefined && !(JOB_STATES as readonly string[]).includes(q.state)) {
      throw new AppError('BAD_REQUEST', `state must be one of ${JOB_STATES.join(', ')}`);
    }
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new AppError('BAD_REQUEST', 'limit must be an integer from 1 to 500');
    }
    const query = {
      limit,
      ...(q.project ? { project: q.project } : {}),
      ...(q.state ? { state: q.state as JobState } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    };
    if (q.traceId !== undefined) {
      return listByTrace(ctx, principal, query, parseTraceIdQuery(q.traceId));
    }
    return listVisibleJobs(ctx, principal, query);
  }

  async function cancel(principal: Principal, id: string): Promise<Job> {
    requireScope(principal, 'jobs:cancel');
    await loadOwned(principal, jobKind, id);
    const { job, changed } = await mutateJob(ctx, id, (j) => {
      if (j.state === 'cancelled') return undefined;
      if (isTerminal(j.state)) {
        throw new AppError(
          'INVALID_STATE',
          `job ${id} already ended (${j.state}); there is nothing to cancel`,
        );
      }
      return transition(
        j,
        'cancelled',
        'CancelRequested',
        `cancelled by ${principal.tokenId}`,
        nowIso(ctx),
      );
    });
    // What it held is free now: the next decision here must see it.
    if (changed) {
      await dispatcher.released(job);
    }
    if (job.placement && !job.cleanedUp) {
      const message: CancelMessage = {
        kind: 'cancel',
        jobId: job.id,
        clusterId: job.placement.clusterId,
        namespace: job.placement.namespace,
        kubeName: job.placement.kubeName,
        attempt: job.placement.attempt,
        ...(job.traceId ? { traceId: job.traceId } : {}),
      };
      await ctx.queue.publish(job.placement.queue, message);
    }
    return job;
  }

  /** Jobs not yet ended, counted by state (`/metrics`): an index count, no job is read. */
  async function activeCounts(): Promise<Record<string, number>> {
    return ctx.store.jobs.countByState(JOB_STATES.filter((s) => !isTerminal(s)));
  }

  return { submit, explain, get, list, cancel, activeCounts };
}

export type JobService = ReturnType<typeof createJobService>;
