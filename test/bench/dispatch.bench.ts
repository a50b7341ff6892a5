/**
 * Dispatch and latency benchmark (figures, no assertions): `npm run bench:dispatch`.
 *
 * The embedded system (SQLite store and queue, dispatcher, in-process drainers) with
 * BENCH_CLUSTERS (100) simulated clusters of 8 × 8 A100s in a process of their own (real clusters
 * are other machines; `BENCH_SIMS=in-process` hosts them on this event loop), four clouds
 * and so four queues. For each drainer mode — `poll`, the old loop (pull 10, finish all 10, sleep 250 ms when
 * empty), `event`, the queue waking a pipelined drainer, with each ack and log append committed
 * alone, and `batch`, the same with those writes in the group commit — on a fresh system:
 * 1. **Dispatch**: BENCH_JOBS (3000) one-GPU jobs are submitted over HTTP while the drainers hold
 *    their pulls (heartbeats and watches run); then the drainers start and the time until every
 *    Kubernetes Job exists gives Jobs created per second. Read off the clusters: each one's peak
 *    request rate over any 1 s window (its client allows 20 QPS sustained, burst 40, so at most
 *    60 in a 1 s window), and duplicate creates (must be 0).
 * 2. **Latency**: BENCH_LATENCY_JOBS (100) jobs submitted one at a time every 100 ms (far under
 *    every cluster's budget); submit → Kubernetes Job created and submit → running percentiles come
 *    from each job's own events (received → submitted → running, stamped by server and drainer).
 * The ratios event/poll and batch/event are printed for each figure. Knobs: BENCH_CLUSTERS,
 * BENCH_JOBS, BENCH_LATENCY_JOBS, BENCH_ROUNDS (1: poll, event, batch; 2 adds them reversed),
 * BENCH_MODES (e.g. `event,batch`), BENCH_STORE (`memory` takes the state store's fsyncs out),
 * BENCH_CPU_PROF=<dir> (a CPU profile of each drain phase, `drain-<mode>-<sims>.cpuprofile`),
 * BENCH_SIMS (`process`, the default: the simulated clusters in a process of their own, reached
 * over loopback like real clusters, so this process's CPU figures are Switchyard's alone and the
 * simulator's own CPU is printed beside them; `in-process`: on this process's event loop (npm start's
 * layout before its worker thread); `in-process,process` runs both, alternating, and compares them), KEEP=1
 * (leaves each run's data directory, its `state.db`, in the temporary directory).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { peakQps, percentile, startProfile, startSampler } from './dispatch/measure.js';
import {
  getJob,
  startSystem,
  submit,
  submitMany,
  type Mode,
  type SimsMode,
} from './dispatch/system.js';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 100);
const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 100);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const BUCKET_WINDOW_MAX = 20 + 40; // DEFAULT_QPS × 1 s + DEFAULT_BURST
const SIMS = (process.env.BENCH_SIMS ?? 'process').split(',') as SimsMode[];

interface Result {
  mode: Mode;
  sims: SimsMode;
  submitPerSec: number;
  createdPerSec: number;
  /** CPU time of this process (user + system, every thread) per Job created while draining. */
  cpuMsPerJob: number;
  /** The same for the simulated clusters' process (NaN when they run in this one). */
  simsCpuMsPerJob: number;
  drainSeconds: number;
  duplicates: number;
  clustersUsed: number;
  maxJobsPerCluster: number;
  peakQps: number;
  overBudget: number;
  created: { p50: number; p99: number };
  running: { p50: number; p99: number };
}

