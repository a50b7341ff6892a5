/**
 * Driver benchmark (figures, no assertions): `npm run bench:drivers`.
 *
 * For each store/queue pair, submissions per second through the real API (createCore served over
 * HTTP by @hono/node-server, N keep-alive clients in a worker thread doing `POST /v1/jobs` with a
 * bearer token), beside the raw floor measured in the same run with the same concurrency and the
 * same driver instances: only what one submission must persist — `jobs.create` of the job the API
 * wrote (plus the idempotency claim and completion with BENCH_IDEMPOTENCY=1) and the one publish —
 * with no HTTP, auth, validation or placement. Target: API >= 80% of the floor.
 *
 * DynamoDB Local and the Pub/Sub emulator are started on free ports and stopped at the end (also on
 * error or Ctrl-C); a pair whose emulator is unavailable is skipped and named.
 * Knobs: BENCH_SECONDS (default 5), BENCH_CONCURRENCY (32), BENCH_WARMUP_SECONDS (1),
 * BENCH_PAIRS (comma-separated names), BENCH_IDEMPOTENCY=1 (send an Idempotency-Key).
 */
import { serve, type ServerType } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import {
  dynamoDbLocalUnavailable,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../infra/emulators/dynamodb.js';
import {
  pubSubEmulatorUnavailable,
  startPubSubEmulator,
  type RunningPubSubEmulator,
} from '../../infra/emulators/pubsub.js';
import { bootstrapAdmin } from '../../shared/auth/bootstrap.js';
import { newId, systemClock } from '../../shared/clock.js';
import { kubeJobName } from '../../shared/cluster/labels.js';
import type { ClusterDefinition } from '../../shared/clusters/service.js';
import { defaultCoreSettings, silentLogger } from '../../shared/jobs/context.js';
import { clusterSnapshots, createMessage } from '../../shared/jobs/dispatch.js';
import type { Job } from '../../shared/jobs/model.js';
import type { Queue } from '../../shared/queue/port.js';
import { createPubSubRestQueue } from '../../shared/queue/pubsub-rest.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import { createCore } from '../../shared/runtime/core.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { StateStore } from '../../shared/store/port.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';

// ---------------------------------------------------------------------------------------------
// Shared: one timed phase of C concurrent loops, and its summary.

interface PhaseResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Completions in each second of the phase: shows whether throughput decays as jobs pile up. */
  perSecond: number[];
  firstError?: string;
}

/** Runs `op` in `concurrency` loops for `ms`; an op that throws counts as an error. */
async function timedPhase(
  concurrency: number,
  ms: number,
  op: (i: number) => Promise<void>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  const perSecond: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  const start = performance.now();
  const end = start + ms;
  let last = start;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await op(seq++);
        } catch (e) {
          errors++;
          firstError ??= String(e);
          continue;
        }
        const t1 = performance.now();
        latencies.push(t1 - t0);
        const second = Math.floor((t1 - start) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
        last = Math.max(last, t1);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    ops: latencies.length,
    errors,
    elapsedMs: last - start,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    ...(firstError ? { firstError } : {}),
  };
}

const rate = (r: PhaseResult) => (r.elapsedMs > 0 ? (r.ops * 1000) / r.elapsedMs : 0);

// ---------------------------------------------------------------------------------------------
// The load generator: a worker thread, so client work does not share the server's event loop.

interface LoadRequest {
  url: string;
  token: string;
  bodies: string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  idempotency: boolean;
}

interface LoadResult extends PhaseResult {
  /** The id of one job the API accepted, to copy for the floor. */
  sampleJobId?: string;
  /** Requests made during the warm-up. */
  warmupOps: number;
}

