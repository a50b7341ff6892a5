// Idempotency-Key semantics, including the unknown outcome: a request that stored its job and
// then died before recording the key. A retry must find that job, never create a second one.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/auth/principal.js';
import { SCOPES } from '../../shared/auth/principal.js';
import { AppError } from '../../shared/errors.js';
import { defaultCoreSettings, silentLogger, type CoreContext } from '../../shared/jobs/context.js';
import { createJobService } from '../../shared/jobs/service.js';
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
  return { ctx, jobs: createJobService(ctx), advance: (ms: number) => (now += ms) };
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
    const at = new Date(ctx.clock.now()).toISOString();
    await jobs.submit(acme, body, 'probe'); // learn the fingerprint the service uses
    const fingerprint = (await ctx.store.idempotency.claim(
      {
        tenantId: 'acme',
        key: 'probe',
        fingerprint: 'x',
        state: 'in-flight',
        createdAt: at,
        expiresAt: at,
      },
      at,
    ))!.fingerprint;
    await ctx.store.idempotency.claim(
      {
        tenantId: 'acme',
        key: 'k3',
        fingerprint,
        state: 'in-flight',
        createdAt: at,
        expiresAt: '2026-11-29T12:00:00Z',
      },
      at,
    );
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
    const at = new Date(ctx.clock.now()).toISOString();
    await jobs.submit(acme, body, 'probe');
    const fingerprint = (await ctx.store.idempotency.claim(
      {
        tenantId: 'acme',
        key: 'probe',
        fingerprint: 'x',
        state: 'in-flight',
        createdAt: at,
        expiresAt: at,
      },
      at,
    ))!.fingerprint;
    await ctx.store.idempotency.claim(
      {
        tenantId: 'acme',
        key: 'k5',
        fingerprint,
        state: 'in-flight',
        createdAt: at,
        expiresAt: '2026-11-29T12:00:00Z',
      },
      at,
    );
    advance(31_000);
    const retry = await jobs.submit(acme, body, 'k5');
    expect(retry.created).toBe(true);
    expect(await jobs.submit(acme, body, 'k5')).toEqual({ job: retry.job, created: false });
  });
});
