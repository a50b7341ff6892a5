/**
 * What-if replay benchmark (figures, no assertions): `npm run bench:policy-simulate`.
 * 10,000 jobs of one tenant at 100 clusters with a 60-rule policy in force and a draft that moves
 * the tenant's EU residency rule. Prints, best of 5 rounds:
 *   baseline  place() each of the 10,000 jobs once with the policy in force (the submit path's cost)
 *   replay    replayPlacements(): the same jobs under both policies, compared (the pure core)
 *   service   POST /v1/policy:simulate's service on the memory store: reading the 10,000 jobs,
 *             the cluster state and quota counters, then the replay
 * and each against the baseline. Target: service < 1 s.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type { AcceleratorPool } from '../../shared/domain/cluster.js';
import type { Job, JobSpec } from '../../shared/domain/job.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import { createDispatchContext } from '../../shared/dispatch/context.js';
import { preparedOf } from '../../shared/dispatch/cluster-state.js';
import { createPolicySimulator } from '../../shared/dispatch/policy-simulate.js';
import { place } from '../../shared/placement/place.js';
import { replayPlacements } from '../../shared/placement/replay.js';
import { compilePolicy } from '../../shared/policy/compile.js';
import { parsePolicy } from '../../shared/policy/schema.js';
import { writeVersion } from '../../shared/policy/versions.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';

const JOBS = 10_000;
const CLUSTERS = 100;
const ROUNDS = 5;
const NOW = Date.parse('2026-11-28T12:00:00Z');
const ACCELERATORS = ['nvidia-a100', 'nvidia-h100', 'nvidia-l4'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'europe-west4'];
const CLOUDS = ['aws', 'gcp', 'azure', 'onprem'];

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function policy(euRegions: string[]) {
  const rules: unknown[] = [
    { name: 'eu', match: { labels: { residency: 'eu' } }, require: { regions: euRegions } },
  ];
  for (let i = 0; i < 59; i++) {
    rules.push({
      name: `team-${i}`,
      match: { labels: { team: `team-${i % 20}` }, accelerators: [ACCELERATORS[i % 3]!] },
      prefer: [{ weight: 1 + (i % 3), clouds: [CLOUDS[i % 4]!] }],
    });
  }
  return parsePolicy({
    version: euRegions.join(','),
    quotas: { tenants: { acme: { totalGpus: 4_000 } } },
    rules,
  });
}
const IN_FORCE = policy(['eu-*']);
const DRAFT = policy(['eu-*', 'europe-*']);

function spec(i: number): JobSpec {
  return {
    name: `job-${i}`,
    project: pick(['research', 'prod', 'etl']),
    image: 'busybox',
    env: {},
    resources: { accelerator: { type: pick(ACCELERATORS), count: 1 + Math.floor(rand() * 4) } },
    priority: Math.floor(rand() * 1000),
    labels: { team: `team-${i % 20}`, ...(rand() < 0.4 && { residency: 'eu' }) },
  };
}

async function setUp() {
  const store = createMemoryStore();
  const ctx: CoreContext = {
    store,
    queue: createMemoryQueue(),
    clock: { now: () => NOW },
    log: silentLogger,
    settings: defaultCoreSettings,
  };
  await createClusterService(ctx).register(
    Array.from({ length: CLUSTERS }, (_, i) => ({
      id: `c${String(i).padStart(3, '0')}`,
      cloud: pick(CLOUDS),
      region: pick(REGIONS),
      labels: { tier: rand() < 0.3 ? 'premium' : 'standard' },
      queue: `q${i}`,
      pools: [...new Set([pick(ACCELERATORS), pick(ACCELERATORS)])].map(
        (accelerator): AcceleratorPool => ({
          accelerator,
          nodes: 1 + Math.floor(rand() * 16),
          gpusPerNode: 8,
          costPerGpuHour: Math.round(rand() * 400) / 100,
        }),
      ),
    })),
  );
  for (let i = 0; i < JOBS; i++) {
    const at = new Date(NOW - (JOBS - i) * 1000).toISOString();
    const job: Job = {
      id: `j${String(i).padStart(6, '0')}`,
      tenantId: 'acme',
      spec: spec(i),
      state: 'succeeded',
      version: 1,
      createdAt: at,
      updatedAt: at,
      submittedBy: 'bench',
      events: [],
    };
    await store.jobs.create(job);
  }
  await writeVersion(store.settings, () => ({
    document: IN_FORCE,
    revision: 1,
    updatedAt: new Date(NOW).toISOString(),
    updatedBy: 'bench',
  }));
  return createDispatchContext(ctx);
}

async function best(run: () => Promise<unknown> | unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    await run();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

async function main() {
  const dispatch = await setUp();
  const simulator = createPolicySimulator(dispatch);
  const principal = {
    tenantId: 'acme',
    tokenId: 'bench',
    scopes: new Set(['policy:admin']),
    projects: ['*'],
  };
  const all: Job[] = [];
  for (let cursor: string | undefined; ;) {
    const p = await dispatch.store.jobs.list({
      tenantId: 'acme',
      limit: 500,
      ...(cursor && { cursor }),
    });
    all.push(...p.items);
    cursor = p.nextCursor;
    if (!cursor) break;
  }
  const clusters = preparedOf(await dispatch.clusterState.recent());
  const current = compilePolicy(IN_FORCE);
  const draft = compilePolicy(DRAFT);
  const usage = new Map<string, number>();
  const env = { now: NOW, heartbeatTimeoutMs: 60_000 };

  const baseline = await best(() => {
    for (const j of all)
      place({ spec: j.spec, tenantId: j.tenantId, clusters, policy: current, usage, ...env });
  });
  let changed = 0;
  const replay = await best(() => {
    const r = replayPlacements({
      jobs: all,
      clusters,
      current,
      draft,
      usage,
      maxChanges: 100,
      ...env,
    });
    changed = r.summary.changed;
  });
  let replayed = 0;
  const service = await best(async () => {
    const r = await simulator.simulate(principal, { document: DRAFT }, { limit: String(JOBS) });
    replayed = r.summary.replayed;
  });
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `policy simulate: ${JOBS} jobs, ${CLUSTERS} clusters, 60 rules; best of ${ROUNDS}; load ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(`  baseline  place() x ${all.length} with the policy in force   ${ms(baseline)}`);
  console.log(
    `  replay    both policies, compared (${changed} changed)     ${ms(replay)}  (${(replay / baseline).toFixed(2)}x baseline)`,
  );
  console.log(
    `  service   read ${replayed} jobs + state, replay              ${ms(service)}  (${(service / baseline).toFixed(2)}x baseline)  target < 1000 ms`,
  );
}

await main();
