/**
 * Driver benchmark (figures, no assertions): `npm run bench:drivers`.
 *
 * For each store/queue pair, in the same run and with the same driver instances and concurrency:
 * - **API**: submissions per second through the real API (createCore served over HTTP by
 *   @hono/node-server; N keep-alive clients in a worker thread doing `POST /v1/jobs` with a bearer
 *   token);
 * - **floor**: the same clients' worth of loops doing only what one submission must persist —
 *   `jobs.create` of a job as the API wrote it, with its reservation's counter deltas (plus the
 *   idempotency claim and completion with BENCH_IDEMPOTENCY=1), then the one publish — with no
 *   HTTP, auth, validation or placement. Target: API >= 80% of the floor;
 * - **HTTP only** (a reference, not a target): a bare Hono handler on the same server stack that
 *   parses the body and does the floor's writes, so the table shows how much of the gap is HTTP on
 *   this machine and how much is Switchyard's own work.
 *
 * All three are warmed up first, then measured in BENCH_ROUNDS rounds in mirrored order (ABC, CBA,
 * …), so the stand-ins' JIT warm-up and the growing tables weigh on each the same.
 *
 * DynamoDB Local and the Pub/Sub emulator are started on free ports and stopped at the end (also on
 * error or Ctrl-C); a pair whose emulator is unavailable is skipped and named.
 * Knobs: BENCH_SECONDS (measured seconds per kind, default 8), BENCH_ROUNDS (4),
 * BENCH_WARMUP_SECONDS (4), BENCH_CONCURRENCY (32), BENCH_PAIRS (comma-separated names),
 * BENCH_IDEMPOTENCY=1 (send an Idempotency-Key), BENCH_HTTP_ONLY=0 (skip that reference).
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { jobView } from '../../shared/api/views.js';
import { bootstrapAdmin } from '../../shared/auth/bootstrap.js';
import { sha256Base64Native } from '../../shared/auth/sha256.node.js';
import { newId, systemClock } from '../../shared/base/clock.js';
import { kubeJobName } from '../../shared/targets/kubernetes/labels.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createClusterStateCache } from '../../shared/dispatch/cluster-state.js';
import { createMessage } from '../../shared/dispatch/dispatch.js';
import type { Job } from '../../shared/domain/job.js';
import { createCore } from '../../shared/runtime/core.js';
import { measuringCpu, type CpuSpent } from './drivers/cpu.js';
import { describeCalls, instrument, type CallStats } from './drivers/instrument.js';
import type { LoadRequest, LoadResult } from './drivers/load.js';
import {
  BODIES,
  CLUSTERS,
  PAIRS,
  startEmulators,
  type Emulators,
  type Pair,
} from './drivers/pairs.js';
import { summarize, timedPhase, type PhaseResult, type Summary } from './drivers/phase.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const IDEMPOTENCY = process.env.BENCH_IDEMPOTENCY === '1';
const HTTP_ONLY = process.env.BENCH_HTTP_ONLY !== '0';

/** Cleanups, run last-first once: on success, on error and on SIGINT/SIGTERM. */
const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    for (let fn = cleanups.pop(); fn; fn = cleanups.pop()) {
      await Promise.race([fn().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    }
  })());

/** A job's usage reservation, as the submit path may record it (see the floor). */
interface ReservationLike {
  key: string;
  amount: number;
  max?: number;
}

type Kind = 'api' | 'floor' | 'http';

interface PairResult {
  name: string;
  api: Summary;
  floor: Summary;
  http?: Summary;
  /** In-flight (dispatched) jobs after the run, and one clusterSnapshots() call then. */
  committedJobs: number;
  snapshotMs: number;
  /** Driver calls per op and their mean latency, in the measured API and floor phases. */
  apiCalls: string;
  floorCalls: string;
  /** What the floor persisted per op, following the submit path. */
  floorWrites: string;
  /** CPU spent per op in the measured phases: this process, and the stand-ins. */
  cpu: Record<Kind, CpuSpent & { ops: number }>;
}

