// Properties: no placed decision breaks a hard constraint, and admission never exceeds a quota or a
// cluster's capacity, for random clusters, policies, usage and jobs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import type { JobSpec, PlacementConstraints } from '../../shared/domain/job.js';
import { planAdmission } from '../../shared/placement/admission.js';
import {
  freeGpus,
  isOffline,
  LayeredUsage,
  place,
  prepareClusters,
  takeGpus,
  usageKeys,
  type ClusterSnapshot,
} from '../../shared/placement/place.js';
import { compilePolicy } from '../../shared/policy/compile.js';
import { parsePolicy, type Policy, type PolicySelector } from '../../shared/policy/schema.js';
import { HEARTBEAT_MS, NOW } from './placement-builders.js';

const TYPES = ['nvidia-a100', 'nvidia-h100'];
const TENANTS = ['t1', 't2'];
const CLOUDS = ['aws', 'gcp', 'onprem'];
const REGIONS = ['us-east-1', 'eu-west-1', 'europe-west4'];

const clusterArb = (id: string): fc.Arbitrary<ClusterSnapshot> =>
  fc
    .record({
      cloud: fc.constantFrom(...CLOUDS),
      region: fc.constantFrom(...REGIONS),
      residency: fc.constantFrom('eu', 'us'),
      state: fc.constantFrom('active', 'active', 'active', 'active', 'cordoned', 'draining'),
      pools: fc.uniqueArray(
        fc.record({
          accelerator: fc.constantFrom(...TYPES),
          nodes: fc.integer({ min: 1, max: 3 }),
          gpusPerNode: fc.integer({ min: 2, max: 8 }),
          costPerGpuHour: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 2, selector: (p) => p.accelerator },
      ),
      used: fc.integer({ min: 0, max: 6 }),
      stale: fc.constantFrom(false, false, false, true),
      reported: fc.boolean(),
      committed: fc.integer({ min: 0, max: 4 }),
    })
    .map((r): ClusterSnapshot => {
      const cluster: Cluster = {
        id,
        cloud: r.cloud,
        region: r.region,
        labels: { residency: r.residency },
        queue: id,
        state: r.state as Cluster['state'],
        pools: r.pools.map(({ costPerGpuHour, ...p }) => ({
          ...p,
          ...(costPerGpuHour !== undefined && { costPerGpuHour }),
        })),
        version: 1,
        updatedAt: new Date(NOW).toISOString(),
        ...(r.reported && {
          capacity: {
            reportedAt: new Date(NOW - (r.stale ? 120_000 : 0)).toISOString(),
            accelerators: Object.fromEntries(
              r.pools.map((p) => {
                const total = p.nodes * p.gpusPerNode;
                const free = Math.max(0, total - r.used);
                return [
                  p.accelerator,
                  { total, free, maxFreePerNode: Math.min(free, p.gpusPerNode) },
                ];
              }),
            ),
          },
        }),
      };
      const committed = r.pools[0] ? { [r.pools[0].accelerator]: r.committed } : {};
      return { cluster, committedGpus: committed };
    });

const clustersArb = fc
  .integer({ min: 1, max: 7 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => clusterArb(`c${i}`))));

