/**
 * /v1/maintenance in process (the real app over the memory store): a bad plan names every bad
 * field at once; unknown clusters, an empty selector and a cluster already in a live plan are
 * refused with what to fix; a plan cordons its first cluster, is read back without its secret,
 * refuses a done for a cluster still draining, and cancel gives the cluster back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDispatchContext } from '../../shared/dispatch/context.js';
import { createMaintenanceService } from '../../shared/maintenance/service.js';
import { createFixture, type Fixture } from '../security/fixture.js';

let f: Fixture;
let token: string;
const SECRET = 'whsec_' + 'a'.repeat(24);
type Err = {
  error: { code: string; message: string; details?: { fields: Array<{ path: string }> } };
};

beforeAll(async () => {
  f = await createFixture();
  token = (await f.mint('ops')).token;
});

/** One pass of the control plane's sweep (what the Node timer and the Worker cron run). */
const sweep = () => createMaintenanceService(createDispatchContext(f.ctx)).sweep();
const post = (path: string, body?: unknown) => f.call('POST', path, { token, body });

describe('/v1/maintenance', () => {
  it('lists every bad field of a plan at once', async () => {
    const res = await post('/v1/maintenance', {
      maxUnavailable: 0,
      drainTimeoutSeconds: -1,
      atDeadline: 'later',
      upgrade: { webhook: { url: 'ftp://x', secret: 'nope' } },
      extra: true,
    });
    expect(res.status).toBe(400);
    const { error } = res.body as unknown as Err;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details!.fields.map((x) => x.path).sort()).toEqual(
      [
        '(body)',
        'atDeadline',
        'clusters',
        'drainTimeoutSeconds',
        'maxUnavailable',
        'upgrade.webhook.secret',
        'upgrade.webhook.url',
      ].sort(),
    );
    expect(error.message).toContain('exactly one');
  });

  it('refuses unknown clusters by position and a selector that matches none', async () => {
    const unknown = await post('/v1/maintenance', { clusters: ['sim-one', 'nope-1'] });
    expect(unknown.status).toBe(400);
    expect((unknown.body as unknown as Err).error.message).toContain(
      'clusters.1: no cluster nope-1 is registered',
    );
    const none = await post('/v1/maintenance', { selector: { tier: 'gold' } });
    expect(none.status).toBe(400);
    expect((none.body as unknown as Err).error.message).toContain('selector');
  });

  it('starts, hides the secret, refuses a second plan on the cluster, and cancel uncordons', async () => {
    const res = await post('/v1/maintenance', {
      clusters: ['sim-one'],
      upgrade: { webhook: { url: 'https://upgrades.example/hook', secret: SECRET } },
    });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(SECRET);
    const id = res.body.id as string;
    expect(res.body.steps).toMatchObject([{ clusterId: 'sim-one', state: 'draining' }]);
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('draining');
    // Nothing runs there: the next sweep asks for the upgrade.
    expect(await sweep()).toBe(1);
    const read = await f.call('GET', `/v1/maintenance/${id}`, { token });
    expect(read.body.steps).toMatchObject([{ clusterId: 'sim-one', state: 'upgrading' }]);
    expect(read.text).not.toContain(SECRET);
    // The plan's webhook is in the outbox, signed with the plan's secret when sent.
    expect((await f.store.deliveries.listByJob(id)).map((d) => d.eventType)).toEqual([
      'maintenance.plan.started',
      'maintenance.cluster.draining',
      'maintenance.cluster.upgrade-requested',
    ]);

    const again = await post('/v1/maintenance', { clusters: ['sim-one'] });
    expect([again.status, (again.body as unknown as Err).error.message]).toEqual([
      409,
      expect.stringContaining(`already in live maintenance plan ${id}`),
    ]);
    const listed = await f.call('GET', '/v1/maintenance', { token });
    expect((listed.body.items as Array<{ id: string }>).map((p) => p.id)).toContain(id);

    const paused = await post(`/v1/maintenance/${id}:pause`);
    expect(paused.body.state).toBe('paused');
    const cancelled = await post(`/v1/maintenance/${id}:cancel`);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('active');
    const late = await post(`/v1/maintenance/${id}/clusters/sim-one/done`);
    expect([late.status, (late.body as unknown as Err).error.code]).toEqual([409, 'INVALID_STATE']);
    const missing = await f.call('GET', '/v1/maintenance/mnt_nope', { token });
    expect(missing.status).toBe(404);
  });

  it('takes an operator done for a cluster being upgraded and finishes the plan', async () => {
    const res = await post('/v1/maintenance', { clusters: ['sim-one'] });
    const id = res.body.id as string;
    const early = await post(`/v1/maintenance/${id}/clusters/sim-one/done`);
    expect((early.body as unknown as Err).error.message).toContain('is draining');
    await sweep();
    const done = await post(`/v1/maintenance/${id}/clusters/sim-one/done`);
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('succeeded');
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('active');
  });
});
