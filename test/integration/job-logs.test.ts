// Job logs end to end on real parts: the API served over loopback HTTP on a SQLite store, a
// simulated Kubernetes cluster read through client-node, and the pull drainer shipping its pods'
// output over the drainer protocol's HTTP route. A job with SIM_LOG lines: `GET /v1/jobs/:id/logs`
// shows them and the exit line, `tail` works, `follow=true` streams lines while the job runs and
// ends when it has ended, a 2-node JobSet's replicas are told apart (`replica=N`, else a prefix),
// another tenant or project gets 404, a bad query 400, the cap truncates with a note, and the CLI's
// `logs` prints the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterService } from '../../shared/clusters/service.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { ADMIN, jobBody, type Fixture } from '../security/fixture.js';
import { buildCliInto, cliRunner } from '../support/cli-process.js';
import { startDrainedApp } from '../support/drained-app.js';
import { waitFor } from '../support/server-process.js';

const CAP = 1500;
let stack: Awaited<ReturnType<typeof startDrainedApp>>;
let f: Fixture;
let token: string;
let base: string;
let dir: string;

const get = (path: string, t = token) =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${t}` } });

const SECRET = 'whsec_bG9ncy1zZWNyZXQtbG9ncy1zZWNyZXQtbG9ncw==';
const CALLBACK = { callback: { url: 'https://hooks.example.com/status', secret: SECRET } };

async function submit(env: Record<string, string>, extra = {}): Promise<string> {
  const body = jobBody('research', { env, ...extra });
  const res = await f.call('POST', '/v1/jobs', { token, body });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

/** A 2-node JobSet: one pod per replica, each shipping its own output. */
const GANG = { kind: 'jobset', nodes: 2 };

const stateOf = async (id: string) => (await f.store.jobs.get(id))?.state;
const untilState = (id: string, state: string) =>
  waitFor(async () => ((await stateOf(id)) === state ? true : undefined), 15_000, `${id} ${state}`);

beforeAll(async () => {
  stack = await startDrainedApp({
    store: createSqliteStore({ path: ':memory:' }),
    settings: { logCapBytes: CAP },
  });
  ({ f, token, url: base } = stack);
  // As the simulated cluster really is (the fixture registers one node): room for a 2-node gang.
  const pools = [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 4 }];
  const cluster = { id: 'sim-one', cloud: 'aws', region: 'us-east-1', labels: {}, queue: 'aws' };
  await createClusterService(f.ctx).register([{ ...cluster, pools }]);
  dir = mkdtempSync(join(tmpdir(), 'sy-logs-'));
}, 30_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('job logs through the pull drainer', () => {
  let id: string;
  let big: string;
  let gang: string;
  const followed: Array<{ text: string; state: string | undefined }> = [];

  it('follow=true streams lines while the job runs and ends when it has ended', async () => {
    const simLog = 'loading dataset\nepoch 1 starting';
    id = await submit({ SIM_LOG: simLog, SIM_DURATION_SECONDS: '3' }, CALLBACK);
    // Truncation: 30 lines of 100 characters ship in the first chunk, past the 1500-byte cap.
    const long = Array.from(
      { length: 30 },
      (_, i) => `${String(i).padStart(3, '0')} ${'y'.repeat(96)}`,
    );
    big = await submit({ SIM_LOG: long.join('\n'), SIM_DURATION_SECONDS: '2' });
    // The drainer's first heartbeat tells placement the cluster serves JobSets.
    await waitFor(
      async () =>
        (await f.store.clusters.get('sim-one'))?.capacity?.kinds?.includes('jobset') || undefined,
      10_000,
      'a heartbeat with the kinds sim-one serves',
    );
    // The fixture's clock stands still: step past the placement snapshot's 500 ms life to see it.
    f.clock.advance(1_000);
    gang = await submit({ SIM_LOG: 'rendezvous', SIM_DURATION_SECONDS: '1' }, GANG);
    await untilState(id, 'running');
    const res = await get(`/v1/jobs/${id}/logs?follow=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      followed.push({ text: decoder.decode(r.value), state: await stateOf(id) });
    }
    const text = followed.map((p) => p.text).join('');
    expect(text).toContain('loading dataset\nepoch 1 starting\n');
    expect(text).toMatch(/step 1\/3\nstep 2\/3\nstep 3\/3\nexited with code 0 \(Completed\)\n$/);
    // Output arrived while the job was still running, and the stream ended after it ended.
    expect(followed.some((p) => p.state === 'running' && /step \d\/3/.test(p.text))).toBe(true);
    expect(await stateOf(id)).toBe('succeeded');
  }, 30_000);

  it("shows the job's SIM_LOG lines and its exit line; tail and replica select lines", async () => {
    const res = await get(`/v1/jobs/${id}/logs`);
    expect(res.headers.get('switchyard-log-truncated')).toBe('false');
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\[switchyard simulated cluster\] pod sy-admin\/sy-.*: no real container/,
    );
    expect(lines.slice(1)).toEqual([
      'loading dataset',
      'epoch 1 starting',
      'step 1/3',
      'step 2/3',
      'step 3/3',
      'exited with code 0 (Completed)',
    ]);
    expect(await (await get(`/v1/jobs/${id}/logs?tail=2`)).text()).toBe(
      'step 3/3\nexited with code 0 (Completed)\n',
    );
    expect(await (await get(`/v1/jobs/${id}/logs?replica=1`)).text()).toBe('');
    // since: lines printed at or after a time, here the third step's.
    const stamped = await (await get(`/v1/jobs/${id}/logs?timestamps=true`)).text();
    const step3 = stamped.split('\n').find((l) => l.endsWith(' step 3/3'))!;
    expect(step3).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z step 3\/3$/);
    const since = await (await get(`/v1/jobs/${id}/logs?since=${step3.split(' ')[0]}`)).text();
    expect(since).toBe('step 3/3\nexited with code 0 (Completed)\n');
  });

  it('a 2-replica job: replica=N gives that pod its lines; without it each line says its replica', async () => {
    await untilState(gang, 'succeeded');
    const own = ['rendezvous', 'step 1/1', 'exited with code 0 (Completed)'];
    const pods = new Set<string>();
    for (const replica of [0, 1]) {
      const lines = (await (await get(`/v1/jobs/${gang}/logs?replica=${replica}`)).text())
        .trimEnd()
        .split('\n');
      const pod = /pod sy-admin\/(\S+): no real container/.exec(lines[0]!)?.[1];
      expect(pod, lines[0]).toBeDefined();
      pods.add(pod!);
      expect(lines.slice(1)).toEqual(own);
    }
    expect(pods.size).toBe(2);
    const both = (await (await get(`/v1/jobs/${gang}/logs`)).text()).trimEnd().split('\n');
    expect(both).toHaveLength(8);
    for (const replica of [0, 1]) {
      const mine = both.filter((l) => l.startsWith(`[replica ${replica}] `));
      expect(mine.slice(1).map((l) => l.slice(`[replica ${replica}] `.length))).toEqual(own);
    }
    expect(await (await get(`/v1/jobs/${gang}/logs?replica=2`)).text()).toBe('');
  });

  it('another tenant and another project get 404; a bad query gets 400 naming it', async () => {
    const other = (await f.mint('someone-else')).token;
    const project = (await f.mint(ADMIN, undefined, ['other'])).token;
    for (const t of [other, project]) {
      const res = await get(`/v1/jobs/${id}/logs`, t);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    for (const q of ['tail=abc', 'since=yesterday', 'replica=-1', 'follow=yes', 'lines=3']) {
      const res = await get(`/v1/jobs/${id}/logs?${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toContain(q.split('=')[0]);
    }
  });

  it('past the cap the oldest output is dropped, with a note and a header', async () => {
    await untilState(big, 'succeeded');
    const res = await get(`/v1/jobs/${big}/logs`);
    expect(res.headers.get('switchyard-log-truncated')).toBe('true');
    const text = await res.text();
    expect(text).toMatch(
      /^\[switchyard\] earlier output was dropped: a job keeps its last 1500 bytes/,
    );
    expect(text).not.toContain('000 yyy');
    expect(text).toMatch(/step 2\/2\nexited with code 0 \(Completed\)\n$/);
  });

  it("secrets never appear in what Switchyard writes: the served log or the drainer's own", async () => {
    const served = await (await get(`/v1/jobs/${id}/logs?timestamps=true`)).text();
    const drainerLog = stack.logged.join('\n');
    expect(drainerLog).toContain(id); // it did log about the job
    for (const secret of [SECRET.slice(6), token.split('.')[2]!]) {
      expect(served).not.toContain(secret);
      expect(drainerLog).not.toContain(secret);
    }
  });

  it('POST /v1/drainer/logs refuses a malformed chunk and stores nothing for a job placed elsewhere', async () => {
    const chunk = {
      jobId: id,
      clusterId: 'sim-one',
      attempt: 1,
      stream: 'pod-x',
      replica: 0,
      fromLine: 0,
      lines: ['2026-01-01T00:00:00Z injected'],
    };
    const bad = await f.call('POST', '/v1/drainer/logs', {
      token,
      body: { ...chunk, lines: ['no time here'], fromLine: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const paths = (bad.body.error as { details: { fields: { path: string }[] } }).details.fields;
    expect(paths.map((p) => p.path).sort()).toEqual(['fromLine', 'lines.0']);
    const stale = await f.call('POST', '/v1/drainer/logs', {
      token,
      body: { ...chunk, attempt: 9 },
    });
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual({ stored: 0, nextLine: 1 });
    expect(await (await get(`/v1/jobs/${id}/logs`)).text()).not.toContain('injected');
  });

  it('POST /v1/drainer/log-positions says where each pod stands; a bad request is 400', async () => {
    const ask = (body: unknown) => f.call('POST', '/v1/drainer/log-positions', { token, body });
    const here = await ask({ jobId: id, clusterId: 'sim-one', attempt: 1 });
    expect(here.status).toBe(200);
    const streams = (here.body as { streams: Record<string, number> }).streams;
    const lines = (await (await get(`/v1/jobs/${id}/logs`)).text()).trimEnd().split('\n');
    expect(Object.values(streams)).toEqual([lines.length]);
    expect(lines[0]).toContain(Object.keys(streams)[0]);
    expect((await ask({ jobId: id, clusterId: 'sim-one', attempt: 9 })).body).toEqual({
      streams: {},
    });
    const bad = await ask({ jobId: id, clusterId: 'sim-one', attempt: 0, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(bad.body)).toContain('attempt');
  });

  it('switchyard logs prints the output; --tail and a bad flag', async () => {
    const built = buildCliInto(join(dir, 'build'));
    const cli = cliRunner(built, () => ({ url: base, token, cwd: dir }));
    const all = await cli(['logs', id]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('loading dataset\nepoch 1 starting\nstep 1/3\n');
    const tail = await cli(['logs', id, '--tail', '1']);
    expect(tail.stdout).toBe('exited with code 0 (Completed)\n');
    const followed = await cli(['logs', id, '-f', '--tail', '2']);
    expect(followed.stdout).toBe('step 3/3\nexited with code 0 (Completed)\n');
    const bad = await cli(['logs', id, '--tail', 'x']);
    expect(bad.code).toBe(2);
    const missing = await cli(['logs', 'job_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND');
  }, 30_000);
});
