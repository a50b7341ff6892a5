// Gangs (`nodes` pods of `count` GPUs, all at once) and workload kinds in placement: where a gang
// fits now, where it could ever fit, the kind filter, and the whole gang counted by quotas,
// admission, reservations and released GPUs.
import { describe, expect, it } from 'vitest';
import type { AcceleratorCapacity, Cluster } from '../../shared/domain/cluster.js';
import type { Job, JobSpec } from '../../shared/domain/job.js';
import { applyDecision } from '../../shared/dispatch/dispatch.js';
import { giveBack } from '../../shared/dispatch/released-gpus.js';
import { planAdmission } from '../../shared/placement/admission.js';
import { nodesWithRoom } from '../../shared/placement/gang.js';
import { place, type ClusterSnapshot } from '../../shared/placement/place.js';
import { aCluster, aSpec, HEARTBEAT_MS, NOW, policyOf, snap } from './placement-builders.js';

const H100 = 'nvidia-h100';

/** A cluster of `nodes` 8-GPU H100 nodes whose report gives each node's free GPUs. */
function h100(id: string, freePerNode: number[], over: Partial<Cluster> = {}): Cluster {
  const free = freePerNode.reduce((a, b) => a + b, 0);
  return aCluster(id, {
    pools: [{ accelerator: H100, nodes: freePerNode.length, gpusPerNode: 8 }],
    capacity: {
      reportedAt: new Date(NOW).toISOString(),
      accelerators: {
        [H100]: {
          total: 8 * freePerNode.length,
          free,
          maxFreePerNode: Math.max(0, ...freePerNode),
          freePerNode,
        },
      },
      kinds: ['job', 'jobset', 'pytorchjob', 'rayjob'],
    },
    ...over,
  });
}

const gang = (nodes: number, count: number, over: Partial<JobSpec> = {}): JobSpec =>
  aSpec({ gpus: count, type: H100, nodes, kind: 'pytorchjob', ...over });

const decide = (spec: JobSpec, clusters: ClusterSnapshot[], extra = {}) =>
  place({ spec, clusters, now: NOW, heartbeatTimeoutMs: HEARTBEAT_MS, ...extra });

const reasonsOf = (d: ReturnType<typeof decide>, id: string) =>
  d.candidates.find((c) => c.clusterId === id)?.reasons;

