// Smaller rules from the security review: `image` must be an OCI reference; a tenant has at most
// `limits.hooksPerTenant` hooks and `limits.schedulesPerTenant` schedules; `/metrics` shows job
// figures only to a `metrics:read` token (no token: 401); a drainer heartbeat cannot claim more free GPUs than
// exist or a time in the future.
import { beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { ADMIN, createFixture, jobBody, type Fixture } from './fixture.js';

let f: Fixture;
let token: string;

beforeEach(async () => {
  f = await createFixture();
  token = (await f.mint('acme')).token;
});

const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; message: string; details?: Record<string, unknown> };

describe('image', () => {
  it.each([
    ['a space', 'busybox latest'],
    ['a newline', 'busybox\nrm -rf /'],
    ['a trailing newline', 'busybox:1.36\n'],
    ['upper case in the name', 'ghcr.io/Acme/train:1'],
    ['an empty tag', 'busybox:'],
    ['an empty path segment', 'ghcr.io//train'],
  ])('refuses %s with INVALID_JOB naming the field', async (_what, image) => {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research', { image }) });
    expect([res.status, errorOf(res.body).code]).toEqual([400, 'INVALID_JOB']);
    expect(errorOf(res.body).message).toContain('image must be an OCI image reference');
    expect(errorOf(res.body).details).toMatchObject({ fields: [{ path: 'image' }] });
  });

  it.each([
    'busybox',
    'busybox:1.36',
    'ghcr.io/acme/train:1.2',
    'localhost:5000/team/train_v2:latest',
    `registry.example.com/acme/train@sha256:${'a'.repeat(64)}`,
  ])('accepts %s', async (image) => {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research', { image }) });
    expect(res.status).toBe(202);
  });
});

