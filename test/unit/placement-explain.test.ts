// Large decisions stay complete: every candidate has its score or its filter reason, the best
// `explainTop` (default 10) itemise their score terms, and a prepared snapshot's memo never leaks
// one decision into another.
import { describe, expect, it } from 'vitest';
import { planAdmission } from '../../shared/placement/admission.js';
import { place, prepareClusters } from '../../shared/placement/place.js';
import {
  aCluster,
  aSpec,
  HEARTBEAT_MS,
  NOW,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

const ids = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const clusters = ids.map((id, i) =>
  snap(
    reporting(
      aCluster(id, {
        ...(i % 10 === 9 && { state: 'cordoned' as const }),
        ...(i % 4 === 0 && { cloud: 'onprem' }),
      }),
      i % 7 === 0 ? 0 : 1 + (i % 8),
    ),
  ),
);
const policy = policyOf({
  rules: [
    {
      name: 'no-onprem',
      forbid: { clouds: ['onprem'] },
      prefer: [{ weight: 3, clusters: ['c1*'] }],
    },
  ],
});
const input = {
  spec: aSpec({ gpus: 1 }),
  clusters,
  policy,
  now: NOW,
  heartbeatTimeoutMs: HEARTBEAT_MS,
};

describe('placement explanations', () => {
  it('gives every candidate its score or its reason, terms for the best 10', () => {
    const d = place(input);
    expect(d.outcome).toBe('placed');
    expect(d.candidates.map((c) => c.clusterId)).toEqual(ids);
    const feasible = d.candidates.filter((c) => c.feasible);
    for (const c of d.candidates) {
      expect(c.reasons.length).toBeGreaterThan(0);
      if (c.feasible) expect(typeof c.score).toBe('number');
    }
    const itemised = feasible.filter((c) => c.terms);
    expect(feasible.length).toBeGreaterThan(10);
    expect(itemised).toHaveLength(10);
    const best = [...feasible].sort(
      (a, b) => b.score! - a.score! || (a.clusterId < b.clusterId ? -1 : 1),
    );
    expect(itemised.map((c) => c.clusterId).sort()).toEqual(
      best
        .slice(0, 10)
        .map((c) => c.clusterId)
        .sort(),
    );
    const chosen = d.candidates.find((c) => c.clusterId === d.clusterId)!;
    expect(chosen).toBe(best[0]);
    const t = chosen.terms!;
    expect(t.cost + t.freeCapacity + t.spread + t.preference).toBeCloseTo(chosen.score!, 3);
    expect(chosen.reasons.some((r) => r.includes('prefers'))).toBe(true);
    const filtered = d.candidates.find((c) => c.clusterId === 'c04')!;
    expect(filtered).toMatchObject({
      feasible: false,
      reasons: [expect.stringContaining('forbids')],
    });
  });

  it('itemises every feasible candidate when asked to', () => {
    const d = place({ ...input, explainTop: Infinity });
    expect(d.candidates.filter((c) => c.feasible).every((c) => c.terms)).toBe(true);
  });

  it('gives the same decision from a prepared snapshot, however often it is reused', () => {
    const prepared = prepareClusters(clusters);
    const fresh = place(input);
    place({ ...input, clusters: prepared, spec: aSpec({ gpus: 3 }), blocked: ['c01'] });
    expect(place({ ...input, clusters: prepared })).toEqual(fresh);
    expect(place({ ...input, clusters: prepared })).toEqual(fresh);
  });

  it('admission decisions keep every candidate by default', () => {
    const out = planAdmission({
      pending: [
        {
          id: 'j1',
          tenantId: 't',
          spec: aSpec({ gpus: 1 }),
          createdAt: new Date(NOW).toISOString(),
        },
      ],
      clusters,
      policy,
      usage: {},
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(out[0]!.decision.candidates).toHaveLength(ids.length);
    expect(out[0]!.decision.clusterId).toBe(place(input).clusterId);
  });
});
