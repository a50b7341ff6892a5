/**
 * Push versus pull drainer (figures, no assertions): `npm run bench:push`.
 *
 * One control plane (the test fixture's core: memory store, a SQLite queue file, served over
 * loopback HTTP), one simulated cluster, and in the same run, one after the other on the same load,
 * each drainer as its own process started from its real entry point (test/bench/push-procs.ts):
 * - **pull**: `functions/drainer/main.ts` (`npm run drainer`) pulling the SQLite queue file;
 * - **push**: `functions/drainer-fn/main.ts` (`npm run drainer:fn`) behind a Pub/Sub emulator
 *   push subscription to which the bench publishes the same create messages.
 * Both reach the control plane through the HTTP control client. For BENCH_JOBS jobs submitted at
 * once it prints creates per second (first submit to last job `submitted`), submit → created
 * latency (p50/p95, polled every 10 ms), invocations per job (pushes answered, retries included),
 * the drainer process's CPU time per job and per invocation (/proc/<pid>/stat over the run), its
 * CPU while idle, and its cold start: process start to the first job created (pull) or to the
 * first 2xx of a real push (push, a create message POSTed as Pub/Sub would, retried until the
 * listener answers), and the push/pull ratio of each. The function runs with its follow-up check
 * off (DRAINER_FN_FOLLOW_UP_MS=0): it holds each push ~1 s for one more cluster GET, which would
 * be counted in its cold start. The emulator is started on a free port and stopped at the end.
 * Knobs: BENCH_JOBS (default 100).
 */
import { serve, type ServerType } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../shared/base/clock.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import { startPubSubEmulator } from '../../infra/emulators/pubsub.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim } from '../sim-cluster/helpers.js';
import { freePort, startDrainerFn } from '../support/drainer-fn-process.js';
import { cpuMs, pushesAnswered, startPullDrainer } from './push-procs.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 100);
const PROJECT = 'bench-push';

interface Figures {
  perSecond: number;
  p50: number;
  p95: number;
  invocationsPerJob: number;
  cpuPerJob: number;
  cpuPerCall: number;
  idleCpuMsPerS: number;
  coldStartMs: number;
}

type Latency = Pick<Figures, 'perSecond' | 'p50' | 'p95'>;

