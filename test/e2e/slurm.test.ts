// Slurm end to end through `npm start` on infra/config/with-slurm.yaml, pointed at the run's shared
// local Slurm (test/support/slurm.ts), with short poll and admission intervals: one job routed to
// onprem-hpc by a policy rule and one by `constraints.clusters` reach `succeeded` with verified
// webhooks (the first's progress lines then read back from `GET /v1/jobs/:id/logs`), one exiting 3 fails with exit code 3, each view shows its Slurm job id; a cancel through
// the API ends cancelled and Slurm shows CANCELLED; and a kill -9
// of Switchyard while a job runs on Slurm leaves exactly one Slurm job for it after the restart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';
import { skipSlurmTests, useSlurm } from '../support/slurm.js';
import { startReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

type JobBody = {
  id: string;
  state: string;
  clusterId: string | null;
  targetJobId: string | null;
  decision: { matchedRules?: string[] } | null;
  result: { exitCode: number | null; reason: string } | null;
  events: Array<{ state?: string; reason: string; message: string }>;
};

describe.skipIf(skipSlurmTests)('Slurm through npm start on with-slurm.yaml', () => {
  const slurm = useSlurm();
  const dir = mkdtempSync(join(tmpdir(), 'sy-slurm-e2e-'));
  let server: ServerProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: ReturnType<typeof apiClient>;

  const start = async () => {
    server = await startServer({
      dataDir: join(dir, 'data'),
      env: { SWITCHYARD_CONFIG: join(dir, 'config.yaml') },
    });
    api = apiClient(server.url, server.token);
  };

  beforeAll(async () => {
    const config = parse(readFileSync('infra/config/with-slurm.yaml', 'utf8')) as {
      clusters: Array<{ id: string; connect: { slurm?: Record<string, string> } }>;
      [k: string]: unknown;
    };
    const hpc = config.clusters.find((c) => c.id === 'onprem-hpc')!.connect.slurm!;
    Object.assign(hpc, {
      url: slurm().url,
      tokenFile: slurm().tokenFile,
      workdir: slurm().workdir,
    });
    // Fast loops for a test: Slurm polled every 200 ms, admission and webhooks every 200 ms.
    config.drainers = { targetPollMs: 200 };
    config.scheduling = { admissionIntervalSeconds: 0.2 };
    config.webhooks = { ...(config.webhooks as object), intervalSeconds: 0.2 };
    writeFileSync(join(dir, 'config.yaml'), stringify(config));
    receiver = await startReceiver(SECRET);
    await start();
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ended = (id: string, ms = 20_000) =>
    waitFor(
      async () => {
        const { body } = await api<JobBody>('GET', `/v1/jobs/${id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(body.state) ? body : undefined;
      },
      ms,
      `job ${id} to end`,
    );
  const job = (project: string, script: string, extra: object = {}) => ({
    name: 'hpc',
    project,
    image: 'busybox:1.36',
    command: ['sh', '-c', script],
    resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    callback: { url: receiver.url, secret: SECRET },
    ...extra,
  });
  const slurmJobsNamed = async (name: string) =>
    (await slurm().cli('squeue', ['-h', '-t', 'all', '-o', '%i %j', '-n', name]))
      .trim()
      .split('\n')
      .filter(Boolean);

  // The rule's job runs 1 s, longer than the 200 ms poll, so its `running` is seen (a shorter run
  // can go from submitted to succeeded between two polls).
  it('routes by a policy rule and by constraints.clusters; both succeed with verified webhooks', async () => {
    const policy = await api('PUT', '/v1/policy', {
      version: 'slurm-1',
      rules: [
        {
          name: 'hpc-on-slurm',
          match: { projects: ['hpc'] },
          require: { labels: { scheduler: 'slurm' } },
        },
      ],
    });
    expect(policy.status).toBe(200);
    const progress = 'echo start; for i in 1 2 3; do echo "step $i/3"; sleep 0.4; done';
    const byRule = await api<JobBody>('POST', '/v1/jobs', job('hpc', `${progress}; echo by rule`));
    const byName = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('research', 'echo by name', { constraints: { clusters: ['onprem-hpc'] } }),
    );
    const bad = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('research', 'exit 3', { constraints: { clusters: ['onprem-hpc'] } }),
    );
    expect([byRule.status, byName.status, bad.status]).toEqual([202, 202, 202]);
    expect(byRule.body.decision?.matchedRules).toContain('hpc-on-slurm');
    const [a, b, c] = await Promise.all([byRule, byName, bad].map((r) => ended(r.body.id)));
    for (const done of [a!, b!]) {
      expect(done).toMatchObject({ state: 'succeeded', clusterId: 'onprem-hpc' });
      expect(done.targetJobId).toMatch(/^\d+$/);
      expect(done.events.find((e) => e.state === 'submitted')?.reason).toBe('SlurmJobSubmitted');
      expect(JSON.stringify(done.events)).not.toMatch(/Kubernetes/);
    }
    expect(c).toMatchObject({ state: 'failed', clusterId: 'onprem-hpc' });
    expect(c!.result?.exitCode).toBe(3);
    const failedEvent = c!.events.find((e) => e.state === 'failed')!;
    expect(failedEvent.message).toMatch(
      new RegExp(`^Slurm job ${c!.targetJobId} FAILED on node n\\d with exit code 3`),
    );
    expect(JSON.stringify(c!.events)).not.toMatch(/container|Kubernetes/);
    expect(await slurmJobsNamed(`sy-${a!.id}`)).toEqual([`${a!.targetJobId} sy-${a!.id}`]);
    // Its output, shipped by the drainer from the Slurm output file (the workdir is on this host, so
    // connect.slurm.output defaults to shared), every line once, in order, stamped with the time it was read.
    const logs = await fetch(`${server!.url}/v1/jobs/${a!.id}/logs?timestamps=true`, {
      headers: { authorization: `Bearer ${server!.token}` },
    });
    expect(logs.status).toBe(200);
    const stamped = (await logs.text()).trimEnd().split('\n');
    expect(stamped.map((l) => l.slice(l.indexOf(' ') + 1))).toEqual([
      'start',
      'step 1/3',
      'step 2/3',
      'step 3/3',
      'by rule',
    ]);
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z start$/);
    const types = await waitFor(
      async () => {
        const mine = receiver.received.filter((r) => r.payload.data.id === a!.id);
        return mine.some((r) => r.payload.type === 'job.succeeded') ? mine : undefined;
      },
      10_000,
      'the succeeded webhook',
    );
    expect(types.every((r) => r.verified)).toBe(true);
    expect(types.map((r) => r.payload.type)).toEqual([
      'job.received',
      'job.dispatched',
      'job.submitted',
      'job.running',
      'job.succeeded',
    ]);
  });

  it('a cancel through the API stops the Slurm job: Slurm shows CANCELLED, the job ends cancelled', async () => {
    const { body } = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('research', 'sleep 60', { constraints: { clusters: ['onprem-hpc'] } }),
    );
    const running = await waitFor(
      async () => {
        const { body: j } = await api<JobBody>('GET', `/v1/jobs/${body.id}`);
        return j.state === 'running' && j.targetJobId ? j : undefined;
      },
      10_000,
      'the job to run on Slurm',
    );
    expect((await api('POST', `/v1/jobs/${body.id}/cancel`)).status).toBe(200);
    const cleaned = await waitFor(
      async () => {
        const { body: j } = await api<JobBody>('GET', `/v1/jobs/${body.id}`);
        return j.events.some((e) => e.reason === 'TargetCancelled') ? j : undefined;
      },
      10_000,
      'the Slurm cancel to be reported',
    );
    expect(cleaned.state).toBe('cancelled');
    expect(cleaned.events.map((e) => e.state)).not.toContain('failed');
    const shown = await slurm().cli('scontrol', ['show', 'job', running.targetJobId!]);
    expect(shown).toMatch(/JobState=CANCELLED/);
  });

  it('a kill -9 of Switchyard mid-flight leaves exactly one Slurm job for the submission', async () => {
    const { body } = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('research', 'sleep 2; echo done', { constraints: { clusters: ['onprem-hpc'] } }),
    );
    await waitFor(
      async () => ((await slurmJobsNamed(`sy-${body.id}`)).length > 0 ? true : undefined),
      10_000,
      'the Slurm job to exist',
    );
    await server!.kill9();
    await start();
    const done = await ended(body.id);
    expect(done).toMatchObject({ state: 'succeeded', clusterId: 'onprem-hpc' });
    expect(await slurmJobsNamed(`sy-${body.id}`)).toEqual([`${done.targetJobId} sy-${body.id}`]);
  });
});
