// Preemption's victim choice (placement/preempt.ts) and its policy controls: one cluster, the
// smallest set, lowest priority and least time run first, the gap, non-preemptible priorities and
// projects, guaranteed shares, maxVictims, gangs against freePerNode; and the policy's validation.
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/cluster.js';
import {
  choosePreemption,
  freePerNodeAfter,
  type PreemptInput,
  type RunningJob,
} from '../../shared/placement/preempt.js';
import { normalizePolicy } from '../../shared/policy/diff.js';
import { parsePolicy } from '../../shared/policy/schema.js';
import { AppError } from '../../shared/base/errors.js';
import { readFileSync } from 'node:fs';
import { parsePolicyText } from '../../shared/policy/schema.js';
import { aCluster, aSpec, HEARTBEAT_MS, NOW, policyOf, snap } from './placement-builders.js';

/** A cluster of `nodes` × `size` A100s whose report says each node has `perNode[i]` free. */
function full(id: string, nodes: number, size: number, perNode?: number[]): Cluster {
  const free = perNode ? perNode.reduce((a, b) => a + b, 0) : 0;
  return aCluster(id, {
    pools: [{ accelerator: 'nvidia-a100', nodes, gpusPerNode: size }],
    capacity: {
      reportedAt: new Date(NOW).toISOString(),
      accelerators: {
        'nvidia-a100': {
          total: nodes * size,
          free,
          maxFreePerNode: perNode ? Math.max(0, ...perNode) : 0,
          ...(perNode && { freePerNode: [...perNode].sort((a, b) => b - a) }),
        },
      },
    },
  });
}

let n = 0;
function running(clusterId: string, over: Partial<RunningJob> = {}): RunningJob {
  n++;
  return {
    id: `j${String(n).padStart(3, '0')}`,
    tenantId: 't1',
    project: 'batch',
    priority: 10,
    clusterId,
    accelerator: 'nvidia-a100',
    perPod: 1,
    pods: 1,
    runSeconds: 60,
    ...over,
  };
}

const ON = { preemption: { enabled: true } };

function input(
  clusters: Cluster[],
  jobs: RunningJob[],
  over: { gpus?: number; nodes?: number; priority?: number; doc?: Record<string, unknown> } = {},
): PreemptInput {
  const policy = policyOf(over.doc ?? ON);
  return {
    placement: {
      spec: aSpec({ gpus: over.gpus ?? 2, ...(over.nodes && { nodes: over.nodes }) }),
      tenantId: 't2',
      clusters: clusters.map((c) => snap(c)),
      policy,
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    },
    priority: over.priority ?? 500,
    rules: policy.preemption!,
    running: jobs,
  };
}