async function dispatchPhase(mode: string, sys: Awaited<ReturnType<typeof startSystem>>) {
  await Promise.all(sys.emb.drainers.map((d) => d.heartbeat()));
  const s0 = performance.now();
  await submitMany(sys, JOBS, 32);
  const submitPerSec = JOBS / ((performance.now() - s0) / 1000);
  const sampler = startSampler(sys.stats);
  await sampler.ready;
  const profile = await startProfile(`drain-${mode}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const simsCpu0 = (await sys.simsCpu?.()) ?? NaN;
  sys.emb.drainers.forEach((d) => d.startPulling());
  const deadline = t0 + 180_000;
  while (sampler.created() < JOBS && performance.now() < deadline) await sleep(20);
  const drainSeconds = (performance.now() - t0) / 1000;
  const createdInTime = sampler.created();
  const cpu = process.cpuUsage(cpu0);
  const simsCpu = ((await sys.simsCpu?.()) ?? NaN) - simsCpu0;
  await profile.stop();
  // The latency probes start on an idle system: let the rest of the backlog finish first.
  while (sampler.created() < JOBS && performance.now() < deadline + 120_000) await sleep(100);
  await sleep(1000); // a late duplicate would show up here
  await sampler.stop();
  const peaks = peakQps(sampler.samples);
  const { duplicates, perCluster } = sampler.creates();
  const created = perCluster.reduce((a, b) => a + b, 0);
  if (createdInTime < JOBS)
    console.log(
      `  ${mode}: only ${createdInTime}/${JOBS} Jobs created in 180 s (${created} later)`,
    );
  return {
    submitPerSec,
    createdPerSec: createdInTime / drainSeconds,
    cpuMsPerJob: (cpu.user + cpu.system) / 1000 / Math.max(1, createdInTime),
    simsCpuMsPerJob: simsCpu / 1000 / Math.max(1, createdInTime),
    drainSeconds,
    duplicates,
    clustersUsed: perCluster.filter((n) => n > 0).length,
    maxJobsPerCluster: Math.max(...perCluster),
    peakQps: Math.max(...peaks),
    overBudget: peaks.filter((p) => p > BUCKET_WINDOW_MAX).length,
  };
}

async function latencyPhase(sys: Awaited<ReturnType<typeof startSystem>>) {
  const ids: string[] = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const next = performance.now() + 100;
    ids.push(await submit(sys, `latency-${i}`));
    await sleep(Math.max(0, next - performance.now()));
  }
  const created: number[] = [];
  const running: number[] = [];
  for (const id of ids) {
    for (let tries = 0; ; tries++) {
      const job = await getJob(sys, id);
      const t = (state: string) => job.events.find((e) => e.state === state)?.at;
      const at0 = Date.parse(job.events[0]?.at ?? '');
      const c = t('submitted');
      const r = t('running');
      if (c && r) {
        created.push(Date.parse(c) - at0);
        running.push(Date.parse(r) - at0);
        break;
      }
      if (tries > 600) throw new Error(`job ${id} did not run: ${JSON.stringify(job.events)}`);
      await sleep(100);
    }
  }
  const pct = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99) };
  };
  return { created: pct(created), running: pct(running) };
}

async function runMode(mode: Mode, sims: SimsMode): Promise<Result> {
  const sys = await startSystem(mode, CLUSTERS, sims);
  try {
    const dispatch = await dispatchPhase(`${mode}-${sims}`, sys);
    const latency = await latencyPhase(sys);
    return { mode, sims, ...dispatch, ...latency };
  } finally {
    await sys.close();
  }
}

function report(results: Result[], sims: SimsMode): void {
  const avg = (mode: Mode, f: (r: Result) => number) => {
    const xs = results.filter((r) => r.mode === mode).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const rows: Array<[string, (r: Result) => number, number]> = [
    ['Jobs created/s (backlog drained)', (r) => r.createdPerSec, 0],
    ['drain time of the backlog (s)', (r) => r.drainSeconds, 2],
    ['CPU ms of this process per Job created (drain)', (r) => r.cpuMsPerJob, 2],
    [
      'CPU ms of the simulated clusters per Job created (own process only)',
      (r) => r.simsCpuMsPerJob,
      2,
    ],
    ['submissions/s while loading (not the target here)', (r) => r.submitPerSec, 0],
    ['duplicate Job creates', (r) => r.duplicates, 0],
    ['clusters used', (r) => r.clustersUsed, 0],
    ['most Jobs on one cluster', (r) => r.maxJobsPerCluster, 0],
    ['peak requests/s of one cluster (any 1 s window)', (r) => r.peakQps, 1],
    [`clusters over ${BUCKET_WINDOW_MAX} requests in a 1 s window`, (r) => r.overBudget, 0],
    ['submit → Job created p50 (ms)', (r) => r.created.p50, 0],
    ['submit → Job created p99 (ms)', (r) => r.created.p99, 0],
    ['submit → running p50 (ms)', (r) => r.running.p50, 0],
    ['submit → running p99 (ms)', (r) => r.running.p99, 0],
  ];
  const where =
    sims === 'process'
      ? 'in a process of their own (the figures of this process are Switchyard, not the simulator)'
      : 'in this process (its CPU figures include the simulator)';
  console.log(
    `\n${CLUSTERS} simulated clusters ${where}, ${JOBS} jobs, ${LATENCY_JOBS} latency probes`,
  );
  console.log(
    '| | fixed poll | event, commits alone | event, batched commits | event / poll | batch / event |',
  );
  console.log('|---|---|---|---|---|---|');
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  for (const [label, f, digits] of rows) {
    const [p, e, b] = [avg('poll', f), avg('event', f), avg('batch', f)];
    const cells = [p, e, b].map((x) => (Number.isNaN(x) ? '–' : x.toFixed(digits)));
    console.log(`| ${label} | ${cells.join(' | ')} | ${ratio(e, p)} | ${ratio(b, e)} |`);
  }
}

async function main(): Promise<void> {
  const room = CLUSTERS * 64; // 8 nodes × 8 A100 each; the jobs run an hour
  if (JOBS + LATENCY_JOBS > room) {
    throw new Error(
      `BENCH_JOBS + BENCH_LATENCY_JOBS (${JOBS + LATENCY_JOBS}) must fit the ${room} GPUs of ${CLUSTERS} clusters`,
    );
  }
  const order: Mode[] = [];
  for (let r = 0; r < ROUNDS; r++)
    order.push(...((r % 2 ? ['batch', 'event', 'poll'] : ['poll', 'event', 'batch']) as Mode[]));
  const only = process.env.BENCH_MODES?.split(',');
  if (only) order.splice(0, order.length, ...order.filter((m) => only.includes(m)));
  const results: Result[] = [];
  const runs = order.flatMap((mode, i) =>
    (i % 2 ? [...SIMS].reverse() : SIMS).map((sims) => ({ mode, sims })),
  );
  for (const { mode, sims } of runs) {
    console.log(`round: ${mode}, simulated clusters ${sims} …`);
    const r = await runMode(mode, sims);
    console.log(
      `  ${r.createdPerSec.toFixed(0)} Jobs created/s, duplicates ${r.duplicates}, created p50 ${r.created.p50} ms`,
    );
    results.push(r);
  }
  for (const sims of SIMS)
    report(
      results.filter((r) => r.sims === sims),
      sims,
    );
  if (SIMS.length > 1) compareSims(results);
}

/** Per drainer mode: clusters in their own process against clusters in this one. */
function compareSims(results: Result[]): void {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    '\n| mode | Jobs/s in-process | Jobs/s own process | ratio | CPU ms/Job in-process | CPU ms/Job own process (Switchyard only) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const mode of [...new Set(results.map((r) => r.mode))]) {
    const of = (sims: SimsMode, f: (r: Result) => number) =>
      mean(results.filter((r) => r.mode === mode && r.sims === sims).map(f));
    const [a, b] = [
      of('in-process', (r) => r.createdPerSec),
      of('process', (r) => r.createdPerSec),
    ];
    const [ca, cb] = [of('in-process', (r) => r.cpuMsPerJob), of('process', (r) => r.cpuMsPerJob)];
    console.log(
      `| ${mode} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}× | ${ca.toFixed(2)} | ${cb.toFixed(2)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