const selectorArb: fc.Arbitrary<PolicySelector> = fc.oneof(
  fc.constant<PolicySelector>({ clusters: ['c0', 'c1*'] }),
  fc.subarray(CLOUDS, { minLength: 1 }).map((clouds): PolicySelector => ({ clouds })),
  fc
    .constantFrom(['eu-*'], ['europe-*', 'us-*'], ['*-1'])
    .map((r): PolicySelector => ({ regions: [...r] })),
  fc.constantFrom('eu', 'us').map((residency): PolicySelector => ({ labels: { residency } })),
  fc.constant<PolicySelector>({ clouds: ['aws', 'gcp'], labels: { residency: 'eu' } }),
);

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    rules: fc.array(
      fc.tuple(
        fc.record(
          {
            tenants: fc.subarray(TENANTS, { minLength: 1 }),
            accelerators: fc.constantFrom(['nvidia-a*'], ['nvidia-h100']),
          },
          { requiredKeys: [] },
        ),
        fc.oneof(
          selectorArb.map((require) => ({ require })),
          selectorArb.map((forbid) => ({ forbid })),
          fc
            .array(
              selectorArb.map((s) => ({ ...s, weight: 3 })),
              { minLength: 1, maxLength: 2 },
            )
            .map((prefer) => ({ prefer })),
          fc.constant({ priority: { default: 300, max: 600 } }),
        ),
      ),
      { maxLength: 3 },
    ),
    quota: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    projectQuota: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  })
  .map(({ rules, quota, projectQuota }) =>
    parsePolicy({
      version: 'p',
      rules: rules.map(([match, effect], i) => ({ name: `r${i}`, match, ...effect })),
      quotas: {
        tenants: quota === undefined ? {} : { t1: { gpus: { 'nvidia-a100': quota } } },
        projects: projectQuota === undefined ? {} : { 't2/p': { totalGpus: projectQuota } },
      },
    }),
  );

const constraintsArb: fc.Arbitrary<PlacementConstraints | undefined> = fc.option(selectorArb, {
  nil: undefined,
  freq: 4,
});

const jobArb = fc.record({
  tenantId: fc.constantFrom(...TENANTS),
  type: fc.constantFrom(...TYPES),
  count: fc.integer({ min: 1, max: 4 }),
  priority: fc.constantFrom(100, 500),
  constraints: constraintsArb,
});

type JobGen = {
  tenantId: string;
  type: string;
  count: number;
  priority: number;
  constraints: PlacementConstraints | undefined;
};

const specOf = (j: JobGen): JobSpec => ({
  name: 'j',
  project: 'p',
  image: 'i',
  env: {},
  resources: { accelerator: { type: j.type, count: j.count } },
  priority: j.priority,
  labels: {},
  ...(j.constraints && { constraints: j.constraints }),
});

const usageArb = fc.dictionary(
  fc.constantFrom('tenant:t1:nvidia-a100', 'project:t2/p:total', 'tenant:t2:total'),
  fc.integer({ min: 0, max: 10 }),
);

