// A Slurm cluster in operations, in-process with a settable clock (the security fixture's API) and
// the run's real Slurm: GET /v1/clusters shows it as `kind: slurm` with its partition and Slurm
// release beside Kubernetes clusters; while its controller runs, the drainer's heartbeat keeps it
// online; once slurmctld is stopped the heartbeat fails, the cluster goes offline, and a job queued
// for it fails over to the Kubernetes cluster the job allows (slurmctld is started again, and
// waited for, before the case ends: the other Slurm files share it). And the push drainer function
// on the same Slurm: a pushed create submits the job, `/reconcile` heartbeats the cluster and
// reports the job as Slurm ends it, with its Slurm job id; a job cancelled with scancel is reported
// cancelled, and an expected job Slurm no longer has is reported deleted — by `/reconcile`, and by
// a pull drainer just started (its follower's first list).
import { afterAll, describe, expect, it } from 'vitest';
import { startController, stopController } from '../../infra/slurm/index.js';
import { iso } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { evacuateOffline } from '../../shared/dispatch/failover.js';
import { createDrainer } from '../../shared/drainer/drainer.js';
import { createPushApp } from '../../shared/drainer/push.js';
import { legacyPasses } from '../../shared/drainer/legacy.js';
import { targetLegacySource } from '../../shared/drainer/legacy-sources.js';
import type { ControlPlane, StatusReport } from '../../shared/protocol/control-port.js';
import { systemClock } from '../../shared/base/clock.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { aWorkload, refOf, waitForStatus } from '../contract/target.contract.js';
import { pushBody } from '../support/push-delivery.js';
import { createSlurmOutputReader } from '../../shared/targets/slurm/output.node.js';
import type { LogShipment } from '../../shared/protocol/logs.js';
import { ADMIN, createFixture, jobBody } from '../security/fixture.js';
import { dispatchOf } from '../support/dispatch-context.js';
import { skipSlurmTests, useSlurm } from '../support/slurm.js';
import { slurmTargetOn } from '../support/slurm-target.js';
import type { Target } from '../../shared/targets/port.js';

