// Gangs end to end through the real server on the embedded default (simulated clusters, in-process
// pull drainers): a 2-node PyTorchJob and a RayJob with callbacks succeed with verified webhooks;
// a 4 × 8 H100 gang that does not fit now waits `pending` with no pod in any cluster (the real
// kubectl says so), then runs when the gang ahead of it ends; a failing worker fails its job with
// that exit code; and a kill -9 with gangs in flight creates no workload twice. The placement
// explanation names onprem-dc2, which has no Kubeflow operator. One server for all of it (its
// start is most of the cost); the cases run concurrently.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplicaState } from '../../shared/domain/replica.js';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';
import { startReceiver } from '../support/webhook-receiver.js';

const run = promisify(execFile);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const H100 = 'nvidia-h100';

type JobBody = {
  id: string;
  name: string;
  state: string;
  clusterId: string | null;
  result?: { exitCode?: number | null } | null;
  events: Array<{ reason: string; message: string }>;
  replicas: ReplicaState[];
};
type Explained = {
  candidates: Array<{ clusterId: string; feasible: boolean; reasons: string[] }>;
};
type ClusterList = { items: Array<{ id: string; simulated: { apiUrl: string } }> };

const gang = (name: string, extra: Record<string, unknown>) => ({
  name,
  project: 'gangs',
  image: 'busybox:1.36',
  resources: { accelerator: { type: H100, count: 1 }, cpu: '1' },
  ...extra,
});

