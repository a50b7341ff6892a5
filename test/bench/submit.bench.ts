/**
 * Whole-system submit benchmark (figures, no assertions): `npm run bench:submit`.
 *
 * Starts `npm start`'s server in its own process on a config with one simulated 1,000-node × 8 A100
 * pool (so every submission dispatches) and the rate limit raised, and a bare Hono app on the same
 * stack that parses the same body and answers 202 with JSON. A load generator in its own process
 * (BENCH_CONCURRENCY keep-alive clients posting the README's job, on A100s) drives each in
 * alternating rounds of BENCH_SECONDS; prints sub/s, p50/p99 and the ratio to bare Hono of the same
 * round pair. Then submit → Kubernetes Job created percentiles from the jobs' own events: for the
 * last round's jobs (under load, waiting up to 20 s for the drainer) and for 60 jobs posted one at
 * a time at 20/s before any load (paced). Beside each rate: the served process's CPU time over the
 * round (from /proc) per answered request — the figure to trust on a shared machine — and its main
 * thread's alone (the event loop; npm start's simulated clusters run in a worker thread).
 * `--emulators` (or BENCH_EMULATORS=1) runs the DynamoDB Local + Pub/Sub emulator pair instead.
 * Knobs: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONCURRENCY (32), BENCH_CPU_PROF=<dir> (the
 * server writes a V8 CPU profile there on exit), BENCH_SUBMIT_ONLY=1 (below).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../../infra/emulators/dynamodb.js';
import { startPubSubEmulator } from '../../infra/emulators/pubsub.js';
import { startServer, TSX_LOADER, type ServerProcess } from '../support/server-process.js';
import {
  cpuBetween,
  createdAfterMs,
  describeLatency,
  fmt,
  processCpu,
  summarize,
  type LoadOutput,
  type Round,
} from './submit/figures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const EMULATORS = process.argv.includes('--emulators') || process.env.BENCH_EMULATORS === '1';
const HERE = import.meta.dirname;

/** The README's walkthrough job, asking for one A100 so the bench pool takes every one. */
const JOB = JSON.stringify({
  name: 'train-llm',
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  command: ['python', 'train.py'],
  env: { EPOCHS: '3', SIM_DURATION_SECONDS: '1' },
  resources: { accelerator: { type: 'nvidia-a100', count: 1 }, cpu: '8', memory: '64Gi' },
  priority: 500,
  labels: { team: 'nlp' },
  deadlineSeconds: 3600,
});

/**
 * BENCH_SUBMIT_ONLY=1: the submit path alone — no in-process drainer, so nothing reaches the
 * simulated cluster and the server's CPU is Switchyard's own work per submission (auth, HTTP,
 * validation, placement, the job + message write). Its two pools have 10,000 nodes each, so
 * 160,000 submissions still all dispatch.
 */
const SUBMIT_ONLY = process.env.BENCH_SUBMIT_ONLY === '1';

const CONFIG = `
server: { host: 127.0.0.1, port: 0 }
store: { driver: sqlite }
queue: { driver: sqlite, maxAttempts: 5, visibilitySeconds: 30 }
rateLimit: { perSecond: 100000, burst: 1000000 }
clusters:
  - id: bench-a100
    cloud: aws
    region: us-east-1
    pools:
      - { accelerator: nvidia-a100, nodes: ${SUBMIT_ONLY ? 10_000 : 1000}, gpusPerNode: 8, costPerGpuHour: 3.4 }
${SUBMIT_ONLY ? '      - { accelerator: nvidia-a100, nodes: 10000, gpusPerNode: 8, costPerGpuHour: 3.4 }\n' : ''}    connect: { simulated: {} }
${SUBMIT_ONLY ? 'drainers: { inProcess: false }\n' : ''}`;

const stops: Array<() => Promise<unknown>> = [];
async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

function runLoad(url: string, token: string, seconds: number): Promise<LoadOutput> {
  const child = spawn(
    process.execPath,
    [
      ...TSX_LOADER,
      join(HERE, 'submit/load-process.ts'),
      url,
      token,
      String(CONCURRENCY),
      String(seconds),
      JOB,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadOutput)
        : reject(new Error(`load exited ${code}`)),
    ),
  );
}

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...TSX_LOADER, join(HERE, 'submit/bare-hono.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(async () => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  return { url, child };
}

async function emulatorEnv(): Promise<Record<string, string>> {
  if (!EMULATORS) return {};
  const [ddb, ps] = await Promise.all([startDynamoDbLocal(), startPubSubEmulator()]);
  stops.push(
    () => ddb.stop(),
    () => ps.stop(),
  );
  return {
    SWITCHYARD_STORE: 'dynamodb',
    SWITCHYARD_DYNAMODB_ENDPOINT: ddb.endpoint,
    SWITCHYARD_QUEUE: 'pubsub',
    PUBSUB_EMULATOR_HOST: ps.host,
    SWITCHYARD_PUBSUB_PROJECT: 'switchyard-bench',
  };
}