async function runLoad(r: LoadRequest): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: r.concurrency });
  const url = new URL(r.url);
  let sampleJobId: string | undefined;
  let keys = 0;
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/v1/jobs',
          method: 'POST',
          headers: {
            authorization: `Bearer ${r.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(r.idempotency ? { 'idempotency-key': `k-${process.pid}-${keys++}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if (res.statusCode !== 202) return reject(new Error(`HTTP ${res.statusCode}: ${text}`));
            sampleJobId ??= (JSON.parse(text) as { id: string }).id;
            resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const op = (i: number) => post(r.bodies[i % r.bodies.length]!);
  const warmup = await timedPhase(r.concurrency, r.warmupMs, op);
  const result = await timedPhase(r.concurrency, r.durationMs, op);
  agent.destroy();
  return {
    ...result,
    warmupOps: warmup.ops + warmup.errors,
    ...(sampleJobId ? { sampleJobId } : {}),
  };
}

if (!isMainThread) {
  parentPort!.on('message', (r: LoadRequest) => {
    void runLoad(r).then((result) => parentPort!.postMessage(result));
  });
}

// ---------------------------------------------------------------------------------------------
// The benchmark (main thread).

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const IDEMPOTENCY = process.env.BENCH_IDEMPOTENCY === '1';
const RUN = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const CLUSTERS: ClusterDefinition[] = [
  {
    id: 'aws-us-east-1',
    cloud: 'aws',
    region: 'us-east-1',
    queue: 'aws',
    accelerators: ['nvidia-a100'],
  },
  {
    id: 'gcp-europe-west4',
    cloud: 'gcp',
    region: 'europe-west4',
    queue: 'gcp',
    accelerators: ['nvidia-h100'],
  },
  {
    id: 'onprem-dc1',
    cloud: 'onprem',
    region: 'dc1',
    queue: 'onprem',
    accelerators: ['nvidia-a100', 'nvidia-h100'],
  },
].map(({ accelerators, ...c }) => ({
  ...c,
  labels: {},
  // Large static pools and no capacity report: placement never runs out during a run.
  pools: accelerators.map((accelerator) => ({ accelerator, nodes: 100_000, gpusPerNode: 8 })),
}));

const BODIES = ['nvidia-a100', 'nvidia-h100'].map((type) =>
  JSON.stringify({
    name: 'bench',
    project: 'bench',
    image: 'ghcr.io/acme/bench:1',
    command: ['python', 'train.py'],
    env: { EPOCHS: '1' },
    resources: { accelerator: { type, count: 1 }, cpu: '4', memory: '16Gi' },
    priority: 100,
    labels: { team: 'bench' },
  }),
);

interface Emulators {
  dynamodb?: DynamoDbLocal;
  pubsub?: RunningPubSubEmulator;
  skipped: Record<'dynamodb' | 'pubsub', string | undefined>;
}

interface Drivers {
  store: StateStore;
  queue: Queue;
}

interface Pair {
  name: string;
  needs: Array<'dynamodb' | 'pubsub'>;
  build(em: Emulators, dir: string): Promise<Drivers>;
}

const pubsubOptions = (i: number) => ({
  projectId: 'switchyard-bench',
  prefix: `${RUN}p${i}`,
  autoCreate: true,
});

