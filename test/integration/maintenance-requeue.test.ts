// A maintenance plan with `atDeadline: requeue`, in process over real parts: the app served over
// loopback, two simulated clusters and a pull drainer that reaches the API over HTTP. A job
// running on the cluster being drained outlives the drain deadline: it goes back to pending
// (same id, attempt 2, reason Maintenance naming the plan), runs on the other cluster, its old
// copy is deleted, and the plan goes on to the upgrade and finishes.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { silentLogger } from '../../shared/base/log.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { admitPending } from '../../shared/dispatch/dispatch.js';
import type { Job } from '../../shared/domain/job.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import { createMaintenanceService } from '../../shared/maintenance/service.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { ADMIN, createFixture } from '../security/fixture.js';
import { dispatchOf } from '../support/dispatch-context.js';
import { waitFor } from '../support/server-process.js';
import { startTestSim } from '../sim-cluster/helpers.js';

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function setUp() {
  const f = await createFixture();
  const token = (await f.mint(ADMIN)).token;
  // sim-one is the cheaper, so the job starts there; sim-two takes it when sim-one is drained.
  await createClusterService(f.ctx).register(
    (['sim-one', 'sim-two'] as const).map((id, i) => ({
      id,
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 4, costPerGpuHour: 1 + i }],
    })),
  );
  const server: ServerType = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  stops.push(() => new Promise((r) => server.close(r)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sims = new Map<string, SimCluster>();
  const clusters = new Map<string, ReturnType<typeof createKubernetesCluster>>();
  for (const id of ['sim-one', 'sim-two']) {
    const sim = await startTestSim({ id });
    const cluster = createKubernetesCluster({
      clusterId: id,
      kubeconfig: { server: sim.url },
      clock: f.clock,
    });
    stops.push(
      () => sim.close(),
      () => cluster.close(),
    );
    sims.set(id, sim);
    clusters.set(id, cluster);
  }
  const drainer: Drainer = createDrainer({
    queueName: 'aws',
    queue: f.ctx.queue,
    clusters,
    control: createHttpControlPlane({ baseUrl: url, token }),
    clock: f.clock,
    log: silentLogger,
    pollMs: 50,
    heartbeatMs: 200,
  });
  drainer.start();
  stops.push(() => drainer.stop());
  const job = async (id: string) => (await f.store.jobs.get(id))!;
  const until = (id: string, pred: (j: Job) => boolean, what: string) =>
    waitFor(async () => ((j) => (pred(j) ? j : undefined))(await job(id)), 15_000, what);
  return { f, token, sims, job, until };
}

describe('maintenance with atDeadline: requeue', () => {
  it('requeues a job still running at the drain deadline elsewhere, and the plan goes on', async () => {
    const { f, token, sims, until } = await setUp();
    const d = dispatchOf(f.ctx);
    const sweep = () => createMaintenanceService(d).sweep();
    const submitted = await f.call('POST', '/v1/jobs', {
      token,
      body: {
        name: 'long',
        project: 'p',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: '60' },
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    const first = await until(id, (j) => j.state === 'running', 'the job to run on sim-one');
    expect(first.placement).toMatchObject({ clusterId: 'sim-one', attempt: 1 });

    const started = await f.call('POST', '/v1/maintenance', {
      token,
      body: { clusters: ['sim-one'], drainTimeoutSeconds: 5, atDeadline: 'requeue' },
    });
    expect(started.status).toBe(201);
    const planId = started.body.id as string;
    const plan = async () => (await f.call('GET', `/v1/maintenance/${planId}`, { token })).body;
    // Before the deadline the job keeps running and the step keeps draining.
    f.clock.advance(4_000);
    await sweep();
    expect((await plan()).steps).toMatchObject([{ clusterId: 'sim-one', state: 'draining' }]);
    expect((await f.store.jobs.get(id))!.state).toBe('running');

    f.clock.advance(2_000);
    await sweep();
    const requeued = (await f.store.jobs.get(id))!;
    expect(requeued.state).toBe('pending');
    const event = requeued.events.at(-1)!;
    expect([event.state, event.reason]).toEqual(['pending', 'Maintenance']);
    expect(event.message).toContain(`drain deadline in maintenance plan ${planId}`);
    expect(event.message).toContain('requeued (attempt 2)');
    expect((await plan()).steps).toMatchObject([{ clusterId: 'sim-one', requeued: [id] }]);

    // Admitted again like any pending job: sim-one is draining, so it runs on sim-two.
    await admitPending(d);
    const moved = await until(id, (j) => j.state === 'running', 'the job to run on sim-two');
    expect(moved.id).toBe(id);
    expect(moved.placement).toMatchObject({ clusterId: 'sim-two', attempt: 2 });
    expect(moved.attempts?.map((a) => [a.clusterId, a.outcome, a.reason])).toEqual([
      ['sim-one', 'retried', 'Maintenance'],
    ]);
    // The copy left on sim-one is deleted (the cancel message the requeue sent).
    const jobsOn = async (sim: SimCluster) => {
      const res = await fetch(`${sim.url}/apis/batch/v1/jobs`);
      return ((await res.json()) as { items: unknown[] }).items.length;
    };
    await waitFor(
      async () => ((await jobsOn(sims.get('sim-one')!)) === 0 ? true : undefined),
      15_000,
      'the old copy on sim-one to be deleted',
    );

    // The plan goes on: nothing left on sim-one, so it is upgraded, then done and uncordoned.
    await sweep();
    expect((await plan()).steps).toMatchObject([{ clusterId: 'sim-one', state: 'upgrading' }]);
    const done = await f.call('POST', `/v1/maintenance/${planId}/clusters/sim-one/done`, {
      token,
    });
    expect([done.status, done.body.state]).toEqual([200, 'succeeded']);
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('active');
    expect((await f.store.jobs.get(id))!.placement?.clusterId).toBe('sim-two');
  });
});