describe('per-tenant caps', () => {
  const hook = { project: 'research', template: jobBody('research') };
  const schedule = { name: 'nightly', cron: '0 2 * * *', template: jobBody('research') };

  it('are 100 hooks and 100 schedules by default, and configurable', () => {
    expect(defaultCoreSettings).toMatchObject({ hooksPerTenant: 100, schedulesPerTenant: 100 });
    expect(configSchema.parse({}).limits).toEqual({ hooksPerTenant: 100, schedulesPerTenant: 100 });
    const set = { limits: { hooksPerTenant: 5, schedulesPerTenant: 7 } };
    expect(configSchema.parse(set).limits).toEqual(set.limits);
    expect(configSchema.safeParse({ limits: { hooksPerTenant: 0 } }).success).toBe(false);
  });

  it('refuse the 101st hook with 409 QUOTA_EXCEEDED naming the limit, per tenant', async () => {
    for (let i = 0; i < 100; i++) {
      expect((await f.call('POST', '/v1/hooks', { token, body: hook })).status).toBe(201);
    }
    const res = await f.call('POST', '/v1/hooks', { token, body: hook });
    expect([res.status, errorOf(res.body).code]).toEqual([409, 'QUOTA_EXCEEDED']);
    expect(errorOf(res.body).message).toContain('limits.hooksPerTenant');
    expect(errorOf(res.body).details).toMatchObject({ limit: 'limits.hooksPerTenant', max: 100 });
    const other = (await f.mint('globex')).token;
    expect((await f.call('POST', '/v1/hooks', { token: other, body: hook })).status).toBe(201);
  });

  it('refuse one schedule past the configured limit, and allow one again after a delete', async () => {
    Object.assign(f.ctx, { settings: { ...defaultCoreSettings, schedulesPerTenant: 3 } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await f.call('POST', '/v1/schedules', { token, body: schedule });
      expect(res.status).toBe(201);
      ids.push(String(res.body.id));
    }
    const res = await f.call('POST', '/v1/schedules', { token, body: schedule });
    expect([res.status, errorOf(res.body).code]).toEqual([409, 'QUOTA_EXCEEDED']);
    expect(errorOf(res.body).message).toContain('limits.schedulesPerTenant = 3');
    expect((await f.call('DELETE', `/v1/schedules/${ids[0]}`, { token })).status).toBe(204);
    expect((await f.call('POST', '/v1/schedules', { token, body: schedule })).status).toBe(201);
  });
});

describe('/metrics', () => {
  beforeEach(async () => {
    expect((await f.call('POST', '/v1/jobs', { token, body: jobBody('research') })).status).toBe(
      202,
    );
  });

  it('is not open: no token is 401, and nothing is shown', async () => {
    const res = await f.call('GET', '/metrics');
    expect([res.status, errorOf(res.body).code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(res.text).not.toMatch(/switchyard_/);
  });

  it('shows job figures to a metrics:read token, and refuses a token without it', async () => {
    const monitor = (await f.mint(ADMIN, ['metrics:read'])).token;
    const res = await f.call('GET', '/metrics', { token: monitor });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^switchyard_jobs_submitted_total\{state="\w+"\} 1$/m);
    expect(res.text).toMatch(/^switchyard_jobs_active\{state="\w+"\} 1$/m);

    const withoutScope = (await f.mint('acme', ['jobs:read'])).token;
    const alsoDenied = await f.call('GET', '/metrics', { token: withoutScope });
    expect([alsoDenied.status, errorOf(alsoDenied.body).code]).toEqual([403, 'FORBIDDEN']);
    expect(errorOf(alsoDenied.body).message).toContain('metrics:read');
    const bad = await f.call('GET', '/metrics', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
  });

  it.each(['metrics:read', 'metrics:tenants'])(
    'is a platform scope: a tenant admin cannot mint %s',
    async (scope) => {
      const tenantAdmin = (await f.mint('acme', ['tokens:admin', scope])).token;
      const res = await f.call('POST', '/v1/tokens', {
        token: tenantAdmin,
        body: { scopes: [scope], projects: ['*'] },
      });
      expect(res.status).toBe(403);
    },
  );
});

describe('drainer heartbeat', () => {
  const capacity = (at: string, a: { total: number; free: number; maxFreePerNode: number }) => ({
    clusterId: 'sim-one',
    capacity: { reportedAt: at, accelerators: { 'nvidia-a100': a } },
  });
  let drainer: string;
  beforeEach(async () => {
    drainer = (await f.mint(ADMIN, ['drainer'])).token;
  });
  const now = () => new Date(f.clock.now()).toISOString();
  const later = (ms: number) => new Date(f.clock.now() + ms).toISOString();

  it.each([
    [
      'more free GPUs than the total',
      () => capacity(now(), { total: 8, free: 9, maxFreePerNode: 8 }),
      'capacity.accelerators.nvidia-a100.free',
    ],
    [
      'more free on one node than in all',
      () => capacity(now(), { total: 8, free: 2, maxFreePerNode: 4 }),
      'capacity.accelerators.nvidia-a100.maxFreePerNode',
    ],
    [
      'a time an hour in the future',
      () => capacity(later(3600_000), { total: 8, free: 8, maxFreePerNode: 8 }),
      'capacity.reportedAt',
    ],
  ])('refuses %s with 400 naming the field', async (_what, body, field) => {
    const res = await f.call('POST', '/v1/drainer/heartbeat', { token: drainer, body: body() });
    expect([res.status, errorOf(res.body).code]).toEqual([400, 'BAD_REQUEST']);
    expect(errorOf(res.body).message).toContain(field);
    const cluster = await f.call('GET', '/v1/clusters/sim-one', { token });
    expect(JSON.stringify(cluster.body)).not.toContain('"free":9');
  });

  it('accepts a consistent report, and a clock a few seconds ahead', async () => {
    for (const at of [now(), later(30_000)]) {
      const body = capacity(at, { total: 8, free: 3, maxFreePerNode: 3 });
      const res = await f.call('POST', '/v1/drainer/heartbeat', { token: drainer, body });
      expect(res.status).toBe(204);
    }
  });
});