describe('gang feasibility', () => {
  it('places 2 x 8 where two 8-GPU nodes are free, not where 16 GPUs are free spread out', () => {
    const d = decide(gang(2, 8), [
      snap(h100('spread', [8, 4, 4, 4])), // 20 free, one node with 8
      snap(h100('two-full', [8, 8, 0])),
    ]);
    expect(d.outcome).toBe('placed');
    expect(d.clusterId).toBe('two-full');
    expect(d.message).toMatch(/^placed 2 × 8 nvidia-h100 = 16 GPUs on two-full with score/);
    expect(reasonsOf(d, 'spread')).toEqual([
      'needs 2 nodes with 8 free nvidia-h100 each; 1 node has room',
    ]);
  });

  it('waits while too few nodes have room, saying how many do', () => {
    const d = decide(gang(4, 8), [snap(h100('a', [8, 8, 2, 0, 0]))]);
    expect(d.outcome).toBe('pending');
    expect(d.waitingFor).toBe('capacity');
    expect(d.message).toMatch(/could run 4 × 8 nvidia-h100 = 32 GPUs later, the job waits/);
    expect(reasonsOf(d, 'a')).toEqual([
      'needs 4 nodes with 8 free nvidia-h100 each; 2 nodes have room',
    ]);
    const e = decide(gang(4, 8), [snap(h100('a', [8, 8, 8, 2, 2, 2, 2, 2]))]);
    expect(reasonsOf(e, 'a')).toEqual([
      'needs 4 nodes with 8 free nvidia-h100 each; 3 nodes have room',
    ]);
  });

  it('counts GPUs Switchyard committed since the report against the gang, in nodes', () => {
    // 4 nodes with 8 free per the report, but 16 GPUs dispatched since: only 2 pods fit.
    const d = decide(gang(3, 8), [snap(h100('a', [8, 8, 8, 8]), { [H100]: 16 })]);
    expect(d.outcome).toBe('pending');
    expect(reasonsOf(d, 'a')).toEqual([
      'needs 3 nodes with 8 free nvidia-h100 each; 2 nodes have room',
    ]);
    expect(decide(gang(2, 8), [snap(h100('a', [8, 8, 8, 8]), { [H100]: 16 })]).outcome).toBe(
      'placed',
    );
  });

  it("explains room held by another gang's reservation the report does not show yet", () => {
    // Six idle nodes per the report; another 4 x 8 gang was dispatched since (32 GPUs held).
    const held = snap(h100('a', [8, 8, 8, 8, 8, 8]), { [H100]: 32 });
    const d = decide(gang(4, 8), [held]);
    expect([d.outcome, d.waitingFor]).toEqual(['pending', 'capacity']);
    expect(reasonsOf(d, 'a')).toEqual([
      'needs 4 nodes with 8 free nvidia-h100 each; 2 nodes have room',
    ]);
    expect(d.message).toMatch(/could run 4 × 8 nvidia-h100 = 32 GPUs later, the job waits$/);
    // A single pod is still explained in GPUs.
    const one = decide(aSpec({ gpus: 8, type: H100 }), [snap(h100('b', [8]), { [H100]: 8 })]);
    expect(reasonsOf(one, 'b')).toEqual(['only 0 free nvidia-h100 GPUs; the job needs 8']);
  });

  it('rejects a gang no cluster has enough large nodes for, naming the most there are', () => {
    const small = aCluster('small', { pools: [{ accelerator: H100, nodes: 2, gpusPerNode: 8 }] });
    const mixed = aCluster('mixed', {
      pools: [
        { accelerator: H100, nodes: 2, gpusPerNode: 8 },
        { accelerator: H100, nodes: 6, gpusPerNode: 4 },
      ],
    });
    const d = decide(gang(4, 8, { kind: 'job' }), [snap(small), snap(mixed)]);
    expect(d.outcome).toBe('rejected');
    expect(reasonsOf(d, 'small')).toEqual(['needs 4 nodes of 8 nvidia-h100; has 2 nodes']);
    expect(d.message).toBe(
      'no cluster can ever run 4 × 8 nvidia-h100 = 32 GPUs: 2 have too few nodes for the gang ' +
        '(needs 4 nodes of 8 nvidia-h100; the most any has is 2); request another accelerator ' +
        'type or fewer GPUs or nodes, or add a cluster that can run it',
    );
    // Pools of the same type add up: 2 + 6 nodes of >= 4 GPUs hold a 4 x 4 gang.
    expect(decide(gang(4, 4, { kind: 'job' }), [snap(mixed)]).clusterId).toBe('mixed');
  });

  it('without freePerNode assumes the GPUs in use leave as few nodes with room as they can', () => {
    const pools = [{ accelerator: H100, nodes: 4, gpusPerNode: 8 }];
    const report = (r: AcceleratorCapacity): Cluster =>
      aCluster('old', {
        pools,
        capacity: { reportedAt: new Date(NOW).toISOString(), accelerators: { [H100]: r } },
      });
    // Idle: every node has room. 8 in use: spread 1 per node, no node keeps 8 free.
    expect(nodesWithRoom(report({ total: 32, free: 32, maxFreePerNode: 8 }), H100, 8)).toBe(4);
    expect(nodesWithRoom(report({ total: 32, free: 24, maxFreePerNode: 8 }), H100, 8)).toBe(0);
    // Pods of 4: 8 in use knock out at most 1 node (5 GPUs each), leaving 3 with room... then 2.
    expect(nodesWithRoom(report({ total: 32, free: 24, maxFreePerNode: 8 }), H100, 4)).toBe(3);
    expect(nodesWithRoom(report({ total: 32, free: 20, maxFreePerNode: 8 }), H100, 4)).toBe(2);
    // Never reported: the pools as configured.
    expect(nodesWithRoom(aCluster('new', { pools }), H100, 8)).toBe(4);
    const d = decide(gang(2, 8, { kind: 'job' }), [
      snap(report({ total: 32, free: 24, maxFreePerNode: 8 })),
    ]);
    expect(reasonsOf(d, 'old')).toEqual([
      'needs 2 nodes with 8 free nvidia-h100 each; 0 nodes have room',
    ]);
  });
});