describe('choosePreemption', () => {
  it('takes the lowest priority first, then the least time run, and no more than needed', () => {
    const jobs = [
      running('a', { priority: 50, runSeconds: 10 }),
      running('a', { priority: 10, runSeconds: 500 }),
      running('a', { priority: 10, runSeconds: 20 }),
      running('a', { priority: 20, runSeconds: 1 }),
    ];
    const r = choosePreemption(input([full('a', 1, 4)], jobs));
    expect(r.plan?.clusterId).toBe('a');
    expect(r.plan?.victims.map((v) => v.jobId)).toEqual([jobs[2]!.id, jobs[1]!.id]);
    expect(r.plan?.message).toContain('evict 2 job(s) on a');
  });

  it('chooses one cluster: the one whose victims have the lowest priority', () => {
    const jobs = [
      running('a', { priority: 40, perPod: 2 }),
      running('b', { priority: 5, perPod: 2 }),
    ];
    const r = choosePreemption(input([full('a', 1, 2), full('b', 1, 2)], jobs));
    expect(r.plan?.clusterId).toBe('b');
    expect(r.plan?.victims.map((v) => v.jobId)).toEqual([jobs[1]!.id]);
  });

  it('never evicts a job less than minPriorityGap below, nor when preemption is off', () => {
    const jobs = [running('a', { priority: 450, perPod: 2 })];
    expect(choosePreemption(input([full('a', 1, 2)], jobs)).plan).toBeUndefined();
    const gap10 = { preemption: { enabled: true, minPriorityGap: 10 } };
    expect(choosePreemption(input([full('a', 1, 2)], jobs, { doc: gap10 })).plan).toBeDefined();
    const off = { preemption: { enabled: false } };
    const r = choosePreemption(input([full('a', 1, 2)], jobs, { doc: off }));
    expect(r.plan).toBeUndefined();
    expect(r.reasons).toEqual(['preemption is off in the routing policy']);
  });

  it('never evicts a non-preemptible priority or project', () => {
    const jobs = [
      running('a', { priority: 10, perPod: 2, project: 'prod' }),
      running('b', { priority: 30, perPod: 2 }),
    ];
    const both = [full('a', 1, 2), full('b', 1, 2)];
    const byProject = { preemption: { enabled: true, nonPreemptible: { projects: ['t1/prod'] } } };
    expect(choosePreemption(input(both, jobs, { doc: byProject })).plan?.clusterId).toBe('b');
    const byPriority = {
      preemption: { enabled: true, nonPreemptible: { priorities: { min: 20, max: 40 } } },
    };
    expect(choosePreemption(input(both, jobs, { doc: byPriority })).plan?.clusterId).toBe('a');
    const all = { preemption: { enabled: true, nonPreemptible: { projects: ['*'] } } };
    const r = choosePreemption(input(both, jobs, { doc: all }));
    expect(r.plan).toBeUndefined();
    expect(r.reasons).toEqual(['a: no job there may be evicted', 'b: no job there may be evicted']);
  });

  it('never takes a tenant below its guaranteed share', () => {
    const jobs = [running('a', { tenantId: 'small', perPod: 2 }), running('b', { perPod: 2 })];
    const i = input([full('a', 1, 2), full('b', 1, 2)], jobs);
    // Without shares the tie goes to the first cluster id.
    expect(choosePreemption(i).plan?.clusterId).toBe('a');
    // `small` holds exactly its guaranteed 2 GPUs; t1 may lose its 2.
    i.shares = new Map([
      ['small', { used: 2, guaranteed: 2 }],
      ['t1', { used: 2, guaranteed: 0 }],
    ]);
    expect(choosePreemption(i).plan?.clusterId).toBe('b');
    i.shares = new Map([...i.shares, ['t1', { used: 2, guaranteed: 1 }]]);
    expect(choosePreemption(i).plan).toBeUndefined();
  });

  it('stops at maxVictims', () => {
    const jobs = [running('a'), running('a'), running('a')];
    const three = choosePreemption(input([full('a', 1, 4)], jobs, { gpus: 3 }));
    expect(three.plan?.victims).toHaveLength(3);
    const doc = { preemption: { enabled: true, maxVictims: 2 } };
    const two = choosePreemption(input([full('a', 1, 4)], jobs, { gpus: 3, doc }));
    expect(two.plan).toBeUndefined();
    expect(two.reasons).toEqual(['a: more than 2 victim(s) would be needed']);
  });

  it('frees a gang only where enough nodes come free (freePerNode)', () => {
    // Gang of 2 pods × 4 GPUs. Cluster a: 2 nodes of 4; one victim holds a whole node, the other
    // node is free already. Cluster b: 4 nodes of 4, each with a 1-GPU victim and 3 free (lower
    // priority, but freeing one 1-GPU pod makes a node of 4: needs two victims there).
    const a = full('a', 2, 4, [4, 0]);
    const b = full('b', 4, 4, [3, 3, 3, 3]);
    const jobs = [
      running('a', { priority: 20, perPod: 4 }),
      ...[1, 2, 3, 4].map(() => running('b', { priority: 5 })),
    ];
    const r = choosePreemption(input([a, b], jobs, { gpus: 4, nodes: 2 }));
    expect(r.plan?.clusterId).toBe('b');
    expect(r.plan?.victims).toHaveLength(2);
    // Without the per-node figures of b, 12 free GPUs would seem enough without any victim.
    expect(freePerNodeAfter(b, 'nvidia-a100', [1, 1], 4)).toEqual([4, 4, 3, 3]);
  });

  it('never counts on a victim running on the node the gang needs', () => {
    // Gang of 2 pods × 1 GPU on 2 nodes of 4: one node full (non-preemptible), the other with 3
    // free and a 1-GPU victim. The report cannot say which node the victim is on; it may be (and
    // is) the one with room already, so evicting it may not make a second node: no plan.
    const a = full('a', 2, 4, [3, 0]);
    const jobs = [running('a', { priority: 10 }), running('a', { priority: 900, perPod: 4 })];
    const r = choosePreemption(input([a], jobs, { gpus: 1, nodes: 2 }));
    expect(r.plan).toBeUndefined();
    // Where it may sit on either node, the worst case is kept: the node with room gets it.
    expect(freePerNodeAfter(a, 'nvidia-a100', [1], 1)).toEqual([4, 0]);
    // Two 2-GPU victims on a full node of 4 beside one with 1 free: both may be on the full one.
    const b = full('b', 2, 4, [1, 0]);
    expect(freePerNodeAfter(b, 'nvidia-a100', [2, 2], 2)).toEqual([4, 1]);
  });

  it('counts GPUs committed since the report against the nodes the gang would need', () => {
    // The report still shows one node of 2 free, but a 2-GPU job placed since holds it: a gang of
    // 2 pods × 1 GPU needs both 2-GPU jobs gone, not one.
    const a = full('a', 2, 2, [2, 0]);
    const jobs = [running('a', { perPod: 2 }), running('a', { perPod: 2, runSeconds: 0 })];
    const stale = input([a], jobs, { gpus: 1, nodes: 2 });
    stale.placement.clusters = [{ cluster: a, committedGpus: { 'nvidia-a100': 2 } }];
    expect(choosePreemption(stale).plan?.victims).toHaveLength(2);
    expect(freePerNodeAfter(a, 'nvidia-a100', [2], 1, 2)).toEqual([2, 0]);
  });

  it('does not preempt for a job that has room somewhere, or waits for a quota', () => {
    const jobs = [running('a', { perPod: 2 })];
    const room = choosePreemption(input([full('a', 1, 2), full('b', 1, 2, [2])], jobs));
    expect(room.plan).toBeUndefined();
    expect(room.reasons).toEqual(['b has room for the job without preemption']);
    const doc = { ...ON, quotas: { tenants: { t2: { totalGpus: 1 } } } };
    const quota = choosePreemption(input([full('a', 1, 2)], jobs, { doc }));
    expect(quota.plan).toBeUndefined();
  });

  it('names the reason when nothing can make room', () => {
    const r = choosePreemption(input([full('a', 1, 2)], [running('a')], { gpus: 2 }));
    expect(r.plan).toBeUndefined();
    expect(r.reasons).toEqual(['a: evicting every eligible job would not make room']);
  });
});