// An independent reading of the policy's semantics, to check decisions against.
const glob = (g: string) => new RegExp(`^${g.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
function selects(s: PolicySelector, c: Cluster): boolean {
  return (
    (!s.clusters || s.clusters.some((g) => glob(g).test(c.id))) &&
    (!s.clouds || s.clouds.includes(c.cloud)) &&
    (!s.regions || s.regions.some((g) => glob(g).test(c.region))) &&
    Object.entries(s.labels ?? {}).every(([k, v]) => c.labels[k] === v)
  );
}

/** Every hard constraint except capacity, which admission checks in aggregate. */
function violations(
  snapshot: ClusterSnapshot,
  spec: JobSpec,
  policy: Policy,
  matched: string[],
): string[] {
  const c = snapshot.cluster;
  const acc = spec.resources.accelerator!;
  const out: string[] = [];
  if (!c.pools.some((p) => p.accelerator === acc.type && p.gpusPerNode >= acc.count))
    out.push('fit');
  if (c.state !== 'active') out.push('state');
  if (isOffline(c, NOW, HEARTBEAT_MS)) out.push('offline');
  if (spec.constraints && !selects(spec.constraints, c)) out.push('job constraints');
  for (const r of policy.rules.filter((r) => matched.includes(r.name))) {
    if (r.require && !selects(r.require, c)) out.push(`require ${r.name}`);
    if (r.forbid && selects(r.forbid, c)) out.push(`forbid ${r.name}`);
  }
  return out;
}

describe('placement properties', () => {
  it('a placed decision never breaks a hard constraint or a quota', () => {
    fc.assert(
      fc.property(
        clustersArb,
        policyArb,
        jobArb,
        usageArb,
        fc.boolean(),
        (clusters, doc, job, usage, block) => {
          const spec = specOf(job);
          const blocked = block && clusters[0] ? [clusters[0].cluster.id] : [];
          const d = place({
            spec,
            tenantId: job.tenantId,
            clusters,
            policy: compilePolicy(doc),
            usage,
            blocked,
            now: NOW,
            heartbeatTimeoutMs: HEARTBEAT_MS,
          });
          expect(d.candidates).toHaveLength(clusters.length);
          if (d.outcome !== 'placed') return;
          const chosen = clusters.find((s) => s.cluster.id === d.clusterId)!;
          expect(violations(chosen, spec, doc, d.matchedRules)).toEqual([]);
          expect(blocked).not.toContain(d.clusterId);
          expect(freeGpus(chosen, job.type)).toBeGreaterThanOrEqual(job.count);
          for (const k of usageKeys(
            job.tenantId,
            'p',
            job.type,
            d.clusterId!,
            compilePolicy(doc),
          )) {
            if (k.max !== undefined)
              expect((usage[k.key] ?? 0) + job.count).toBeLessThanOrEqual(k.max);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a prepared snapshot kept across decisions, with each dispatch taken out, decides as a fresh one', () => {
    fc.assert(
      fc.property(
        clustersArb,
        policyArb,
        fc.array(jobArb, { minLength: 1, maxLength: 8 }),
        usageArb,
        (clusters, doc, jobs, quota) => {
          const policy = compilePolicy(doc);
          const snapshots = structuredClone(clusters);
          const kept = prepareClusters(structuredClone(clusters));
          const jobsOn = new Map<string, number>();
          for (const job of jobs) {
            const common = {
              spec: specOf(job),
              tenantId: job.tenantId,
              policy,
              now: NOW,
              heartbeatTimeoutMs: HEARTBEAT_MS,
            };
            const counters = Object.fromEntries(
              [...jobsOn].map(([id, n]) => [`cluster:${id}:jobs`, n]),
            );
            const shared = place({
              ...common,
              clusters: kept,
              usage: new LayeredUsage(new Map(Object.entries(counters)), quota),
            });
            const fresh = place({
              ...common,
              clusters: prepareClusters(snapshots),
              usage: { ...counters, ...quota },
            });
            expect(shared).toEqual(fresh);
            if (shared.outcome !== 'placed') continue;
            const id = shared.clusterId!;
            const snap = snapshots.find((s) => s.cluster.id === id)!;
            snap.committedGpus[job.type] = (snap.committedGpus[job.type] ?? 0) + job.count;
            takeGpus(kept, snapshots.indexOf(snap), job.type, job.count);
            jobsOn.set(id, (jobsOn.get(id) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('admission never exceeds a quota or a cluster capacity', () => {
    fc.assert(
      fc.property(
        clustersArb,
        policyArb,
        fc.array(jobArb, { maxLength: 25 }),
        usageArb,
        (clusters, doc, jobs, usage) => {
          const policy = compilePolicy(doc);
          const pending = jobs.map((j, i) => ({
            id: `j${i}`,
            tenantId: j.tenantId,
            spec: specOf(j),
            createdAt: new Date(NOW - i * 1000).toISOString(),
          }));
          const out = planAdmission({
            pending,
            clusters,
            policy,
            usage,
            now: NOW,
            heartbeatTimeoutMs: HEARTBEAT_MS,
          });
          const counters = new Map(Object.entries(usage));
          const taken = new Map<string, number>();
          for (const { jobId, decision } of out) {
            if (decision.outcome !== 'placed') continue;
            const job = pending.find((p) => p.id === jobId)!;
            const acc = job.spec.resources.accelerator!;
            const chosen = clusters.find((s) => s.cluster.id === decision.clusterId)!;
            expect(violations(chosen, job.spec, doc, decision.matchedRules)).toEqual([]);
            const k = `${decision.clusterId}/${acc.type}`;
            taken.set(k, (taken.get(k) ?? 0) + acc.count);
            expect(taken.get(k)).toBeLessThanOrEqual(freeGpus(chosen, acc.type));
            for (const u of usageKeys(job.tenantId, 'p', acc.type, chosen.cluster.id, policy)) {
              counters.set(u.key, (counters.get(u.key) ?? 0) + (u.unit === 'gpus' ? acc.count : 1));
              if (u.max !== undefined) expect(counters.get(u.key)).toBeLessThanOrEqual(u.max);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
