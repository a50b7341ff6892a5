/**
 * Routing benchmark (figures, no assertions): `npx tsx test/bench/routing.bench.ts`.
 * 1. place() latency p50/p99 at 10, 100, 1,000 and 10,000 clusters with a 200-rule policy, beside a
 *    baseline measured in the same run: a bare loop over the same clusters doing only the
 *    accelerator check. Targets: p99 <= 100 µs at 1,000 clusters, <= 1 ms at 10,000.
 * 2. place() latency for gangs (2-8 pods of 4 or 8 GPUs, of every workload kind) beside single-pod
 *    jobs at 1,000 and 10,000 clusters, in alternating rounds. Target: gang p99 <= 100 µs at 1,000.
 * 3. planAdmission() throughput for 100,000 pending jobs across 50 tenants. Target >= 50,000/s.
 */
import { loadavg } from 'node:os';
import type { Cluster } from '../../shared/domain/cluster.js';
import { WORKLOAD_KINDS, type JobSpec } from '../../shared/domain/job.js';
import { planAdmission, type PendingJob } from '../../shared/placement/admission.js';
import { place, prepareClusters, type ClusterSnapshot } from '../../shared/placement/place.js';
import { compilePolicy, type CompiledPolicy } from '../../shared/policy/compile.js';
import { parsePolicy } from '../../shared/policy/schema.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const HEARTBEAT_MS = 60_000;
const TENANTS = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
const ACCELERATORS = ['nvidia-a100', 'nvidia-h100', 'nvidia-l4', 'nvidia-t4'];
const REGIONS: Record<string, string[]> = {
  aws: ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'],
  gcp: ['us-central1', 'europe-west4', 'asia-east1'],
  azure: ['eastus', 'westeurope'],
  onprem: ['site-a', 'site-b'],
};
const CLOUDS = Object.keys(REGIONS);

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildClusters(n: number, rand: () => number): ClusterSnapshot[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const cloud = pick(CLOUDS);
    const region = pick(REGIONS[cloud]!);
    const types = [...new Set([pick(ACCELERATORS), pick(ACCELERATORS)])];
    const pools = types.map((accelerator) => ({
      accelerator,
      nodes: 1 + Math.floor(rand() * 8),
      gpusPerNode: pick([4, 8]),
      costPerGpuHour: Math.round(rand() * 400) / 100,
    }));
    const cluster: Cluster = {
      id: `c${String(i).padStart(5, '0')}`,
      cloud,
      region,
      labels: {
        residency: region.startsWith('eu') || region.includes('europe') ? 'eu' : 'us',
        tier: rand() < 0.3 ? 'premium' : 'standard',
        site: `s${i % 7}`,
      },
      queue: `q${i}`,
      state: rand() < 0.05 ? 'cordoned' : 'active',
      pools,
      capacity: {
        reportedAt: new Date(NOW - 1000).toISOString(),
        accelerators: Object.fromEntries(
          pools.map((p) => {
            const total = p.nodes * p.gpusPerNode;
            // Each node's free GPUs, largest first, as drainers report them.
            const perNode = Array.from({ length: p.nodes }, () =>
              Math.floor(rand() * (p.gpusPerNode + 1)),
            ).sort((a, b) => b - a);
            const free = perNode.reduce((a, b) => a + b, 0);
            const report = { total, free, maxFreePerNode: perNode[0]!, freePerNode: perNode };
            return [p.accelerator, report];
          }),
        ),
        kinds: rand() < 0.2 ? ['job', 'jobset'] : [...WORKLOAD_KINDS],
      },
      version: 1,
      updatedAt: new Date(NOW).toISOString(),
    };
    return { cluster, committedGpus: {} };
  });
}

/** 200 rules: 3 per tenant (residency, forbid, preference) and 50 shared by labels/accelerator. */
function buildPolicy(): CompiledPolicy {
  const rules: unknown[] = [];
  TENANTS.forEach((t, i) => {
    rules.push({
      name: `${t}-residency`,
      match: { tenants: [t], projects: ['secure-*'] },
      require: {
        regions: i % 2 ? ['eu-*', 'europe-*', 'westeurope'] : ['us-*'],
        labels: { residency: i % 2 ? 'eu' : 'us' },
      },
    });
    rules.push({ name: `${t}-no-onprem`, match: { tenants: [t] }, forbid: { clouds: ['onprem'] } });
    rules.push({
      name: `${t}-prefer`,
      match: { tenants: [t], priority: { min: 200 } },
      prefer: [
        { weight: 5, clouds: [CLOUDS[i % 4]!] },
        { weight: 2, labels: { tier: 'premium' } },
      ],
      priority: { max: 800 },
    });
  });
  for (let i = 0; i < 50; i++) {
    rules.push({
      name: `shared-${i}`,
      match: { labels: { team: `team-${i % 10}` }, accelerators: [ACCELERATORS[i % 4]!] },
      prefer: [{ weight: 1 + (i % 3), labels: { site: `s${i % 7}` } }],
      priority: { default: 100 + i * 10 },
    });
  }
  return compilePolicy(
    parsePolicy({
      version: 'bench-1',
      shares: Object.fromEntries(TENANTS.map((t, i) => [t, 1 + (i % 3)])),
      quotas: { tenants: Object.fromEntries(TENANTS.map((t) => [t, { totalGpus: 400 }])) },
      rules,
    }),
  );
}