const listen = async (s: ServerType) => {
  await new Promise<void>((r) => s.once('listening', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** Submits JOBS jobs; `deliver` gets their create messages; waits until every job is submitted. */
async function run(
  f: Fixture,
  token: string,
  deliver: (messages: unknown[]) => Promise<void>,
): Promise<Latency> {
  const started = performance.now();
  const submittedAt = new Map<string, number>();
  for (let i = 0; i < JOBS; i++) {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
    submittedAt.set(res.body.id as string, performance.now());
  }
  await deliver([...submittedAt.keys()]);
  const latency: number[] = [];
  const waiting = new Set(submittedAt.keys());
  const deadline = performance.now() + 30_000;
  while (waiting.size > 0) {
    if (performance.now() > deadline) {
      const one = await f.ctx.store.jobs.get([...waiting][0]!);
      throw new Error(
        `${waiting.size} job(s) never submitted; one is ${one?.state}: ${JSON.stringify(one?.events.at(-1))}`,
      );
    }
    for (const id of [...waiting]) {
      const job = await f.ctx.store.jobs.get(id);
      if (job && job.state !== 'dispatched' && job.state !== 'pending') {
        latency.push(performance.now() - submittedAt.get(id)!);
        waiting.delete(id);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: JOBS / seconds,
    p50: pct(latency, 0.5),
    p95: pct(latency, 0.95),
  };
}

async function main() {
  console.error('starting the Pub/Sub emulator');
  const emulator = await startPubSubEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-push-'));
  const queue = createSqliteQueue({ path: join(dir, 'state.db'), clock: systemClock });
  const f = await createFixture({ queue });
  f.clock.set(Date.now());
  const token = (await f.mint(ADMIN)).token;
  // Room for every job at once, and cheaper than the fixture's own cluster so placement picks it.
  await createClusterService(f.ctx).register([
    {
      id: 'sim-big',
      cloud: 'aws',
      region: 'us-east-2',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 64, gpusPerNode: 8, costPerGpuHour: 0.1 }],
    },
  ]);
  const api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  const apiUrl = await listen(api);
  const sim = await startTestSim({ id: 'sim-big', defaultDurationSeconds: 600 });
  const common = {
    SWITCHYARD_URL: apiUrl,
    SWITCHYARD_TOKEN: token,
    DRAINER_QUEUE: 'aws',
    DRAINER_CLUSTERS: `sim-big=server:${sim.url}`,
  };
  const e = (path: string, body: unknown) =>
    fetch(`http://${emulator.host}/v1/projects/${PROJECT}/${path}`, {
      method: path.endsWith(':publish') ? 'POST' : 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const pull = await pullSide(f, token, { ...common, SWITCHYARD_DATA_DIR: dir }, stops);
    const push = await pushSide(f, token, common, e, stops);
    report(pull, push);
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await sim.close();
    await new Promise((r) => api.close(r));
    await queue.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Submits one job; resolves with its id once it exists (its create message is queued). */
async function submitOne(f: Fixture, token: string): Promise<string> {
  const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
  return res.body.id as string;
}

async function waitSubmitted(f: Fixture, id: string) {
  for (const deadline = performance.now() + 60_000; performance.now() < deadline;) {
    const job = await f.ctx.store.jobs.get(id);
    if (job && job.state !== 'dispatched' && job.state !== 'pending') return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${id} was never submitted`);
}

/** CPU of `pid` over `ms` of no work, in ms per second. */
async function idleCpu(pid: number, ms = 2_000): Promise<number> {
  const before = cpuMs(pid);
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuMs(pid) - before) * 1000) / ms;
}

async function pullSide(
  f: Fixture,
  token: string,
  env: Record<string, string>,
  stops: Array<() => Promise<unknown>>,
): Promise<Figures> {
  console.error('pull: cold start');
  const first = await submitOne(f, token);
  const spawned = performance.now();
  const drainer = startPullDrainer({ ...env, SWITCHYARD_QUEUE: 'sqlite' });
  stops.push(drainer.stop);
  await waitSubmitted(f, first).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${drainer.output()}`);
  });
  const coldStartMs = performance.now() - spawned;
  console.error('pull run');
  const cpu0 = cpuMs(drainer.pid);
  const figures = await run(f, token, async () => {});
  const cpu = cpuMs(drainer.pid) - cpu0;
  const idle = await idleCpu(drainer.pid);
  await drainer.stop();
  return {
    ...figures,
    invocationsPerJob: NaN,
    coldStartMs,
    cpuPerJob: cpu / JOBS,
    cpuPerCall: NaN,
    idleCpuMsPerS: idle,
  };
}

async function pushSide(
  f: Fixture,
  token: string,
  env: Record<string, string>,
  e: (path: string, body: unknown) => Promise<Response>,
  stops: Array<() => Promise<unknown>>,
): Promise<Figures> {
  console.error('push: cold start');
  await submitOne(f, token);
  const [first] = await takeMessages(f, 1);
  const port = await freePort();
  const spawned = performance.now();
  const fn = await startDrainerFn({
    ...env,
    DRAINER_FN_AUTH: 'none',
    PORT: String(port),
    DRAINER_FN_FOLLOW_UP_MS: '0',
  });
  stops.push(fn.stop);
  await firstAnsweredPush(fn.url, first!);
  const coldStartMs = performance.now() - spawned;
  await e('topics/bench-aws', {});
  await e('subscriptions/bench-aws-push', {
    topic: `projects/${PROJECT}/topics/bench-aws`,
    pushConfig: { pushEndpoint: `${fn.url}/push` },
    ackDeadlineSeconds: 30,
    retryPolicy: { minimumBackoff: '1s', maximumBackoff: '10s' },
  });
  console.error('push run');
  const calls0 = pushesAnswered(fn.output());
  const cpu0 = cpuMs(fn.pid);
  const figures = await run(f, token, async () => {
    const data = (await takeMessages(f, JOBS)).map((m) => ({
      data: Buffer.from(JSON.stringify(m)).toString('base64'),
    }));
    await e('topics/bench-aws:publish', { messages: data });
  });
  // The job shows submitted before its push is answered: wait for the last answers.
  for (let i = 0; i < 500 && pushesAnswered(fn.output()) - calls0 < JOBS; i++)
    await new Promise((r) => setTimeout(r, 10));
  const cpu = cpuMs(fn.pid) - cpu0;
  const calls = pushesAnswered(fn.output()) - calls0;
  const idle = await idleCpu(fn.pid);
  return {
    ...figures,
    invocationsPerJob: calls / JOBS,
    coldStartMs,
    cpuPerJob: cpu / JOBS,
    cpuPerCall: cpu / calls,
    idleCpuMsPerS: idle,
  };
}

/** `n` create messages taken off the control plane's queue (acked there), their bodies. */
async function takeMessages(f: Fixture, n: number): Promise<unknown[]> {
  const msgs = [];
  while (msgs.length < n) {
    const batch = await f.ctx.queue.pull('aws', { max: n - msgs.length, visibilityMs: 60_000 });
    if (batch.length === 0) throw new Error(`only ${msgs.length} create messages queued`);
    msgs.push(...batch);
  }
  for (const m of msgs) await f.ctx.queue.ack('aws', m.receipt);
  return msgs.map((m) => m.body);
}

/** POSTs one create message as a Pub/Sub push until the function answers 2xx. */
async function firstAnsweredPush(url: string, body: unknown) {
  const push = JSON.stringify({
    subscription: `projects/${PROJECT}/subscriptions/cold-start`,
    message: {
      data: Buffer.from(JSON.stringify(body)).toString('base64'),
      attributes: {},
      messageId: 'cold-start-1',
      publishTime: new Date().toISOString(),
    },
  });
  for (const deadline = performance.now() + 60_000; performance.now() < deadline;) {
    const res = await fetch(`${url}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: push,
    }).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the drainer function never answered the first push with 2xx');
}

function report(pull: Figures, push: Figures) {
  const columns: Array<[string, (x: Figures) => number, number]> = [
    ['creates/s', (x) => x.perSecond, 1],
    ['p50 ms', (x) => x.p50, 0],
    ['p95 ms', (x) => x.p95, 0],
    ['calls/job', (x) => x.invocationsPerJob, 2],
    ['CPU ms/job', (x) => x.cpuPerJob, 2],
    ['CPU ms/call', (x) => x.cpuPerCall, 2],
    ['idle ms/s', (x) => x.idleCpuMsPerS, 1],
    ['cold ms', (x) => x.coldStartMs, 0],
  ];
  const cell = (v: number, digits: number) =>
    (Number.isNaN(v) ? '—' : v.toFixed(digits)).padStart(12);
  const row = (name: string, x: Figures) =>
    name.padEnd(6) + columns.map(([, get, digits]) => cell(get(x), digits)).join('');
  const ratio = (a: number, b: number) => `×${(a / b).toFixed(2)}`;
  console.log(`bench:push — ${JOBS} jobs submitted at once, one simulated cluster`);
  console.log('drain'.padEnd(6) + columns.map(([title]) => title.padStart(12)).join(''));
  console.log(row('pull', pull));
  console.log(row('push', push));
  console.log(
    `push/pull: creates/s ${ratio(push.perSecond, pull.perSecond)}, p50 ${ratio(push.p50, pull.p50)}, p95 ${ratio(push.p95, pull.p95)}, CPU/job ${ratio(push.cpuPerJob, pull.cpuPerJob)}, cold start ${ratio(push.coldStartMs, pull.coldStartMs)}`,
  );
  console.log(
    "(calls = HTTP pushes answered, retries included; the pull drainer is one long-lived process with no invocations. CPU = the drainer process's user+system time from /proc over the run; idle = over 2 s with no work after it; cold = process start under tsx to the first job created (pull) or the first 2xx of a real push (push))",
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
