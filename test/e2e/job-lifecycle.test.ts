// End to end: the real server process on the embedded default (SQLite, simulated clusters,
// in-process drainers), driven over HTTP; status webhooks verified by `standardwebhooks`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';
import { startReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

type JobBody = {
  id: string;
  state: string;
  clusterId: string | null;
  kubernetes: { namespace: string; name: string } | null;
  events: Array<{ state?: string; reason: string; message: string; at: string }>;
  result: { exitCode: number | null; reason: string } | null;
  decision: { outcome: string; candidates: unknown[] } | null;
};

const dynamodbEndpoint = inject('dynamodbEndpoint');
const pubsubHost = inject('pubsubHost');
const run = Date.now().toString(36);

// The same walk on the embedded default and on the production drivers' local stand-ins.
const variants: Array<{ name: string; env: Record<string, string>; skip: boolean }> = [
  { name: 'SQLite state and queues', env: {}, skip: false },
  {
    name: 'DynamoDB Local and the Pub/Sub emulator',
    env: {
      SWITCHYARD_STORE: 'dynamodb',
      SWITCHYARD_DYNAMODB_ENDPOINT: dynamodbEndpoint,
      SWITCHYARD_DYNAMODB_TABLE: `sy-e2e-${run}`,
      SWITCHYARD_QUEUE: 'pubsub',
      PUBSUB_EMULATOR_HOST: pubsubHost,
      SWITCHYARD_PUBSUB_PREFIX: `sy-e2e-${run}`,
      METADATA_SERVER_DETECTION: 'none',
    },
    skip: !dynamodbEndpoint || !pubsubHost,
  },
];

// A variant whose stand-ins are missing is skipped (the global setup says what to install).
describe.each(variants.filter((v) => !v.skip))(
  'job lifecycle through the real server on $name',
  ({ env }) => {
    let dir: string;
    let server: ServerProcess;
    let api: ReturnType<typeof apiClient>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sy-e2e-'));
      receiver = await startReceiver(SECRET, { failFirst: 1 });
      server = await startServer({ dataDir: dir, env });
      api = apiClient(server.url, server.token);
    });

    afterAll(async () => {
      await server?.stop();
      await receiver?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes the admin token with mode 0600 and says the clusters are simulated', () => {
      expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
      expect(server.output()).toMatch(/simulated/i);
    });

    it('lists the simulated clusters with capacity and API URLs', async () => {
      const { status, body } = await api<{
        items: Array<{
          id: string;
          simulated: { apiUrl: string } | null;
          accelerators: Array<{ type: string; freeGpus: number }>;
        }>;
      }>('GET', '/v1/clusters');
      expect(status).toBe(200);
      expect(body.items.map((c) => c.id)).toEqual([
        'aws-us-east-1',
        'gcp-europe-west4',
        'gcp-us-central1',
        'onprem-dc1',
        'onprem-dc2',
      ]);
      for (const c of body.items)
        expect(c.simulated?.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(body.items[1]!.accelerators[0]).toMatchObject({ type: 'nvidia-h100', freeGpus: 16 });
    });

    const trainJob = () => ({
      name: 'train',
      project: 'research',
      image: 'busybox:1.36',
      command: ['sh', '-c', 'echo hi'],
      env: { SIM_DURATION_SECONDS: '1' },
      resources: { accelerator: { type: 'nvidia-h100', count: 2 }, cpu: '4', memory: '16Gi' },
      deadlineSeconds: 600,
      callback: { url: receiver.url, secret: SECRET },
    });

    it('runs a GPU job to Succeeded and delivers one verified webhook per state', async () => {
      const submit = await api<JobBody>('POST', '/v1/jobs', trainJob(), {
        'idempotency-key': 'train-1',
      });
      expect(submit.status).toBe(202);
      expect(submit.body.state).toBe('dispatched');
      expect(submit.body.clusterId).toBe('gcp-europe-west4');
      expect(submit.body.kubernetes).toEqual({
        namespace: 'sy-admin',
        name: `sy-${submit.body.id}`,
        attempt: 1,
      });
      expect(submit.body.decision?.outcome).toBe('placed');
      expect(JSON.stringify(submit.body)).not.toContain(SECRET);

      const again = await api<JobBody>('POST', '/v1/jobs', trainJob(), {
        'idempotency-key': 'train-1',
      });
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(submit.body.id);

      const done = await waitFor(
        async () => {
          const { body } = await api<JobBody>('GET', `/v1/jobs/${submit.body.id}`);
          return body.state === 'succeeded' ? body : undefined;
        },
        30_000,
        'the job to succeed',
      );
      expect(done.events.map((e) => e.state).filter(Boolean)).toEqual([
        'received',
        'dispatched',
        'submitted',
        'running',
        'succeeded',
      ]);

      const hooks = await waitFor(
        async () => {
          const mine = receiver.received.filter(
            (r) => r.payload.data.id === submit.body.id && r.verified,
          );
          return mine.length >= 5 ? mine : undefined;
        },
        20_000,
        'five verified webhooks',
      );
      expect(hooks.map((h) => h.payload.type)).toEqual([
        'job.received',
        'job.dispatched',
        'job.submitted',
        'job.running',
        'job.succeeded',
      ]);
      expect(new Set(hooks.map((h) => h.id)).size).toBe(5);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
    });

    it('fails a job whose container exits non-zero, saying how it ended', async () => {
      const { body } = await api<JobBody>('POST', '/v1/jobs', {
        name: 'crash',
        project: 'research',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: '1', SIM_EXIT_CODE: '3' },
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
        callback: { url: receiver.url, secret: SECRET },
      });
      const failed = await waitFor(
        async () => {
          const r = await api<JobBody>('GET', `/v1/jobs/${body.id}`);
          return r.body.state === 'failed' ? r.body : undefined;
        },
        30_000,
        'the job to fail',
      );
      expect(failed.result).toEqual({ exitCode: 3, reason: 'Error' });
      expect(failed.events.at(-1)?.reason).toBe('BackoffLimitExceeded');
      expect(failed.events.at(-1)?.message).toContain('exit code 3 (Error)');
      const hook = await waitFor(
        async () =>
          receiver.received.find(
            (r) => r.payload.data.id === body.id && r.payload.type === 'job.failed',
          ),
        20_000,
        'the job.failed webhook',
      );
      expect(hook.payload.data.result).toEqual({ exitCode: 3, reason: 'Error' });
    });

    it('says OOMKilled for an out-of-memory kill and exit code 0 for a success', async () => {
      const submit = (env: Record<string, string>) =>
        api<JobBody>('POST', '/v1/jobs', {
          name: 'ends',
          project: 'exits', // not research: the listing test below counts research's jobs
          image: 'busybox',
          env: { SIM_DURATION_SECONDS: '1', ...env },
          resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
        });
      const oom = (await submit({ SIM_EXIT_CODE: '137', SIM_TERMINATION_REASON: 'OOMKilled' }))
        .body;
      const ok = (await submit({})).body;
      const ended = async (id: string) =>
        waitFor(
          async () => {
            const r = await api<JobBody>('GET', `/v1/jobs/${id}`);
            return r.body.state === 'failed' || r.body.state === 'succeeded' ? r.body : undefined;
          },
          30_000,
          `job ${id} to end`,
        );
      const killed = await ended(oom.id);
      expect([killed.state, killed.result, killed.events.at(-1)?.reason]).toEqual([
        'failed',
        { exitCode: 137, reason: 'OOMKilled' },
        'OOMKilled',
      ]);
      const done = await ended(ok.id);
      expect([done.state, done.result]).toEqual([
        'succeeded',
        { exitCode: 0, reason: 'Completed' },
      ]);
    });

    it('cancels a running job and deletes its Kubernetes Job', async () => {
      const { body } = await api<JobBody>('POST', '/v1/jobs', {
        name: 'long',
        project: 'research',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: '300' },
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      });
      await waitFor(
        async () =>
          (await api<JobBody>('GET', `/v1/jobs/${body.id}`)).body.state === 'running'
            ? true
            : undefined,
        30_000,
        'running',
      );
      const cancel = await api<JobBody>('POST', `/v1/jobs/${body.id}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.state).toBe('cancelled');
      const clusters = await api<{ items: Array<{ id: string; simulated: { apiUrl: string } }> }>(
        'GET',
        '/v1/clusters',
      );
      const sim = clusters.body.items.find((c) => c.id === body.clusterId)!.simulated.apiUrl;
      await waitFor(
        async () => {
          const r = await fetch(`${sim}/apis/batch/v1/namespaces/sy-admin/jobs/sy-${body.id}`);
          return r.status === 404 ? true : undefined;
        },
        15_000,
        'the Kubernetes Job to be deleted',
      );
      const after = await waitFor(
        async () => {
          const r = await api<JobBody>('GET', `/v1/jobs/${body.id}`);
          return r.body.events.some((e) => e.reason === 'KubernetesJobDeleted')
            ? r.body
            : undefined;
        },
        15_000,
        'the deletion to be recorded',
      );
      expect(after.state).toBe('cancelled');
      const again = await api('POST', `/v1/jobs/${body.id}/cancel`);
      expect(again.status).toBe(200);
    });

    it("runs a CPU-only job on a cluster's system node", async () => {
      const { body } = await api<JobBody>('POST', '/v1/jobs', {
        name: 'preprocess',
        project: 'research',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: '1' },
        resources: { cpu: '2', memory: '4Gi' },
      });
      expect(body.state).toBe('dispatched');
      await waitFor(
        async () =>
          (await api<JobBody>('GET', `/v1/jobs/${body.id}`)).body.state === 'succeeded'
            ? true
            : undefined,
        30_000,
        'the CPU job to succeed',
      );
    });

    it('rejects what no cluster can run, with the explanation', async () => {
      const { status, body } = await api<JobBody>('POST', '/v1/jobs', {
        name: 'huge',
        project: 'research',
        image: 'busybox',
        resources: { accelerator: { type: 'nvidia-a100', count: 16 } },
      });
      expect(status).toBe(202);
      expect(body.state).toBe('rejected');
      expect(body.decision?.candidates).toHaveLength(5);
    });

    it('lists jobs with filters and cursor pagination', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const q: string = `/v1/jobs?project=research&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r: { body: { items: JobBody[]; nextCursor: string | null } } = await api('GET', q);
        seen.push(...r.body.items.map((j) => j.id));
        cursor = r.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen.length).toBe(5);
      expect(new Set(seen).size).toBe(5);
      const rejected = await api<{ items: JobBody[] }>('GET', '/v1/jobs?state=rejected');
      expect(rejected.body.items.map((j) => j.state)).toEqual(['rejected']);
    });

    it('answers bad input with the JSON error envelope', async () => {
      const invalid = await api<{
        error: { code: string; details: { fields: Array<{ path: string }> } };
      }>('POST', '/v1/jobs', {
        name: 'X',
        resources: { accelerator: { type: 'nvidia-a100', count: 0 } },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('INVALID_JOB');
      expect(invalid.body.error.details.fields.map((f) => f.path).sort()).toEqual([
        'image',
        'name',
        'project',
        'resources.accelerator.count',
      ]);

      const notJson = await api<{ error: { code: string } }>('POST', '/v1/jobs', '{oops');
      expect([notJson.status, notJson.body.error.code]).toEqual([400, 'BAD_REQUEST']);

      const missing = await api<{ error: { code: string } }>(
        'GET',
        '/v1/jobs/01nosuchjob0000000000000000',
      );
      expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);

      const anon = await apiClient(server.url, 'not-a-token')<{ error: { code: string } }>(
        'GET',
        '/v1/jobs',
      );
      expect([anon.status, anon.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);

      const reused = await api<{ error: { code: string } }>(
        'POST',
        '/v1/jobs',
        { name: 'other', project: 'research', image: 'x', resources: {} },
        { 'idempotency-key': 'train-1' },
      );
      expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    });
  },
);