const dynamoStore = async (em: Emulators, i: number) => {
  const store = createDynamoDbStore({
    tableName: `${RUN}-t${i}`,
    endpoint: em.dynamodb!.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await store.ensureTable();
  return store;
};

const PAIRS: Pair[] = [
  {
    name: 'sqlite+sqlite',
    needs: [],
    build: async (_em, dir) => ({
      store: createSqliteStore({ path: join(dir, 'state.db') }),
      queue: createSqliteQueue({ path: join(dir, 'queue.db') }),
    }),
  },
  {
    name: 'memory+sqlite',
    needs: [],
    build: async (_em, dir) => ({
      store: createMemoryStore({ clock: systemClock }),
      queue: createSqliteQueue({ path: join(dir, 'queue.db') }),
    }),
  },
  {
    name: 'sqlite+pubsub',
    needs: ['pubsub'],
    build: async (em, dir) => ({
      store: createSqliteStore({ path: join(dir, 'state.db') }),
      queue: createPubSubQueue({ ...pubsubOptions(1), apiEndpoint: em.pubsub!.host }),
    }),
  },
  {
    name: 'dynamodb+pubsub',
    needs: ['dynamodb', 'pubsub'],
    build: async (em) => ({
      store: await dynamoStore(em, 2),
      queue: createPubSubQueue({ ...pubsubOptions(2), apiEndpoint: em.pubsub!.host }),
    }),
  },
  {
    name: 'dynamodb+pubsub-rest',
    needs: ['dynamodb', 'pubsub'],
    build: async (em) => ({
      store: await dynamoStore(em, 3),
      queue: createPubSubRestQueue({ ...pubsubOptions(3), baseUrl: `http://${em.pubsub!.host}` }),
    }),
  },
];

/** Calls and total latency per driver method (`jobs.create`, `queue.publish`, …). */
type CallStats = Map<string, { calls: number; ms: number }>;

/** Wraps every async method of `target` (and of its tables) to time it into `stats`. */
function instrument<T extends object>(target: T, stats: CallStats, prefix = ''): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      const name = `${prefix}${String(prop)}`;
      if (typeof value === 'function' && prop !== 'close') {
        return (...args: unknown[]) => {
          const t0 = performance.now();
          const out: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
          if (!(out instanceof Promise)) return out;
          return out.finally(() => {
            const s = stats.get(name) ?? { calls: 0, ms: 0 };
            s.calls++;
            s.ms += performance.now() - t0;
            stats.set(name, s);
          });
        };
      }
      if (value && typeof value === 'object') return instrument(value, stats, `${name}.`);
      return value;
    },
  });
}

/** `jobs.create 1.0× 2.1 ms, …`: calls per op and mean latency, slowest total first. */
const describeCalls = (stats: CallStats, ops: number) =>
  [...stats]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, v]) => `${k} ${fmt(v.calls / ops, 1)}x ${fmt(v.ms / v.calls, 1)} ms`)
    .join(', ');

/** Cleanups, run last-first once: on success, on error and on SIGINT/SIGTERM. */
const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
      await Promise.race([fn().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    }
  })());

async function startEmulators(): Promise<Emulators> {
  const em: Emulators = {
    skipped: { dynamodb: dynamoDbLocalUnavailable(), pubsub: pubSubEmulatorUnavailable() },
  };
  await Promise.all([
    em.skipped.dynamodb
      ? undefined
      : startDynamoDbLocal().then(
          (d) => {
            em.dynamodb = d;
            cleanups.push(() => d.stop());
          },
          (e: unknown) => (em.skipped.dynamodb = String(e)),
        ),
    em.skipped.pubsub
      ? undefined
      : startPubSubEmulator().then(
          (p) => {
            em.pubsub = p;
            cleanups.push(() => p.stop());
          },
          (e: unknown) => (em.skipped.pubsub = String(e)),
        ),
  ]);
  return em;
}

/** A job's usage reservation, as the submit path may record it (see the floor). */
interface ReservationLike {
  key: string;
  amount: number;
  max?: number;
}

interface PairResult {
  name: string;
  api: LoadResult;
  floor: PhaseResult;
  /** In-flight (dispatched) jobs after the API phase, and one clusterSnapshots() call then. */
  committedJobs: number;
  snapshotMs: number;
  /** Driver calls per op and their mean latency, in each phase. */
  apiCalls: string;
  floorCalls: string;
  /** What the floor persisted per op, following the submit path. */
  floorWrites: string;
}

async function benchPair(pair: Pair, em: Emulators, load: Worker): Promise<PairResult> {
  // Everything this pair starts is undone when it ends (or earlier, on a signal).
  const mark = cleanups.length;
  try {
    return await runPair(pair, em, load);
  } finally {
    while (cleanups.length > mark) await cleanups.pop()!().catch(() => undefined);
  }
}