describe('policy preemption block', () => {
  it('fills in defaults, and diff normalises to the same', () => {
    const doc = { version: 1, preemption: { enabled: true } };
    const p = parsePolicy(doc);
    expect(p.preemption).toEqual({
      enabled: true,
      minPriorityGap: 100,
      gracePeriodSeconds: 30,
      maxVictims: 8,
    });
    expect(normalizePolicy(doc)).toEqual(p);
    expect(parsePolicy({ version: 1 }).preemption).toBeUndefined();
  });

  it('the example in docs/policy.md is valid', () => {
    const md = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
    const yaml = md.split('```yaml\npreemption:')[1]!.split('```')[0]!;
    const p = parsePolicyText(`version: 1\npreemption:${yaml}`);
    expect(p.preemption).toMatchObject({
      enabled: true,
      nonPreemptible: { priorities: { min: 900 } },
    });
  });

  it('lists every bad field', () => {
    const bad = {
      version: 1,
      preemption: {
        enabled: 'yes',
        minPriorityGap: 0,
        gracePeriodSeconds: -1,
        maxVictims: 1000,
        nonPreemptible: { priorities: { min: 9, max: 3 }, projects: [], teams: ['x'] },
      },
    };
    let err: unknown;
    try {
      parsePolicy(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_POLICY');
    const paths = ((err as AppError).details as { fields: Array<{ path: string }> }).fields.map(
      (f) => f.path,
    );
    for (const p of [
      'preemption.enabled',
      'preemption.minPriorityGap',
      'preemption.gracePeriodSeconds',
      'preemption.maxVictims',
      'preemption.nonPreemptible.priorities.min',
      'preemption.nonPreemptible.projects',
      'preemption.nonPreemptible',
    ]) {
      expect(paths).toContain(p);
    }
  });
});