describe('gangs through the real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-gangs-'));
  let server: ServerProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'runs, queues, fails and survives kill -9 with gangs in flight',
    { timeout: 60_000 },
    async () => {
      receiver = await startReceiver(SECRET);
      server = await startServer({ dataDir: dir });
      let api = apiClient(server.url, server.token);
      const callback = { url: receiver.url, secret: SECRET };
      const submit = async (body: object) => {
        const res = await api<JobBody>('POST', '/v1/jobs', body);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        return res.body;
      };

      // The whole of gcp-us-central1 (4 × 8 H100, the only cluster that could ever hold it) ...
      const blocker = await submit(
        gang('blocker', {
          kind: 'pytorchjob',
          nodes: 4,
          resources: { accelerator: { type: H100, count: 8 } },
          env: { SIM_DURATION_SECONDS: '4' },
        }),
      );
      // ... so the same gang again waits in Switchyard, not in the cluster.
      const waiter = await submit(
        gang('waiter', {
          kind: 'pytorchjob',
          nodes: 4,
          resources: { accelerator: { type: H100, count: 8 } },
          env: { SIM_DURATION_SECONDS: '1' },
        }),
      );
      const [torch, ray, failing] = await Promise.all([
        submit(
          gang('fine-tune', {
            kind: 'pytorchjob',
            nodes: 2,
            env: { SIM_DURATION_SECONDS: '1' },
            callback,
          }),
        ),
        submit(
          gang('ray-eval', {
            kind: 'rayjob',
            nodes: 2,
            options: { ray: { entrypoint: 'python eval.py' } },
            env: { SIM_DURATION_SECONDS: '1' },
            callback,
          }),
        ),
        submit(
          gang('bad-worker', {
            kind: 'pytorchjob',
            nodes: 2,
            env: { SIM_DURATION_SECONDS: '1', SIM_EXIT_CODE: '7', SIM_FAIL_REPLICA: 'worker-0' },
          }),
        ),
      ]);
      expect(blocker.clusterId).toBe('gcp-us-central1');
      expect(waiter.state).toBe('pending');
      // No pod of the waiting gang anywhere: checked with the real kubectl on every cluster.
      const kubeconfig = join(dir, 'kubeconfig');
      const clusters = (await api<ClusterList>('GET', '/v1/clusters')).body.items;
      for (const c of clusters) {
        const { stdout } = await run('kubectl', [
          '--kubeconfig',
          kubeconfig,
          '--context',
          c.id,
          'get',
          'pods',
          '-A',
          '-l',
          `switchyard.io/job-id=${waiter.id}`,
          '-o',
          'name',
        ]);
        expect(stdout, `pods of the waiting gang on ${c.id}`).toBe('');
      }

      // The placement explanation names the cluster without the operator for the kind.
      for (const [kind, reason] of [
        ['pytorchjob', 'pytorchjob: kubeflow.org not installed'],
        ['rayjob', 'rayjob: ray.io not installed'],
      ] as const) {
        const explained = await api<Explained>(
          'POST',
          '/v1/jobs:explain',
          gang('explain-me', {
            kind,
            nodes: 2,
            ...(kind === 'rayjob' ? { options: { ray: { entrypoint: 'python x.py' } } } : {}),
          }),
        );
        expect(explained.status, JSON.stringify(explained.body)).toBe(200);
        const dc2 = explained.body.candidates.find((c) => c.clusterId === 'onprem-dc2');
        expect(dc2).toEqual({ clusterId: 'onprem-dc2', feasible: false, reasons: [reason] });
      }

      // kill -9 while the blocker's gang runs, then start again on the same data directory.
      await waitFor(
        async () =>
          (await api<JobBody>('GET', `/v1/jobs/${blocker.id}`)).body.state === 'running'
            ? true
            : undefined,
        10_000,
        'the blocking gang to run',
      );
      await server.kill9();
      server = await startServer({ dataDir: dir });
      api = apiClient(server.url, server.token);

      const ids = [blocker, waiter, torch, ray, failing].map((j) => j.id);
      const [b, w, t, r, f] = await waitFor(
        async () => {
          const jobs = await Promise.all(
            ids.map(async (id) => (await api<JobBody>('GET', `/v1/jobs/${id}`)).body),
          );
          return jobs.every((j) => ['succeeded', 'failed', 'rejected'].includes(j.state))
            ? jobs
            : undefined;
        },
        30_000,
        'every gang to end',
      );
      for (const j of [b, w, t, r]) expect([j!.name, j!.state]).toEqual([j!.name, 'succeeded']);
      // The waiting gang ran, on the only cluster that could hold it, after waiting for capacity.
      expect(w!.clusterId).toBe('gcp-us-central1');
      expect(w!.events.map((e) => e.reason)).toContain('WaitingForCapacity');
      // The failing worker's exit code, and which replica it was, end the whole gang.
      expect(f!.state).toBe('failed');
      expect(f!.result?.exitCode).toBe(7);
      expect(f!.events.at(-1)?.message).toMatch(/worker-0.*exited with code 7/);
      // Each replica as the drainer reported it: role and index, its pod and node, how it ended.
      const roles = (j: JobBody) => j.replicas.map((x) => `${x.role} ${x.index}`);
      expect(roles(f!)).toEqual(['master 0', 'worker 0']);
      expect(f!.replicas[1]).toMatchObject({ phase: 'Failed', exitCode: 7 });
      expect(roles(t!)).toEqual(['master 0', 'worker 0']);
      expect(t!.replicas.map((x) => [x.phase, x.exitCode])).toEqual([
        ['Succeeded', 0],
        ['Succeeded', 0],
      ]);
      expect(roles(r!)).toEqual(['head 0', 'worker 0', 'worker 1']);
      for (const x of [...f!.replicas, ...t!.replicas, ...r!.replicas]) {
        expect(x.pod, JSON.stringify(x)).toMatch(/^sy-/);
        expect(x.node, JSON.stringify(x)).toBeTruthy();
      }

      // Callbacks: every webhook verified, both gangs' ending in job.succeeded.
      for (const job of [t, r]) {
        const hooks = await waitFor(
          async () => {
            const mine = receiver!.received.filter((h) => h.payload.data.id === job!.id);
            return mine.some((h) => h.payload.type === 'job.succeeded') ? mine : undefined;
          },
          10_000,
          `the job.succeeded webhook of ${job!.name}`,
        );
        expect(hooks.every((h) => h.verified)).toBe(true);
        expect(hooks.map((h) => h.payload.type)).toContain('job.running');
      }
      expect(receiver.received.every((h) => h.verified)).toBe(true);

      // Not one workload created twice across the restart (the sims count creates durably).
      const creates: Record<string, number> = {};
      for (const c of (await api<ClusterList>('GET', '/v1/clusters')).body.items) {
        const stats = (await (await fetch(`${c.simulated.apiUrl}/sim/stats`)).json()) as {
          creates: Record<string, number>;
        };
        for (const [name, n] of Object.entries(stats.creates))
          creates[name] = (creates[name] ?? 0) + n;
      }
      for (const id of ids) expect(creates[`sy-admin/sy-${id}`], `creates of sy-${id}`).toBe(1);
    },
  );
});