function buildJob(rand: () => number, i: number): { tenantId: string; spec: JobSpec } {
  const accelerator = ACCELERATORS[Math.floor(rand() * ACCELERATORS.length)]!;
  return {
    tenantId: TENANTS[i % TENANTS.length]!,
    spec: {
      name: `job-${i}`,
      project: rand() < 0.3 ? 'secure-train' : 'research',
      image: 'busybox',
      env: {},
      resources: { accelerator: { type: accelerator, count: 1 + Math.floor(rand() * 4) } },
      priority: Math.floor(rand() * 1000),
      labels: { team: `team-${Math.floor(rand() * 10)}` },
    },
  };
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

interface Latency {
  p50: number;
  p99: number;
  /** The lowest p99 of the rounds: the figure least disturbed by other processes. */
  bestRoundP99: number;
}

/**
 * Times `a` and `b` call by call, in alternating rounds so that both see the same background
 * load, after a warm-up.
 */
function measurePair(
  iterations: number,
  a: (i: number) => void,
  b: (i: number) => void,
  rounds = 10,
): [Latency, Latency] {
  for (let i = 0; i < Math.min(1000, iterations); i++) {
    a(i);
    b(i);
  }
  const per = Math.ceil(iterations / rounds);
  const all: [number[], number[]] = [[], []];
  const roundP99: [number[], number[]] = [[], []];
  for (let r = 0; r < rounds; r++) {
    [a, b].forEach((run, k) => {
      const times = new Array<number>(per);
      for (let i = 0; i < per; i++) {
        const t0 = performance.now();
        run(r * per + i);
        times[i] = performance.now() - t0;
      }
      times.sort((x, y) => x - y);
      roundP99[k]!.push(percentile(times, 99));
      all[k]!.push(...times);
    });
  }
  return [0, 1].map((k) => {
    const sorted = all[k]!.sort((x, y) => x - y);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      bestRoundP99: Math.min(...roundP99[k]!),
    };
  }) as [Latency, Latency];
}

function latencyTable(policy: CompiledPolicy): void {
  const rand = rng(42);
  const jobs = Array.from({ length: 256 }, (_, i) => buildJob(rand, i));
  const rows: string[][] = [];
  for (const n of [10, 100, 1000, 10_000]) {
    const snapshots = buildClusters(n, rand);
    const prepared = prepareClusters(snapshots);
    const iterations = n >= 10_000 ? 3000 : n >= 1000 ? 10_000 : 20_000;
    let sink = 0;
    const [baseline, placed] = measurePair(
      iterations,
      (i) => {
        const acc = jobs[i % jobs.length]!.spec.resources.accelerator!;
        for (const s of snapshots) {
          for (const p of s.cluster.pools) {
            if (p.accelerator === acc.type && p.gpusPerNode >= acc.count) {
              sink++;
              break;
            }
          }
        }
      },
      (i) => {
        const job = jobs[i % jobs.length]!;
        const d = place({
          ...job,
          clusters: prepared,
          policy,
          now: NOW,
          heartbeatTimeoutMs: HEARTBEAT_MS,
        });
        sink += d.candidates.length;
      },
    );
    const t0 = performance.now();
    prepareClusters(snapshots);
    const prep = performance.now() - t0;
    if (sink < 0) console.log(sink);
    rows.push([
      String(n),
      us(placed.p50),
      us(placed.p99),
      us(placed.bestRoundP99),
      us(baseline.p50),
      us(baseline.p99),
      (placed.p50 / baseline.p50).toFixed(1),
      (placed.p99 / baseline.p99).toFixed(1),
      us(prep),
    ]);
  }
  const head = [
    'clusters',
    'place p50',
    'place p99',
    'p99 best round',
    'baseline p50',
    'baseline p99',
    'ratio p50',
    'ratio p99',
    'prepare (once)',
  ];
  printTable(head, rows);
}

