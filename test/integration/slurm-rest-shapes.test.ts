/**
 * The Slurm driver over real HTTP against a loopback slurmrestd stand-in that answers in the
 * v0.0.41 shapes (written from the published OpenAPI; the real Slurm here is 22.05, v0.0.38 only):
 * the version is discovered, the submit body and every path use it, answers decode; and failures
 * are classified — 429 throttled, 401 forbidden, 500 with 2017 an unknown job (not a failure),
 * another 500 a retryable server error, a closed port unreachable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../shared/targets/kubernetes/port.js';
import { createSlurmTarget } from '../../shared/targets/slurm/slurm.js';
import { aWorkload, refOf } from '../contract/target.contract.js';

const noVal = (n: number) => ({ set: true, infinite: false, number: n });

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

describe('Slurm driver over HTTP, v0.0.41 shapes', () => {
  const seen: Seen[] = [];
  const jobs: Record<string, unknown>[] = [];
  let mode: 'ok' | '429' | '401' | '500' = 'ok';
  let url = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body: unknown = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method!, path: req.url!, body });
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (req.headers['x-slurm-user-token'] !== 'tok') return send(401, { errors: [] });
      if (mode === '429') return send(429, { errors: [] }, { 'Retry-After': '0' });
      if (mode === '401') return send(401, { errors: [{ error: 'Authentication failure' }] });
      if (mode === '500') return send(500, { errors: [{ error_number: 1, error: 'boom' }] });
      if (req.url === '/openapi/v3') {
        return send(200, {
          paths: { '/slurm/v0.0.38/job/submit': {}, '/slurm/v0.0.41/job/submit': {} },
        });
      }
      if (req.url === '/slurm/v0.0.41/jobs') return send(200, { jobs, errors: [] });
      if (req.url === '/slurm/v0.0.41/job/submit') {
        const job = (body as { job: Record<string, unknown> }).job;
        jobs.push({
          job_id: 42,
          name: job.name,
          comment: job.comment,
          job_state: ['FAILED'],
          state_reason: 'NonZeroExitCode',
          nodes: 'gpu-07',
          node_count: noVal(1),
          exit_code: { status: ['EXITED'], return_code: noVal(3) },
        });
        return send(200, { result: { job_id: 42, step_id: 'batch' }, job_id: 42, errors: [] });
      }
      if (req.url === '/slurm/v0.0.41/job/42') return send(200, { jobs: jobs.slice(0, 1) });
      if (req.url?.startsWith('/slurm/v0.0.41/job/')) {
        return send(500, {
          jobs: [],
          errors: [{ error_number: 2017, error: 'Invalid job id specified' }],
        });
      }
      return send(404, { errors: [{ error: `no ${req.url}` }] });
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const target = () =>
    createSlurmTarget({
      clusterId: 'hpc',
      deployment: 'prod',
      url,
      user: 'svc',
      token: async () => 'tok\n',
      partition: 'gpu',
      workdir: '/shared/sy',
      gresTypes: { a100: 'nvidia-a100' },
      limiter: { qps: 1000, burst: 1000 },
    });

  it('discovers v0.0.41, submits in its shape, and decodes its answers', async () => {
    const t = target();
    const w = aWorkload({ gpus: { type: 'nvidia-a100', count: 2 } });
    w.spec.deadlineSeconds = 3600;
    expect(await t.create(w)).toBe('created');
    const submit = seen.find((s) => s.path === '/slurm/v0.0.41/job/submit')!;
    const job = (submit.body as { job: Record<string, unknown> }).job;
    expect(job).toMatchObject({
      name: `sy-${w.jobId}`,
      partition: 'gpu',
      tres_per_node: 'gres/gpu:a100:2',
      time_limit: noVal(60),
      minimum_nodes: 1,
      current_working_directory: '/shared/sy',
    });
    expect(job.environment).toContain(`SWITCHYARD_JOB_ID=${w.jobId}`);
    expect(await t.create(w)).toBe('exists');
    expect(await t.status(refOf(w))).toMatchObject({
      state: 'failed',
      exitCode: 3,
      externalId: '42',
      reason: 'NonZeroExitCode',
    });
    expect(seen.filter((s) => s.path === '/openapi/v3')).toHaveLength(1);
  });

  it('an unknown job id (500, error 2017) is an absent job, not a failure', async () => {
    const t = target();
    const w = aWorkload();
    expect(await t.status(refOf(w))).toBeUndefined();
  });

  it.each([
    ['429', 'throttled', true],
    ['401', 'forbidden', false],
    ['500', 'server', true],
  ] as const)('HTTP %s is ClusterError(%s), retryable=%s', async (m, kind, retryable) => {
    const t = target();
    mode = m;
    try {
      const error = await t.capacity().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as ClusterError).kind).toBe(kind);
      expect((error as ClusterError).retryable).toBe(retryable);
      expect((error as ClusterError).message).toContain(`HTTP ${m}`);
    } finally {
      mode = 'ok';
    }
  });

  it('a closed port is unreachable (retryable)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const t = createSlurmTarget({
      clusterId: 'hpc',
      deployment: 'prod',
      url: `http://127.0.0.1:${port}`,
      user: 'svc',
      token: 'tok',
      partition: 'gpu',
      workdir: '/x',
    });
    const error = await t.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'unreachable', retryable: true });
  });
});