/** Resolves once `probe` holds (polled every 50 ms); throws after `ms`. */
async function waitFor(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The push function with the one Slurm target `onprem-hpc` and no Kubernetes clusters. */
const pushAppOn = (target: Target, control: ControlPlane) =>
  createPushApp({
    queueName: 'onprem',
    clusters: new Map(),
    targets: new Map([['onprem-hpc', target]]),
    control,
    clock: systemClock,
    log: silentLogger,
    authenticate: 'none',
    budgetMs: 5_000,
  });

type ClusterView = { id: string; kind: string; partition: string | null; status: string };
type JobView = {
  state: string;
  clusterId: string;
  events: Array<{ reason: string; message: string }>;
};

describe.skipIf(skipSlurmTests)('a Slurm cluster in operations', () => {
  const slurm = useSlurm();
  /** The controller coming back (started once it was stopped); awaited before the case ends. */
  let back: Promise<void> | undefined;
  let stopped = false;
  afterAll(async () => {
    if (stopped) await (back ?? startController(slurm()));
  });

  it('goes offline when slurmctld stops, and queued work fails over to Kubernetes', async () => {
    const f = await createFixture();
    f.clock.set(Date.now());
    const token = (await f.mint(ADMIN)).token;
    const ctx = dispatchOf(f.ctx);
    await createClusterService(f.ctx).register([
      {
        id: 'onprem-hpc',
        cloud: 'onprem',
        region: 'dc1',
        labels: { scheduler: 'slurm' },
        queue: 'onprem',
        pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 4, costPerGpuHour: 0.5 }],
        slurm: { partition: slurm().partition },
      },
    ]);
    const target = slurmTargetOn(slurm(), 'slurm-operations-test', {
      // slurmrestd answers an error only after ~9 s without its controller; give up sooner.
      timeoutMs: 1_500,
      defaultAccelerator: 'nvidia-a100',
      clock: f.clock,
    });
    const control = createControlPlane(ctx);
    const drainer = createDrainer({
      queueName: 'onprem',
      queue: f.ctx.queue,
      clusters: new Map(),
      targets: new Map([['onprem-hpc', target]]),
      control,
      clock: f.clock,
      log: silentLogger,
    });
    const kubernetesHeartbeat = () =>
      control.heartbeat('sim-one', {
        reportedAt: iso(f.clock.now()),
        accelerators: { 'nvidia-a100': { total: 8, free: 8, maxFreePerNode: 8 } },
      });
    const clusters = async () =>
      ((await f.call('GET', '/v1/clusters', { token })).body.items as ClusterView[]).sort((a, b) =>
        a.id.localeCompare(b.id),
      );

    await drainer.heartbeat();
    await kubernetesHeartbeat();
    expect(await clusters()).toEqual([
      expect.objectContaining({
        id: 'onprem-hpc',
        kind: 'slurm',
        partition: 'debug',
        status: 'active',
      }),
      expect.objectContaining({
        id: 'sim-one',
        kind: 'kubernetes',
        partition: null,
        status: 'active',
      }),
    ]);

    // Queued for Slurm: the Kubernetes cluster is cordoned while it is placed, then usable again.
    expect((await f.call('POST', '/v1/clusters/sim-one/cordon', { token })).status).toBe(200);
    const submitted = await f.call('POST', '/v1/jobs', {
      token,
      body: jobBody('research', { constraints: { clusters: ['onprem-hpc', 'sim-one'] } }),
    });
    expect(submitted.body).toMatchObject({ state: 'dispatched', clusterId: 'onprem-hpc' });
    expect((await f.call('POST', '/v1/clusters/sim-one/uncordon', { token })).status).toBe(200);

    const release = (await slurm().cli('scontrol', ['--version'])).trim().split(' ').at(-1);
    expect((await f.store.clusters.get('onprem-hpc'))!.capacity!.version).toBe(release);

    stopped = true;
    await stopController(slurm().dir);
    const before = (await f.store.clusters.get('onprem-hpc'))!.capacity!.reportedAt;
    f.clock.advance(1_000);
    await drainer.heartbeat(); // fails: slurmrestd cannot reach its controller
    expect((await f.store.clusters.get('onprem-hpc'))!.capacity!.reportedAt).toBe(before);
    back = startController(slurm()); // comes back while the rest runs in-process

    f.clock.advance(ctx.settings.heartbeatTimeoutMs + ctx.settings.offlineGraceMs);
    await kubernetesHeartbeat();
    expect((await clusters()).map((c) => [c.id, c.status])).toEqual([
      ['onprem-hpc', 'offline'],
      ['sim-one', 'active'],
    ]);
    expect(await evacuateOffline(ctx)).toBe(1);
    const moved = (await f.call('GET', `/v1/jobs/${submitted.body.id as string}`, { token }))
      .body as unknown as JobView;
    expect(moved).toMatchObject({ state: 'dispatched', clusterId: 'sim-one' });
    expect(moved.events.map((e) => e.reason)).toContain('ClusterOffline');
    await back;
    stopped = false;
    f.clock.set(Date.now());
    expect((await target.capacity()).accelerators['nvidia-a100']).toMatchObject({ total: 8 });
  });

  it('the push function submits on Slurm and /reconcile reports the job with its Slurm job id', async () => {
    const reports: StatusReport[] = [];
    const heartbeats: string[] = [];
    const shipped: LogShipment[] = [];
    const control: ControlPlane = {
      claim: async () => ({ proceed: true }),
      report: async (r) => {
        reports.push(r);
        return {};
      },
      heartbeat: async (id) => void heartbeats.push(id),
      shipLogs: async (c) => {
        shipped.push(c);
        return { stored: c.lines.length, nextLine: c.fromLine + c.lines.length };
      },
    };
    const target = slurmTargetOn(slurm(), 'slurm-operations-test', {
      defaultAccelerator: 'nvidia-a100',
      output: createSlurmOutputReader({ workdir: slurm().workdir }),
    });
    const app = pushAppOn(target, control);
    const w = aWorkload({ seconds: 0 });
    w.placement.clusterId = 'onprem-hpc';
    w.spec.name = 'pushed-job'; // a queue message carries a valid submission
    w.spec.command = ['sh', '-c', 'echo "printed on Slurm"'];
    const pushed = await app.request('http://fn/push', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pushBody({ kind: 'create', ...w })),
    });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toEqual({ outcome: 'done', kind: 'create' });
    expect(reports).toEqual([
      expect.objectContaining({ jobId: w.jobId, phase: 'pending', targetKind: 'slurm' }),
    ]);
    const end = await waitForStatus(target, refOf(w), (s) => s?.state === 'succeeded');
    const reconciled = await app.request('http://fn/reconcile', { method: 'POST' });
    expect(reconciled.status).toBe(200);
    // Its output file's line, shipped by the reconcile before it reported the end.
    expect(((await reconciled.json()) as { logLines: number }).logLines).toBeGreaterThan(0);
    expect(shipped.filter((c) => c.jobId === w.jobId)).toEqual([
      expect.objectContaining({
        jobId: w.jobId,
        stream: `sy-${w.jobId}-${end!.externalId}`,
        replica: 0,
        fromLine: 0,
        lines: [expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+ printed on Slurm$/)],
      }),
    ]);
    expect(heartbeats).toEqual(['onprem-hpc']);
    expect(reports.filter((r) => r.jobId === w.jobId).at(-1)).toMatchObject({
      phase: 'succeeded',
      targetJobId: end!.externalId,
      result: { exitCode: 0 },
    });
  });

  it('/reconcile reports a job cancelled with scancel, and an expected job Slurm no longer has', async () => {
    const reports: StatusReport[] = [];
    const target = slurmTargetOn(slurm(), 'slurm-operations-test');
    const cancelled = aWorkload({ seconds: 60 });
    const gone = aWorkload(); // expected by the control plane, never (or no longer) on Slurm
    const legacy = aWorkload({ seconds: 60 }); // submitted before deployments had ids
    for (const w of [cancelled, gone, legacy]) w.placement.clusterId = 'onprem-hpc';
    const expected = [cancelled, gone, legacy].map((w) => ({
      jobId: w.jobId,
      attempt: 1,
      namespace: w.placement.namespace,
      kubeName: w.placement.kubeName,
    }));
    const control: ControlPlane = {
      claim: async () => ({ proceed: true }),
      report: async (r) => {
        reports.push(r);
        return {};
      },
      heartbeat: async () => {},
      expected: async () => expected,
    };
    const app = pushAppOn(target, control);
    await target.create(cancelled);
    const legacyId = await submitRaw(
      legacy.jobId,
      `switchyard job=${legacy.jobId} attempt=1 tenant=t by=u`,
    );
    const running = await waitForStatus(target, refOf(cancelled), (s) => s?.state === 'running');
    await slurm().cli('scancel', [running!.externalId]);
    await waitForStatus(target, refOf(cancelled), (s) => s?.state === 'cancelled');

    const answer = await app.request('http://fn/reconcile', { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ vanished: 1 });
    const last = (w: { jobId: string }) => reports.filter((r) => r.jobId === w.jobId).at(-1);
    expect(last(cancelled)).toMatchObject({ phase: 'cancelled', targetJobId: running!.externalId });
    expect(last(gone)).toMatchObject({ phase: 'deleted', targetKind: 'slurm', attempt: 1 });
    // Not listed (no deployment in its comment), but found by its job id: reported as it stands.
    expect(last(legacy)).toMatchObject({ targetJobId: String(legacyId), targetKind: 'slurm' });
    expect(last(legacy)!.phase).not.toBe('deleted');
    // A pull drainer started now (as after a restart: no memory) does the same after its
    // follower's first list (shared/drainer/vanished.ts): `gone` reported deleted, no other.
    const sinceStart = reports.length;
    const logged: string[] = [];
    const drainer = createDrainer({
      queueName: 'onprem',
      queue: createMemoryQueue(),
      clusters: new Map(),
      targets: new Map([['onprem-hpc', target]]),
      control,
      clock: systemClock,
      log: { ...silentLogger, info: (msg) => void logged.push(msg) },
      targetPollMs: 60_000,
    });
    drainer.start();
    try {
      await waitFor(() => logged.some((m) => m.includes('expected jobs it lacked')), 10_000);
    } finally {
      await drainer.stop();
    }
    const deleted = reports.slice(sinceStart).filter((r) => r.phase === 'deleted');
    expect(deleted.map((r) => r.jobId)).toEqual([gone.jobId]);
    expect(deleted[0]).toMatchObject({ targetKind: 'slurm', attempt: 1 });
    // The pull drainer lists it among the unmarked jobs (its own job is not) and, as the control
    // plane expects it, follows it (shared/drainer/legacy.ts) to the end scancel gives it.
    const unmarked = (await target.listUnmarked!()).map((s) => s.jobId);
    expect(unmarked).toContain(legacy.jobId);
    expect(unmarked).not.toContain(cancelled.jobId);
    const d = { control, clock: systemClock, log: silentLogger };
    const passes = legacyPasses(targetLegacySource(d, target)!, d);
    const before = reports.length;
    await passes.pass(true);
    expect(reports.slice(before).map((r) => r.jobId)).toEqual([legacy.jobId]);
    expect(passes.followed()).toBe(1);
    await slurm().cli('scancel', [String(legacyId)]);
    await waitForStatus(target, refOf(legacy), (s) => s?.state === 'cancelled');
    await passes.pass(false);
    expect(last(legacy)).toMatchObject({ phase: 'cancelled', targetJobId: String(legacyId) });
    expect(passes.followed()).toBe(0);
  });

  /** Submits a `sy-<job id>` job with this comment straight through slurmrestd; its Slurm job id. */
  async function submitRaw(jobId: string, comment: string): Promise<number> {
    const res = await fetch(`${slurm().url}/slurm/v0.0.38/job/submit`, {
      method: 'POST',
      headers: {
        'X-SLURM-USER-NAME': slurm().user,
        'X-SLURM-USER-TOKEN': slurm().token,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        script: '#!/bin/bash\nsleep 60\n',
        job: {
          name: `sy-${jobId}`,
          comment,
          partition: slurm().partition,
          current_working_directory: slurm().workdir,
          environment: { PATH: '/usr/bin:/bin' },
        },
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { job_id: number }).job_id;
  }
});