describe('workload kinds', () => {
  const noKubeflow = h100('no-kubeflow', [8, 8], {});
  noKubeflow.capacity!.kinds = ['job', 'jobset'];

  it('filters clusters whose report lacks the kind, naming the missing API group', () => {
    const d = decide(gang(2, 8), [snap(noKubeflow), snap(h100('full', [8, 8, 8]))]);
    expect(d.clusterId).toBe('full');
    expect(reasonsOf(d, 'no-kubeflow')).toEqual(['pytorchjob: kubeflow.org not installed']);
    const r = decide(gang(2, 8, { kind: 'rayjob' }), [snap(noKubeflow)]);
    expect(r.outcome).toBe('rejected');
    expect(reasonsOf(r, 'no-kubeflow')).toEqual(['rayjob: ray.io not installed']);
    expect(r.message).toMatch(/1 cannot run the workload kind \(rayjob: ray.io not installed\)/);
    expect(decide(gang(2, 8, { kind: 'jobset' }), [snap(noKubeflow)]).outcome).toBe('placed');
  });

  it('a report without kinds runs only Jobs; before any report the configuration decides', () => {
    const old = h100('old', [8, 8]);
    delete old.capacity!.kinds;
    expect(reasonsOf(decide(gang(2, 8), [snap(old)]), 'old')).toEqual([
      'pytorchjob: kubeflow.org not installed',
    ]);
    expect(decide(gang(2, 8, { kind: 'job' }), [snap(old)]).outcome).toBe('placed');
    const pools = [{ accelerator: H100, nodes: 2, gpusPerNode: 8 }];
    // Declaring no kinds and not reported yet: Jobs run, a gang kind waits for the report.
    const unreported = aCluster('cfg', { pools });
    const waits = decide(gang(2, 8), [snap(unreported)]);
    expect([waits.outcome, waits.waitingFor]).toEqual(['pending', 'capacity']);
    expect(waits.message).toBe(
      'the job waits: cluster cfg has not reported which workload kinds it runs yet (the job is a pytorchjob)',
    );
    expect(reasonsOf(waits, 'cfg')).toEqual([
      'cluster cfg has not reported which workload kinds it runs yet',
    ]);
    expect(decide(gang(2, 8, { kind: 'job' }), [snap(unreported)]).clusterId).toBe('cfg');
    // Beside a cluster that reported the kind, the gang goes there; a Slurm cluster runs Jobs only.
    expect(decide(gang(2, 8), [snap(unreported), snap(h100('full', [8, 8]))]).clusterId).toBe(
      'full',
    );
    const slurm = aCluster('hpc', { pools, slurm: { partition: 'gpu' } });
    expect(reasonsOf(decide(gang(2, 8), [snap(slurm)]), 'hpc')).toEqual([
      'pytorchjob: kubeflow.org not installed',
    ]);
    const declared = aCluster('cfg', { pools, kinds: ['job', 'pytorchjob'] });
    expect(decide(gang(2, 8), [snap(declared)]).clusterId).toBe('cfg');
    // The first report replaces what the configuration declared.
    const reported = h100('cfg', [8, 8], { kinds: ['job', 'pytorchjob'] });
    reported.capacity!.kinds = ['job'];
    expect(decide(gang(2, 8), [snap(reported)]).outcome).toBe('rejected');
  });
});

