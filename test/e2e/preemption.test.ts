// Preemption end to end: the real server, two simulated clusters of two 2-GPU nodes each and the
// embedded pull drainers. Low-priority 2-GPU jobs fill every node of the fleet; a high-priority
// gang (a PyTorchJob of 2 pods × 1 GPU) fits only by preempting, and only by freeing both nodes of
// one cluster (its 2 GPUs in total would fit on one node, but each pod needs its own node).
// jobs:explain names the victims beforehand on one cluster; then exactly that cluster loses work,
// its victims go back to pending (Preempted) and finish later on a second attempt, and the gang
// runs there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';

type Job = {
  id: string;
  state: string;
  clusterId: string | null;
  events: Array<{ state?: string; reason: string; message: string }>;
};
type Decision = {
  outcome: string;
  waitingFor?: string;
  preemption?: { clusterId: string; victims: Array<{ jobId: string }>; done: boolean };
};

const POOL = '[{ accelerator: nvidia-a100, nodes: 2, gpusPerNode: 2 }]';
const KINDS = '[job, pytorchjob]';
const CONFIG = `
server: { port: 0 }
scheduling: { heartbeatTimeoutSeconds: 5, admissionIntervalSeconds: 0.3, redispatchAfterSeconds: 5 }
queue: { visibilitySeconds: 5, maxAttempts: 10 }
clusters:
  - { id: east, cloud: aws, region: us-east-1, queue: east, pools: ${POOL}, kinds: ${KINDS}, connect: { simulated: {} } }
  - { id: west, cloud: aws, region: us-west-2, queue: west, pools: ${POOL}, kinds: ${KINDS}, connect: { simulated: {} } }
`;

describe('preemption', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-preempt-'));
  let server: ServerProcess;
  let api: ReturnType<typeof apiClient>;

  const body = (name: string, priority: number, gpus: number, seconds: number) => ({
    name,
    project: 'fleet',
    image: 'busybox',
    priority,
    env: { SIM_DURATION_SECONDS: String(seconds) },
    resources: { accelerator: { type: 'nvidia-a100', count: gpus } },
  });
  const get = async (id: string) => (await api<Job>('GET', `/v1/jobs/${id}`)).body;
  const until = (id: string, pred: (j: Job) => boolean, what: string) =>
    waitFor(async () => ((j) => (pred(j) ? j : undefined))(await get(id)), 20_000, what);

  beforeAll(async () => {
    writeFileSync(join(dir, 'config.yaml'), CONFIG);
    server = await startServer({
      dataDir: join(dir, 'data'),
      env: { SWITCHYARD_CONFIG: join(dir, 'config.yaml') },
    });
    api = apiClient(server.url, server.token);
    const policy = await api('PUT', '/v1/policy', {
      version: 'preempt-1',
      preemption: { enabled: true, minPriorityGap: 100, gracePeriodSeconds: 0, maxVictims: 4 },
    });
    expect(policy.status).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains the victims, evicts them on one cluster, and every job finishes', async () => {
    // East's work has the lowest priority, so east is the one cluster to lose work.
    const low: Job[] = [];
    for (const [cluster, priority] of [
      ['east', 10],
      ['west', 20],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const spec = {
          ...body(`low-${cluster}-${i}`, priority, 2, 3),
          constraints: { clusters: [cluster] },
        };
        low.push((await api<Job>('POST', '/v1/jobs', spec)).body);
      }
    }
    for (const j of low) await until(j.id, (x) => x.state === 'running', `${j.id} to run`);

    const high = { ...body('urgent', 500, 1, 1), kind: 'pytorchjob', nodes: 2 };
    const explained = (await api<Decision>('POST', '/v1/jobs:explain', high)).body;
    expect([explained.outcome, explained.waitingFor]).toEqual(['pending', 'capacity']);
    const plan = explained.preemption!;
    expect(plan).toMatchObject({ clusterId: 'east', done: false });
    // Both of east's jobs: one would free the GPUs the gang needs in total, but not two nodes.
    const victims = plan.victims.map((v) => v.jobId).sort();
    const onPlanned = low.filter((j) => j.clusterId === plan.clusterId).map((j) => j.id);
    expect(victims).toEqual(onPlanned.sort());
    expect(victims).toHaveLength(2);
    // Explaining evicted nothing.
    for (const j of low) expect((await get(j.id)).state).toBe('running');

    const submitted = (await api<Job>('POST', '/v1/jobs', high)).body;
    expect(submitted.state).toBe('pending');
    const done = await until(submitted.id, (j) => j.state === 'succeeded', 'urgent to finish');
    expect(done.clusterId).toBe(plan.clusterId);

    for (const j of low) {
      const finished = await until(j.id, (x) => x.state === 'succeeded', `${j.id} to finish`);
      const reasons = finished.events.map((e) => e.reason);
      if (victims.includes(j.id)) {
        const preempted = finished.events.find((e) => e.reason === 'Preempted')!;
        expect(preempted.state).toBe('pending');
        expect(preempted.message).toContain(`by job ${submitted.id}`);
        expect(finished.events.filter((e) => e.reason === 'Placed')).toHaveLength(2);
      } else {
        expect(reasons).not.toContain('Preempted'); // the other cluster lost nothing
      }
    }
    const { body: decided } = await api<Job & { decision: Decision }>(
      'GET',
      `/v1/jobs/${submitted.id}`,
    );
    expect(decided.decision.preemption).toMatchObject({ clusterId: plan.clusterId, done: true });
  });
});