async function api<T>(sy: ServerProcess, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${sy.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${sy.token}`, 'content-type': 'application/json' },
  });
  return (await res.json()) as T;
}

type Events = { id: string; events: Array<{ at: string; state: string }> };

/** Created latencies of the newest `count` jobs, waiting up to 20 s for the drainer to catch up. */
async function createdLatencies(sy: ServerProcess, count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const jobs: Events[] = [];
    let cursor: string | undefined;
    while (jobs.length < count) {
      const q = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<{ items: Events[]; nextCursor?: string }>(sy, `/v1/jobs?${q}`);
      jobs.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const ms = jobs.slice(0, count).map((j) => createdAfterMs(j.events));
    const missing = ms.filter((m) => m === undefined).length;
    if (missing === 0 || Date.now() > deadline)
      return { ms: ms.filter((m): m is number => m !== undefined), missing };
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function paced(sy: ServerProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await api(sy, '/v1/jobs', { method: 'POST', body: JOB });
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-submit-'));
  stops.push(async () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.yaml'), CONFIG);
  const env = await emulatorEnv();
  const prof = process.env.BENCH_CPU_PROF;
  const sy = await startServer({
    dataDir: join(dir, 'data'),
    timeoutMs: 60_000,
    env: {
      SWITCHYARD_CONFIG: join(dir, 'config.yaml'),
      SWITCHYARD_QUIET: '1',
      ...env,
    },
    ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}),
  });
  stops.push(() => sy.stop());
  const bare = await startBare();
  const pair = EMULATORS ? 'DynamoDB Local + Pub/Sub emulator' : 'SQLite store + SQLite queue';
  process.stdout.write(
    `bench:submit — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${pair}; ` +
      `${CONCURRENCY} clients, ${ROUNDS} rounds × ${SECONDS} s` +
      `${SUBMIT_ONLY ? '; submit path only (no drainer)' : ''}\n`,
  );
  // Paced first, while the drainer has no backlog: one submission every 50 ms.
  await paced(sy, 60);
  const idle = SUBMIT_ONLY ? { ms: [], missing: 0 } : await createdLatencies(sy, 60);
  // Warm-up of both, not counted.
  await runLoad(bare.url, '-', 2);
  await runLoad(sy.url, sy.token, 2);
  const results: Array<{ bare: Round; sy: Round }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['bare', 'sy'] : ['sy', 'bare'];
    const round: Partial<{ bare: Round; sy: Round }> = {};
    for (const which of order) {
      const pid = which === 'bare' ? bare.child.pid : sy.child.pid;
      // The server's CPU with no submissions arriving (its simulated cluster's ticks, the drainer
      // still catching up), over 1 s just before the round: the `net` figure takes it out.
      const idle0 = which === 'sy' ? processCpu(pid) : undefined;
      if (which === 'sy') await new Promise((r) => setTimeout(r, 1000));
      const cpu0 = processCpu(pid);
      const main0 = processCpu(pid, true);
      const background = cpuBetween(idle0, cpu0);
      const out =
        which === 'bare'
          ? await runLoad(bare.url, '-', SECONDS)
          : await runLoad(sy.url, sy.token, SECONDS);
      const cpu1 = processCpu(pid);
      const main = cpuBetween(main0, processCpu(pid, true));
      round[which as 'bare' | 'sy'] = summarize(out, cpuBetween(cpu0, cpu1), background, main);
    }
    const r = round as { bare: Round; sy: Round };
    results.push(r);
    process.stdout.write(
      `round ${i + 1}\n  bare Hono   ${fmt(r.bare)}\n  Switchyard  ${fmt(r.sy)}` +
        `  → ${((100 * r.sy.rate) / r.bare.rate).toFixed(1)}% of bare Hono\n`,
    );
  }
  const ratios = results.map((r) => (100 * r.sy.rate) / r.bare.rate);
  process.stdout.write(
    `ratio vs bare Hono: ${ratios.map((x) => `${x.toFixed(1)}%`).join(' / ')}; Switchyard p99 ` +
      `${results.map((r) => `${r.sy.p99.toFixed(0)} ms`).join(' / ')}\n`,
  );
  // CPU per request swings less with the machine's load than rates do. The server also spends CPU
  // with no submissions (the simulated cluster's ticks, the drainer): `net` takes out that rate,
  // measured over the idle second before each round.
  const list = (f: (r: { bare: Round; sy: Round }) => number | undefined, unit: string) =>
    results.map((r) => `${f(r)?.toFixed(unit === '%' ? 1 : 0) ?? '?'}${unit}`).join(' / ');
  process.stdout.write(
    `server CPU per submission: ${list((r) => r.sy.cpuUs, ' µs')}; ` +
      `net of idle ${list((r) => r.sy.netUs, ' µs')}; ` +
      `main thread ${list((r) => r.sy.mainUs, ' µs')}\n` +
      `bare Hono CPU per request: ${list((r) => r.bare.cpuUs, ' µs')}; bare / Switchyard net: ` +
      `${list((r) => (r.sy.netUs && r.bare.cpuUs ? (100 * r.bare.cpuUs) / r.sy.netUs : undefined), '%')}\n`,
  );
  if (SUBMIT_ONLY) return; // no drainer: nothing is created
  const lastRound = Math.round(results.at(-1)!.sy.rate * SECONDS);
  const loaded = await createdLatencies(sy, Math.min(lastRound, 5_000));
  process.stdout.write(
    `${describeLatency('submit → Job created, under load (last round)', loaded.ms, loaded.missing)}\n`,
  );
  process.stdout.write(
    `${describeLatency('submit → Job created, paced 20/s before the load', idle.ms, idle.missing)}\n`,
  );
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench:submit failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => void stopAll());
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopAll().then(() => process.exit(130)));