/** Gangs against single-pod jobs on the same clusters, in alternating rounds. */
function gangTable(policy: CompiledPolicy): void {
  const rand = rng(11);
  const singles = Array.from({ length: 256 }, (_, i) => buildJob(rand, i));
  const gangs = singles.map(({ tenantId, spec }) => ({
    tenantId,
    spec: {
      ...spec,
      kind: WORKLOAD_KINDS[Math.floor(rand() * WORKLOAD_KINDS.length)]!,
      nodes: 2 + Math.floor(rand() * 7),
      resources: { accelerator: { ...spec.resources.accelerator!, count: rand() < 0.5 ? 4 : 8 } },
    },
  }));
  const rows: string[][] = [];
  for (const n of [1000, 10_000]) {
    const prepared = prepareClusters(buildClusters(n, rand));
    const outcomes = new Map<string, number>();
    let sink = 0;
    const run = (jobs: typeof singles, i: number, count: boolean) => {
      const d = place({
        ...jobs[i % jobs.length]!,
        clusters: prepared,
        policy,
        now: NOW,
        heartbeatTimeoutMs: HEARTBEAT_MS,
      });
      sink += d.candidates.length;
      if (count) outcomes.set(d.outcome, (outcomes.get(d.outcome) ?? 0) + 1);
    };
    const iterations = n >= 10_000 ? 3000 : 10_000;
    const [single, gang] = measurePair(
      iterations,
      (i) => run(singles, i, false),
      (i) => run(gangs, i, true),
    );
    if (sink < 0) console.log(sink);
    rows.push([
      String(n),
      us(single.p50),
      us(single.p99),
      us(gang.p50),
      us(gang.p99),
      us(gang.bestRoundP99),
      (gang.p50 / single.p50).toFixed(2),
      (gang.p99 / single.p99).toFixed(2),
      [...outcomes].map(([o, k]) => `${o} ${k}`).join(', '),
    ]);
  }
  const head = ['clusters', 'single p50', 'single p99', 'gang p50', 'gang p99', 'gang p99 best'];
  printTable([...head, 'ratio p50', 'ratio p99', 'gang outcomes'], rows);
}

function admissionThroughput(policy: CompiledPolicy): void {
  const rand = rng(7);
  const clusters = prepareClusters(buildClusters(1000, rand));
  const pending: PendingJob[] = Array.from({ length: 100_000 }, (_, i) => ({
    id: `j${String(i).padStart(6, '0')}`,
    ...buildJob(rand, i),
    createdAt: new Date(NOW - 100_000 + i).toISOString(),
  }));
  const input = {
    pending,
    clusters,
    policy,
    usage: {},
    now: NOW,
    heartbeatTimeoutMs: HEARTBEAT_MS,
  };
  planAdmission({ ...input, pending: pending.slice(0, 5000) }); // warm-up
  const rows: string[][] = [];
  for (const maxCandidates of [undefined, 32, undefined, 32]) {
    const t0 = performance.now();
    const decisions = planAdmission({ ...input, ...(maxCandidates && { maxCandidates }) });
    const ms = performance.now() - t0;
    const placed = decisions.filter((d) => d.decision.outcome === 'placed').length;
    rows.push([
      maxCandidates ? `best ${maxCandidates}` : 'all',
      '100000',
      '50',
      '1000',
      `${ms.toFixed(0)} ms`,
      String(placed),
      String(decisions.length - placed),
      `${Math.round(pending.length / (ms / 1000)).toLocaleString('en')}`,
    ]);
  }
  printTable(
    [
      'candidates kept',
      'pending',
      'tenants',
      'clusters',
      'time',
      'placed',
      'rejected',
      'decisions/s',
    ],
    rows,
  );
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log();
}

const only = process.argv[2]; // `placement`, `gangs` or `admission` to run one part
const policy = buildPolicy();
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `Routing benchmark: ${policy.rules.length}-rule policy, Node ${process.version}, load average ${load}\n`,
);
if (only !== 'admission' && only !== 'gangs') {
  console.log('Placement latency (prepared clusters; baseline = bare accelerator-check loop)');
  latencyTable(policy);
}
if (only !== 'admission' && only !== 'placement') {
  console.log('Gang placement latency (2-8 pods of 4 or 8 GPUs; ratio = gang / single pod)');
  gangTable(policy);
}
if (only !== 'placement' && only !== 'gangs') {
  console.log('Admission throughput (each pending job considered counts as one decision)');
  admissionThroughput(policy);
}