async function runPair(pair: Pair, em: Emulators, load: Worker): Promise<PairResult> {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-bench-${pair.name}-`));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const raw = await pair.build(em, dir);
  cleanups.push(
    () => raw.store.close(),
    () => raw.queue.close(),
  );
  const stats: CallStats = new Map();
  const store = instrument(raw.store, stats, 'store.');
  const queue = instrument(raw.queue, stats, 'queue.');
  cleanups.push(
    () => store.close(),
    () => queue.close(),
  );

  // 1. The core, as a composition root builds it (no drainers, no background loops).
  const core = createCore({
    store,
    queue,
    clock: systemClock,
    log: silentLogger,
    settings: defaultCoreSettings,
    auth: { issuer: 'switchyard-bench', audience: 'switchyard-bench', adminTenant: 'admin' },
    maxBodyBytes: 256 * 1024,
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    webhooks: { maxAttempts: 1, timeoutMs: 1_000 },
  });
  await core.clusters.register(CLUSTERS);
  const token = await bootstrapAdmin(core.ctx, core.tokens, 'admin', 1);
  if (!token) throw new Error('the admin tenant already existed in a fresh store');

  // 2. Real HTTP on loopback.
  const server: ServerType = await new Promise((ready) => {
    const s = serve({ fetch: core.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  const closeServer = () => new Promise<void>((done) => server.close(() => done()));
  cleanups.push(closeServer);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  // 3. The API: warm-up, then the measured phase, from the worker thread.
  const request: LoadRequest = {
    url: `http://127.0.0.1:${port}`,
    token,
    bodies: BODIES,
    concurrency: CONCURRENCY,
    warmupMs: WARMUP_SECONDS * 1000,
    durationMs: SECONDS * 1000,
    idempotency: IDEMPOTENCY,
  };
  stats.clear();
  const api = await new Promise<LoadResult>((resolve, reject) => {
    load.once('message', resolve);
    load.once('error', reject);
    load.postMessage(request);
  });
  const apiCalls = describeCalls(stats, api.warmupOps + api.ops + api.errors);
  if (!api.sampleJobId) throw new Error(`no submission was accepted: ${api.firstError ?? '?'}`);
  const sample = await store.jobs.get(api.sampleJobId);
  if (!sample?.placement) throw new Error(`job ${api.sampleJobId} was not dispatched`);

  // 4. What one submit reads on the way: the committed jobs behind clusterSnapshots().
  const t0 = performance.now();
  await clusterSnapshots(core.ctx);
  const snapshotMs = performance.now() - t0;
  const committedJobs = (await store.jobs.listByState(['dispatched', 'submitted'], 1_000_000))
    .length;

  // 5. The floor: the same drivers, the same writes and publish, nothing else: the job the API
  //    stored is created `dispatched` in one write, with its reservation's counter deltas in the
  //    same atomic write when it holds one, then published.
  const reservation = (sample as Job & { reservation?: ReservationLike[] }).reservation;
  const floorJob = (): Job => {
    const id = newId(systemClock);
    const at = new Date().toISOString();
    return {
      ...sample,
      id,
      version: 1,
      createdAt: at,
      updatedAt: at,
      placement: { ...sample.placement!, kubeName: kubeJobName(id) },
      events: sample.events.map((e) => ({ ...e, at })),
      ...(IDEMPOTENCY ? { idempotencyKey: `f-${id}` } : {}),
    };
  };
  const persist = async () => {
    const job = floorJob();
    if (IDEMPOTENCY) {
      const now = new Date().toISOString();
      const record = { tenantId: job.tenantId, key: job.idempotencyKey!, fingerprint: job.id };
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const taken = await store.idempotency.claim(
        { ...record, state: 'in-flight', createdAt: now, expiresAt },
        now,
      );
      if (taken) throw new Error('a fresh idempotency key was already claimed');
    }
    const deltas = (reservation ?? []).map((r) => ({
      key: r.key,
      delta: r.amount,
      ...(r.max !== undefined ? { max: r.max } : {}),
    }));
    await store.jobs.create(job, deltas);
    await queue.publish(job.placement!.queue, createMessage(job));
    if (IDEMPOTENCY) await store.idempotency.complete(job.tenantId, job.idempotencyKey!, job.id);
  };
  await timedPhase(CONCURRENCY, WARMUP_SECONDS * 1000, persist);
  stats.clear();
  const floor = await timedPhase(CONCURRENCY, SECONDS * 1000, persist);
  const floorCalls = describeCalls(stats, floor.ops + floor.errors);

  return {
    name: pair.name,
    api,
    floor,
    apiCalls,
    floorCalls,
    floorWrites: reservation ? 'create(usage)+publish' : 'create+publish',
    committedJobs,
    snapshotMs,
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function printTable(results: PairResult[]): void {
  const header = [
    'pair',
    'API sub/s',
    'p50 ms',
    'p99 ms',
    'floor ops/s',
    'floor p50',
    'ratio',
    '>=80%',
  ];
  const rows = results.map((r) => {
    const ratio = rate(r.api) / rate(r.floor);
    return [
      r.name,
      fmt(rate(r.api)),
      fmt(r.api.p50Ms, 2),
      fmt(r.api.p99Ms, 2),
      fmt(rate(r.floor)),
      fmt(r.floor.p50Ms, 2),
      `${fmt(ratio * 100)}%`,
      ratio >= 0.8 ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const r of results) {
    console.log(
      `${r.name}: API per second ${r.api.perSecond.join(' ')}; floor per second ` +
        `${r.floor.perSecond.join(' ')} (${r.floorWrites}); errors API ${r.api.errors}, floor ${r.floor.errors}; ` +
        `after the API phase ${r.committedJobs} dispatched jobs, one clusterSnapshots() ` +
        `${fmt(r.snapshotMs, 1)} ms`,
    );
    console.log(`  API driver calls per submission: ${r.apiCalls}`);
    console.log(`  floor driver calls per op: ${r.floorCalls}`);
    if (r.api.firstError) console.log(`  first API error: ${r.api.firstError.slice(0, 300)}`);
    if (r.floor.firstError) console.log(`  first floor error: ${r.floor.firstError.slice(0, 300)}`);
  }
}

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const wanted = process.env.BENCH_PAIRS?.split(',').map((s) => s.trim());
  const pairs = PAIRS.filter((p) => !wanted || wanted.includes(p.name));
  console.log(
    `Node ${process.version}, ${availableParallelism()} cores; ${CONCURRENCY} clients, ` +
      `${WARMUP_SECONDS} s warm-up + ${SECONDS} s per phase` +
      `${IDEMPOTENCY ? ', with Idempotency-Key' : ''}`,
  );

  const em = pairs.some((p) => p.needs.length > 0)
    ? await startEmulators()
    : { skipped: { dynamodb: 'not needed', pubsub: 'not needed' } };
  // The worker loads this file through tsx's loader (a worker does not inherit it).
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const load = new Worker(boot, { eval: true });
  cleanups.push(() => load.terminate());

  const results: PairResult[] = [];
  const skipped: string[] = [];
  for (const pair of pairs) {
    const missing = pair.needs.filter((n) => !em[n]);
    if (missing.length > 0) {
      skipped.push(`${pair.name} (${missing.map((n) => `${n}: ${em.skipped[n]}`).join('; ')})`);
      continue;
    }
    process.stdout.write(`running ${pair.name} … `);
    try {
      results.push(await benchPair(pair, em, load));
      console.log('done');
    } catch (e) {
      console.log('failed');
      skipped.push(`${pair.name} (failed: ${String(e).slice(0, 300)})`);
    }
  }
  console.log('');
  printTable(results);
  if (skipped.length > 0) console.log(`\nskipped: ${skipped.join('\n         ')}`);
}

if (isMainThread) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: stopping emulators and servers`);
      void cleanUp().then(() => process.exit(130));
    });
  }
  main()
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanUp();
      // gRPC and SDK clients may keep sockets a moment longer; everything we started is stopped.
      process.exit();
    });
}
