// Gangs through the job service over the in-memory store: the shared cluster-state snapshot takes
// a dispatched gang's every GPU out at once (the next gang does not land on the GPUs it holds),
// the explanation names the gang, and kinds set through PUT /v1/clusters/:id decide before any
// report, with a bad kind refused field by field.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import { SCOPES, type Principal } from '../../shared/domain/principal.js';
import { createClusterAdmin } from '../../shared/dispatch/cluster-admin.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { admitPending, createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { AppError } from '../../shared/base/errors.js';
import { parseConfig } from '../../shared/config/schema.js';

const admin: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_admin',
  scopes: new Set(SCOPES),
  projects: ['*'],
};

const gang = (nodes: number, kind = 'pytorchjob') => ({
  name: 'finetune',
  project: 'p',
  image: 'trainer',
  kind,
  nodes,
  resources: { accelerator: { type: 'nvidia-h100', count: 8 } },
});

async function setUp() {
  const clock = { now: () => Date.parse('2030-01-01T00:00:00Z') };
  const noop = () => {};
  const ctx: CoreContext = {
    store: createMemoryStore({ clock }),
    queue: createMemoryQueue({ clock }),
    clock,
    settings: defaultCoreSettings,
    log: { info: noop, warn: noop, error: noop },
  };
  const clusters = createClusterAdmin(dispatchOf(ctx));
  const put = (id: string, body: Record<string, unknown>) =>
    clusters.upsert(admin, id, {
      cloud: 'gcp',
      region: 'us-central1',
      pools: [{ accelerator: 'nvidia-h100', nodes: 3, gpusPerNode: 8, costPerGpuHour: 9 }],
      ...body,
    });
  const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
  return { ctx, put, jobs };
}

describe('gangs through the job service', () => {
  it('takes every GPU of a dispatched gang out of the shared snapshot at once', async () => {
    const t = await setUp();
    await t.put('gke-h100', { kinds: ['job', 'pytorchjob'] });
    const first = (await t.jobs.submit(admin, gang(2))).job;
    expect([first.state, first.placement?.clusterId]).toEqual(['dispatched', 'gke-h100']);
    expect(first.decision?.message).toMatch(/^placed 2 × 8 nvidia-h100 = 16 GPUs on gke-h100/);
    // 8 of 24 GPUs are left: a second 2-node gang waits instead of landing on the first's GPUs.
    const second = (await t.jobs.submit(admin, gang(2))).job;
    expect(second.state).toBe('pending');
    // The first gang's reservation is not in any report yet; the words are per node.
    expect(second.decision?.candidates[0]?.reasons).toEqual([
      'needs 2 nodes with 8 free nvidia-h100 each; 1 node has room',
    ]);
  });

  it('explains a gang no cluster can run, and the kinds a cluster declares', async () => {
    const t = await setUp();
    await t.put('gke-h100', {});
    // No kinds declared and no report yet: the gang waits for the cluster to say.
    const d = await t.jobs.explain(admin, gang(2));
    expect(d.outcome).toBe('pending');
    expect(d.candidates[0]?.reasons).toEqual([
      'cluster gke-h100 has not reported which workload kinds it runs yet',
    ]);
    await t.put('gke-h100', { kinds: ['job'] });
    expect((await t.jobs.explain(admin, gang(2))).candidates[0]?.reasons).toEqual([
      'pytorchjob: kubeflow.org not installed',
    ]);
    await t.put('gke-h100', { kinds: ['job', 'pytorchjob'] });
    // A single-pod `job` cannot ask for 4 nodes (the spec refuses it), so the too-few-nodes case
    // is a 4-pod PyTorchJob on a cluster that runs them.
    expect((await t.jobs.explain(admin, gang(4))).message).toMatch(
      /^no cluster can ever run 4 × 8 nvidia-h100 = 32 GPUs: 1 has too few nodes for the gang \(needs 4 nodes of 8 nvidia-h100; the most any has is 3\)/,
    );
    expect((await t.jobs.explain(admin, gang(2))).clusterId).toBe('gke-h100');
  });

  it('a gang waiting for an unreported cluster is placed once its report lists the kind', async () => {
    const t = await setUp();
    await t.put('gke-h100', {});
    const job = (await t.jobs.submit(admin, gang(2))).job;
    expect(job.state).toBe('pending');
    expect(job.decision?.message).toBe(
      'the job waits: cluster gke-h100 has not reported which workload kinds it runs yet (the job is a pytorchjob)',
    );
    const d = dispatchOf(t.ctx);
    const at = new Date(t.ctx.clock.now()).toISOString();
    const free = { total: 24, free: 24, maxFreePerNode: 8, freePerNode: [8, 8, 8] };
    await createControlPlane(d).heartbeat('gke-h100', {
      reportedAt: at,
      accelerators: { 'nvidia-h100': free },
      kinds: ['job', 'pytorchjob'],
    });
    expect(await admitPending(d)).toBe(1);
    const placed = await t.ctx.store.jobs.get(job.id);
    expect([placed?.state, placed?.placement?.clusterId]).toEqual(['dispatched', 'gke-h100']);
  });

  it('refuses an unknown kind in a cluster definition, naming the field', async () => {
    const t = await setUp();
    const err = (await t.put('gke-h100', { kinds: ['mpijob'] }).catch((e) => e)) as AppError;
    expect(err.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(err)).toMatch(/kinds\.0.*kinds are job, jobset, pytorchjob, rayjob/);
  });
});

describe('kinds in the configuration', () => {
  const cluster = (kinds?: unknown) => ({
    clusters: [
      {
        id: 'onprem-a',
        cloud: 'onprem',
        region: 'site-a',
        pools: [{ accelerator: 'nvidia-h100', nodes: 4, gpusPerNode: 8 }],
        connect: { inCluster: true },
        ...(kinds !== undefined && { kinds }),
      },
    ],
  });

  it('reads declared kinds, leaves them absent (Jobs only) by default, refuses unknown ones', () => {
    expect(parseConfig(cluster(['job', 'rayjob']), 't.yaml').clusters[0]!.kinds).toEqual([
      'job',
      'rayjob',
    ]);
    expect(parseConfig(cluster(), 't.yaml').clusters[0]!.kinds).toBeUndefined();
    expect(() => parseConfig(cluster(['mpijob']), 't.yaml')).toThrow(/clusters\.0\.kinds\.0/);
  });
});