describe('the whole gang counts', () => {
  it('against quotas: 2 x 8 fits a 16-GPU quota, 3 x 8 never does', () => {
    const policy = policyOf({ quotas: { tenants: { t1: { gpus: { [H100]: 16 } } } } });
    const clusters = [snap(h100('a', [8, 8, 8, 8]))];
    const extra = { tenantId: 't1', policy };
    expect(decide(gang(2, 8), clusters, extra).outcome).toBe('placed');
    const d = decide(gang(3, 8), clusters, extra);
    expect(d.outcome).toBe('rejected');
    expect(d.message).toMatch(/quota is 16 GPUs and the job needs 24/);
    const busy = { ...extra, usage: { [`tenant:t1:${H100}`]: 8 } };
    expect(decide(gang(2, 8), clusters, busy).waitingFor).toBe('quota');
  });

  it('in admission: two 2 x 8 gangs on three free nodes, one is admitted', () => {
    const pending = ['g1', 'g2'].map((id, i) => ({
      id,
      tenantId: 't1',
      spec: gang(2, 8),
      createdAt: new Date(NOW + i).toISOString(),
    }));
    const out = planAdmission({
      pending,
      clusters: [snap(h100('a', [8, 8, 8]))],
      usage: {},
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(out.map((o) => [o.jobId, o.decision.outcome])).toEqual([['g1', 'placed']]);
  });

  it('in admission: a gang does not count the nodes an earlier one in the plan took', () => {
    const pending = ['g1', 'one', 'g2'].map((id, i) => ({
      id,
      tenantId: 't1',
      spec: id === 'one' ? gang(1, 4) : gang(2, 8),
      createdAt: new Date(NOW + i).toISOString(),
    }));
    // 40 GPUs free but only three nodes with 8: after g1 (2 nodes) and a 4-GPU pod (at most one
    // more node), g2 has no two nodes left, though 20 GPUs are.
    const out = planAdmission({
      pending,
      clusters: [snap(h100('a', [8, 8, 8, 4, 4, 4, 4]))],
      usage: {},
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(out.map((o) => o.jobId)).toEqual(['g1', 'one']);
  });

  it('in the reservation a dispatch takes', () => {
    const spec = gang(4, 8);
    const cluster = h100('a', [8, 8, 8, 8]);
    const decision = { ...decide(spec, [snap(cluster)]), evaluatedAt: new Date(NOW).toISOString() };
    const job = {
      id: 'j1',
      tenantId: 't1',
      spec,
      state: 'received',
      version: 1,
      createdAt: decision.evaluatedAt,
      updatedAt: decision.evaluatedAt,
      submittedBy: 'k',
      events: [],
    } as Job;
    const policy = policyOf({});
    const placed = applyDecision(job, decision, cluster, decision.evaluatedAt, policy)!;
    const amounts = Object.fromEntries(placed.reservation!.map((r) => [r.key, r.amount]));
    expect(amounts).toMatchObject({
      [`tenant:t1:${H100}`]: 32,
      'tenant:t1:total': 32,
      [`cluster:a:${H100}`]: 32,
      'cluster:a:jobs': 1,
    });
  });

  it('in the GPUs an ended gang gives back to its cluster report', () => {
    const cluster = h100('a', [8, 0, 0, 0]);
    const after = giveBack(cluster, H100, 8, 24, 0)!;
    const r = after.capacity!.accelerators[H100]!;
    expect(r).toMatchObject({ free: 32, maxFreePerNode: 8, freePerNode: [8, 8, 8, 0] });
    // Pods of 4 on 8-GPU nodes: 3 pods may share nodes, so only 2 nodes surely gained room.
    const half = giveBack(h100('b', [2, 0, 0, 0]), H100, 4, 12, 0)!;
    expect(half.capacity!.accelerators[H100]!.freePerNode).toEqual([4, 4, 0, 0]);
    // Bounded by what the report shows in use beyond what is still placed there.
    expect(giveBack(cluster, H100, 8, 24, 16)!.capacity!.accelerators[H100]!.free).toBe(16);
  });
});