/** Serves `fetch` on a loopback port until the pair ends. */
async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<string> {
  const server: ServerType = await new Promise((ready) => {
    const s = serve({ fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
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
  const stats: Record<Kind | 'scratch', CallStats> = {
    api: new Map(),
    floor: new Map(),
    http: new Map(),
    scratch: new Map(),
  };
  let counting: CallStats = stats.scratch;
  const store = instrument(raw.store, () => counting, 'store.');
  const queue = instrument(raw.queue, () => counting, 'queue.');

  // 1. The core, as a composition root builds it (no drainers, no background loops).
  const core = createCore({
    store,
    queue,
    clock: systemClock,
    log: silentLogger,
    settings: defaultCoreSettings,
    auth: {
      issuer: 'switchyard-bench',
      audience: 'switchyard-bench',
      adminTenant: 'admin',
      cacheKey: sha256Base64Native, // as functions/server/embedded.ts
    },
    maxBodyBytes: 256 * 1024,
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    webhooks: { maxAttempts: 1, timeoutMs: 1_000 },
  });
  await core.clusters.register(CLUSTERS);
  const token = await bootstrapAdmin(core.ctx, core.tokens, 'admin', 1);
  if (!token) throw new Error('the admin tenant already existed in a fresh store');
  const apiUrl = await listen(core.app.fetch);

  const loadPhase = (url: string, ms: number) =>
    new Promise<LoadResult>((resolve, reject) => {
      const request: LoadRequest = {
        url,
        token,
        bodies: BODIES,
        concurrency: CONCURRENCY,
        durationMs: ms,
        idempotency: IDEMPOTENCY,
      };
      const failed = (e: Error) => reject(e);
      load.once('error', failed);
      load.once('message', (result: LoadResult) => {
        load.off('error', failed);
        resolve(result);
      });
      load.postMessage(request);
    });

  // 2. The API's warm-up gives the job the floor copies.
  const warm = await loadPhase(apiUrl, WARMUP_SECONDS * 1000);
  if (!warm.sampleJobId) throw new Error(`no submission was accepted: ${warm.firstError ?? '?'}`);
  const sample = await store.jobs.get(warm.sampleJobId);
  if (!sample?.placement) throw new Error(`job ${warm.sampleJobId} was not dispatched`);

  // 3. The floor: the same drivers, the same writes and publish, nothing else: the job the API
  //    stored is created `dispatched` in one write, with its reservation's counter deltas in the
  //    same atomic write when it holds one, then published.
  const reservation = (sample as Job & { reservation?: ReservationLike[] }).reservation;
  const deltas = (reservation ?? []).map((r) => ({
    key: r.key,
    delta: r.amount,
    ...(r.max !== undefined ? { max: r.max } : {}),
  }));
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
  const persist = async (): Promise<Job> => {
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
    await store.jobs.create(job, deltas);
    await queue.publish(job.placement!.queue, createMessage(job));
    if (IDEMPOTENCY) await store.idempotency.complete(job.tenantId, job.idempotencyKey!, job.id);
    return job;
  };

  // 4. HTTP only: the floor's writes behind a bare handler on the same server stack.
  const bare = new Hono();
  bare.post('/v1/jobs', async (c) => {
    JSON.parse(await c.req.text());
    return c.json(jobView(await persist()), 202);
  });
  const httpUrl = HTTP_ONLY ? await listen(bare.fetch) : undefined;

  const run: Record<Kind, (ms: number) => Promise<PhaseResult>> = {
    api: (ms) => loadPhase(apiUrl, ms),
    floor: (ms) => timedPhase(CONCURRENCY, ms, () => persist().then(() => undefined)),
    http: (ms) => loadPhase(httpUrl!, ms),
  };
  const kinds: Kind[] = HTTP_ONLY ? ['api', 'floor', 'http'] : ['api', 'floor'];
  for (const kind of kinds.slice(1)) await run[kind](WARMUP_SECONDS * 1000);
  const phases: Record<Kind, PhaseResult[]> = { api: [], floor: [], http: [] };
  const standIns = [em.dynamodb?.processGroup, em.pubsub?.processGroup].filter(
    (g): g is number => g !== undefined,
  );
  const spent = () => ({ nodeMs: 0, standInsMs: 0, ops: 0 });
  const cpu: PairResult['cpu'] = { api: spent(), floor: spent(), http: spent() };
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < kinds.length; k++) {
      // ABC, CBA, ABC, …: over an even number of rounds every kind holds every position
      // equally often, so a drift across the run (JIT, table growth) cancels out.
      const kind = kinds[round % 2 === 0 ? k : kinds.length - 1 - k]!;
      counting = stats[kind];
      const phase = await measuringCpu(standIns, cpu[kind], () =>
        run[kind]((SECONDS * 1000) / ROUNDS),
      );
      phases[kind].push(phase);
      cpu[kind].ops += phase.ops;
      counting = stats.scratch;
    }
  }
  const [api, floor, http] = (['api', 'floor', 'http'] as const).map((k) => summarize(phases[k]));

  // 5. What one submit reads on the way: the committed jobs behind clusterSnapshots().
  const t0 = performance.now();
  await createClusterStateCache({ store: core.ctx.store, clock: core.ctx.clock }).read();
  const snapshotMs = performance.now() - t0;
  const committedJobs = (await store.jobs.listByState(['dispatched', 'submitted'], 1_000_000))
    .length;

  const perOp = (s: Summary) => s.ops + s.errors;
  return {
    name: pair.name,
    api: api!,
    floor: floor!,
    ...(HTTP_ONLY ? { http: http! } : {}),
    cpu,
    apiCalls: describeCalls(stats.api, perOp(api!)),
    floorCalls: describeCalls(stats.floor, perOp(floor!)),
    floorWrites: reservation ? 'create(usage)+publish' : 'create+publish',
    committedJobs,
    snapshotMs,
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pct = (a: number, b: number) => `${fmt((a / b) * 100)}%`;

function printTable(results: PairResult[]): void {
  const header = ['pair', 'API sub/s', 'p50 ms', 'p99 ms', 'floor ops/s', 'floor p50', 'ratio'];
  header.push('>=80%', ...(HTTP_ONLY ? ['HTTP-only/s', 'API/HTTP-only'] : []));
  const rows = results.map((r) => [
    r.name,
    fmt(r.api.rate),
    fmt(r.api.p50Ms, 2),
    fmt(r.api.p99Ms, 2),
    fmt(r.floor.rate),
    fmt(r.floor.p50Ms, 2),
    pct(r.api.rate, r.floor.rate),
    r.api.rate >= 0.8 * r.floor.rate ? 'yes' : 'NO',
    ...(r.http ? [fmt(r.http.rate), pct(r.api.rate, r.http.rate)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const r of results) {
    console.log(
      `${r.name}: ${r.floorWrites}; errors API ${r.api.errors}, floor ${r.floor.errors}; ` +
        `${r.committedJobs} dispatched jobs after the run, one clusterSnapshots() ` +
        `${fmt(r.snapshotMs, 1)} ms`,
    );
    console.log(`  API per second: ${r.api.perSecond}`);
    console.log(`  floor per second: ${r.floor.perSecond}`);
    if (r.http) console.log(`  HTTP-only per second: ${r.http.perSecond}`);
    console.log(`  API driver calls per submission: ${r.apiCalls}`);
    console.log(`  floor driver calls per op: ${r.floorCalls}`);
    const perOp = (kind: Kind, key: keyof CpuSpent) =>
      fmt((r.cpu[kind][key] * 1000) / Math.max(1, r.cpu[kind].ops));
    const kinds: Kind[] = r.http ? ['api', 'floor', 'http'] : ['api', 'floor'];
    console.log(
      `  CPU µs per op, this process (all threads) / stand-ins: ` +
        kinds.map((k) => `${k} ${perOp(k, 'nodeMs')} / ${perOp(k, 'standInsMs')}`).join(', '),
    );
    for (const [kind, s] of [
      ['API', r.api],
      ['floor', r.floor],
      ['HTTP-only', r.http],
    ] as const) {
      if (s?.firstError) console.log(`  first ${kind} error: ${s.firstError.slice(0, 300)}`);
    }
  }
}

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const wanted = process.env.BENCH_PAIRS?.split(',').map((s) => s.trim());
  const pairs = PAIRS.filter((p) => !wanted || wanted.includes(p.name));
  console.log(
    `Node ${process.version}, ${availableParallelism()} cores; ${CONCURRENCY} clients; ` +
      `${WARMUP_SECONDS} s warm-up each, then ${SECONDS} s each in ${ROUNDS} mirrored rounds` +
      `${IDEMPOTENCY ? '; with Idempotency-Key' : ''}`,
  );

  const em = await startEmulators(new Set(pairs.flatMap((p) => p.needs)), (stop) =>
    cleanups.push(stop),
  );
  // The worker loads the load generator through tsx's loader (a worker does not inherit it).
  const loadUrl = new URL('./drivers/load.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(loadUrl)}); })`;
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
