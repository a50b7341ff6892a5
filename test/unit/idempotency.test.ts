// Idempotency-Key semantics, including the unknown outcome: a request that stored its job and
// then died before recording the key. A retry must find that job, never create a second one.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import type { Principal } from '../../shared/domain/principal.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { AppError } from '../../shared/base/errors.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';

const acme: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_a',
  scopes: new Set(SCOPES),
  projects: ['*'],
};
const globex: Principal = { ...acme, tenantId: 'globex', tokenId: 'tok_g' };
const body = { name: 'train', project: 'p', image: 'busybox', resources: {} };

function setUp() {
  let now = Date.parse('2026-11-28T12:00:00Z');
  const clock = { now: () => now };
  const ctx: CoreContext = {
    store: createMemoryStore(),
    queue: createMemoryQueue({ clock }),
    clock,
    log: silentLogger,
    settings: defaultCoreSettings,
  };
  return {
    ctx,
    jobs: createJobService(ctx, createDispatcher(dispatchOf(ctx))),
    advance: (ms: number) => (now += ms),
  };
}

/**
 * Leaves `key` claimed in flight with the fingerprint the service computes for `body`, as a
 * request that died before storing its job leaves it. (The fingerprint is read off a probe key.)
 */
async function plantInFlight(
  ctx: CoreContext,
  jobs: ReturnType<typeof createJobService>,
  key: string,
): Promise<void> {
  const at = new Date(ctx.clock.now()).toISOString();
  const claim = { tenantId: 'acme', state: 'in-flight' as const, createdAt: at };
  await jobs.submit(acme, body, `probe-${key}`);
  const probe = await ctx.store.idempotency.claim(
    { ...claim, key: `probe-${key}`, fingerprint: 'x', expiresAt: at },
    at,
  );
  const expiresAt = new Date(ctx.clock.now() + 86_400_000).toISOString();
  await ctx.store.idempotency.claim(
    { ...claim, key, fingerprint: probe!.fingerprint, expiresAt },
    at,
  );
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return e instanceof AppError ? e.code : String(e);
}

describe('Idempotency-Key', () => {
  it('returns the same job for the same key and body, scoped to the tenant', async () => {
    const { jobs } = setUp();
    const first = await jobs.submit(acme, body, 'k1');
    const again = await jobs.submit(acme, body, 'k1');
    expect(again).toEqual({ job: first.job, created: false });
    const other = await jobs.submit(globex, body, 'k1');
    expect(other.created).toBe(true);
    expect(other.job.id).not.toBe(first.job.id);
  });

  it('refuses the same key with another body (422)', async () => {
    const { jobs } = setUp();
    await jobs.submit(acme, body, 'k2');
    expect(await codeOf(jobs.submit(acme, { ...body, name: 'other' }, 'k2'))).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('answers 409 while the first request is still in flight', async () => {
    const { ctx, jobs } = setUp();
    await plantInFlight(ctx, jobs, 'k3');
    expect(await codeOf(jobs.submit(acme, body, 'k3'))).toBe('IDEMPOTENCY_KEY_IN_USE');
  });

  it('after a crash between storing the job and recording the key, a retry finds that job', async () => {
    const { ctx, jobs, advance } = setUp();
    const first = await jobs.submit(acme, body, 'k4');
    // Simulate the lost outcome: put the key record back to in flight, as the crash left it.
    const now = new Date(ctx.clock.now()).toISOString();
    const done = await ctx.store.idempotency.claim(
      {
        tenantId: 'acme',
        key: 'k4',
        fingerprint: '-',
        state: 'in-flight',
        createdAt: now,
        expiresAt: now,
      },
      now,
    );
    expect(done).toMatchObject({ state: 'done', jobId: first.job.id });
    await ctx.store.idempotency.release('acme', 'k4');
    const { jobId: _lost, ...inFlight } = done!;
    await ctx.store.idempotency.claim({ ...inFlight, state: 'in-flight' }, now);
    expect(await codeOf(jobs.submit(acme, body, 'k4'))).toBe('IDEMPOTENCY_KEY_IN_USE');
    advance(31_000); // past the in-flight lease
    const retry = await jobs.submit(acme, body, 'k4');
    expect(retry.created).toBe(false);
    expect(retry.job.id).toBe(first.job.id);
    const { items } = await ctx.store.jobs.list({ tenantId: 'acme', limit: 10 });
    expect(items).toHaveLength(1);
    expect(await jobs.submit(acme, body, 'k4')).toEqual({ job: retry.job, created: false });
  });

  it('after a crash before the job was stored, a retry creates it once', async () => {
    const { ctx, jobs, advance } = setUp();
    await plantInFlight(ctx, jobs, 'k5');
    advance(31_000);
    const retry = await jobs.submit(acme, body, 'k5');
    expect(retry.created).toBe(true);
    expect(await jobs.submit(acme, body, 'k5')).toEqual({ job: retry.job, created: false });
  });
});
