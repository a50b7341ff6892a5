import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../shared/domain/job.js';
import { planAdmission, type PendingJob } from '../../shared/placement/admission.js';
import type { ClusterSnapshot } from '../../shared/placement/place.js';
import {
  HEARTBEAT_MS,
  NOW,
  aCluster,
  aSpec,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

let seq = 0;
function aJob(
  tenantId: string,
  over: Partial<JobSpec> & { gpus?: number; type?: string } = {},
  ageS = 0,
): PendingJob {
  seq++;
  return {
    id: `j${String(seq).padStart(3, '0')}`,
    tenantId,
    spec: aSpec(over),
    createdAt: new Date(NOW - ageS * 1000).toISOString(),
  };
}

const oneCluster = (free: number): ClusterSnapshot[] => [snap(reporting(aCluster('c'), free))];

function plan(
  pending: PendingJob[],
  clusters: ClusterSnapshot[],
  extra: { policy?: Record<string, unknown>; usage?: Record<string, number> } = {},
) {
  const input = {
    pending,
    clusters,
    usage: extra.usage ?? {},
    now: NOW,
    heartbeatTimeoutMs: HEARTBEAT_MS,
    ...(extra.policy && { policy: policyOf(extra.policy) }),
  };
  const frozen = JSON.stringify(input);
  const out = planAdmission(input);
  expect(JSON.stringify(input)).toBe(frozen); // pure: the input is untouched
  return out;
}

const placed = (out: ReturnType<typeof plan>) =>
  out.filter((d) => d.decision.outcome === 'placed').map((d) => d.jobId);

describe('planAdmission', () => {
  it('admits higher priority first, even if newer', () => {
    const low = aJob('a', { priority: 100 }, 60);
    const high = aJob('a', { priority: 500 }, 1);
    expect(placed(plan([low, high], oneCluster(1)))).toEqual([high.id]);
  });

  it('orders by effective priority from the policy', () => {
    const plain = aJob('a', { priority: 200 }, 60);
    const boosted = aJob('b', {}, 1); // submission default 100 -> rule default 900
    const policy = {
      rules: [{ name: 'vip', match: { tenants: ['b'] }, priority: { default: 900 } }],
    };
    const out = plan([plain, boosted], oneCluster(1), { policy });
    expect(placed(out)).toEqual([boosted.id]);
    expect(out[0]!.decision.effectivePriority).toBe(900);
  });

  it('among equal priorities, the older job goes first', () => {
    const newer = aJob('a', {}, 1);
    const older = aJob('a', {}, 60);
    expect(placed(plan([newer, older], oneCluster(1)))).toEqual([older.id]);
  });

  it('fair share: the tenant using least relative to its share goes first', () => {
    const a = aJob('a', {}, 60);
    const b = aJob('b', {}, 1);
    const usage = { 'tenant:a:total': 4, 'tenant:b:total': 2 };
    expect(placed(plan([a, b], oneCluster(1), { usage }))).toEqual([b.id]);
    // With a share of 4, tenant a uses 4/4 = 1 < tenant b's 2/1.
    const policy = { shares: { a: 4 } };
    expect(placed(plan([a, b], oneCluster(1), { usage, policy }))).toEqual([a.id]);
  });

  it('fair share is updated as the plan admits', () => {
    const jobs = [0, 1, 2].flatMap((i) => [aJob('a', {}, 100 - i), aJob('b', {}, 50 - i)]);
    const out = placed(plan(jobs, oneCluster(4)));
    const byTenant = (t: string) =>
      out.filter((id) => jobs.find((j) => j.id === id)!.tenantId === t);
    expect(byTenant('a')).toHaveLength(2);
    expect(byTenant('b')).toHaveLength(2);
  });

  it('never exceeds a quota; the rest stay pending (no decision)', () => {
    const jobs = [1, 2, 3, 4, 5].map((i) => aJob('a', {}, i));
    const policy = { quotas: { tenants: { a: { gpus: { 'nvidia-a100': 3 } } } } };
    const out = plan(jobs, oneCluster(16), { policy, usage: { 'tenant:a:nvidia-a100': 1 } });
    expect(out).toHaveLength(2);
    expect(out.every((d) => d.decision.outcome === 'placed')).toBe(true);
  });

  it('never exceeds capacity, and smaller jobs backfill', () => {
    const big = [1, 2, 3].map((i) => aJob('a', { gpus: 3 }, 10 + i));
    const small = aJob('a', { gpus: 1 }, 1);
    expect(placed(plan([...big, small], oneCluster(4)))).toEqual([big[2]!.id, small.id]);
  });

  it('spreads across clusters as it admits', () => {
    const clusters = [snap(reporting(aCluster('x'), 8)), snap(reporting(aCluster('y'), 8))];
    const out = plan([aJob('a', {}, 2), aJob('a', {}, 1)], clusters);
    expect(out.map((d) => d.decision.clusterId).sort()).toEqual(['x', 'y']);
  });

  it('rejects at once what can never run, with the explanation', () => {
    const h100 = aJob('a', { type: 'nvidia-h100' });
    const out = plan([h100], oneCluster(8));
    expect(out).toEqual([
      {
        jobId: h100.id,
        decision: expect.objectContaining({
          outcome: 'rejected',
          message: expect.stringContaining('request another accelerator type'),
        }),
      },
    ]);
  });

  it('keeps the best candidates only when asked to', () => {
    const clusters = ['a', 'b', 'c', 'd'].map((id, i) =>
      snap(reporting(aCluster(id, i === 3 ? { state: 'cordoned' } : {}), 2 + i)),
    );
    const out = planAdmission({
      pending: [aJob('t')],
      clusters,
      usage: {},
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
      maxCandidates: 1,
    });
    expect(out[0]!.decision.clusterId).toBe('c');
    expect(out[0]!.decision.candidates.map((c) => c.clusterId)).toEqual(['c', 'd']);
    expect(out[0]!.decision.candidatesOmitted).toBe(2);
  });
});
