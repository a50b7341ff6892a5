/** The pure parts of the simulated workload operators: schema check, printer JSONPath, gang fit, patches. */
import { describe, expect, it } from 'vitest';
import { syncNodes } from '../../infra/sim-cluster/nodes.js';
import { Store } from '../../infra/sim-cluster/store.js';
import type { NodeObject, PodSpec } from '../../infra/sim-cluster/types.js';
import { resourceOfKind } from '../../infra/sim-cluster/workloads/crds.js';
import { placeGang } from '../../infra/sim-cluster/workloads/gang.js';
import { jsonPatch } from '../../infra/sim-cluster/workloads/json-patch.js';
import { replicaExitCode } from '../../infra/sim-cluster/workloads/reconcile.js';
import { replicaPods } from '../../infra/sim-cluster/workloads/shape.js';
import { checkStructural } from '../../infra/sim-cluster/workloads/structural.js';
import { jsonPathValue } from '../../infra/sim-cluster/workloads/table.js';
import { jobSet, pytorchJob } from './workload-fixtures.js';

describe('structural schema check', () => {
  it('prunes unknown fields, reports wrong types, enums and minimums with their paths', () => {
    const schema = resourceOfKind('JobSet')!.schema;
    const o = jobSet({ name: 'x' }) as unknown as Record<string, Record<string, unknown>>;
    o.spec!.extra = 1;
    (o.spec!.successPolicy as unknown) = { operator: 'Some' };
    (o.spec!.replicatedJobs as Record<string, unknown>[])[0]!.replicas = -1;
    (o.spec!.suspend as unknown) = 'yes';
    const r = checkStructural(schema, o);
    expect(r.unknown).toEqual(['spec.extra']);
    expect(o.spec!.extra).toBeUndefined();
    expect(r.causes.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueInvalid', 'spec.replicatedJobs[0].replicas'],
      ['FieldValueNotSupported', 'spec.successPolicy.operator'],
      ['FieldValueTypeInvalid', 'spec.suspend'],
    ]);
  });

  it('accepts a well-formed PyTorchJob, int-or-string GPU limits included', () => {
    const o = pytorchJob({ name: 'ok' });
    const limits = o.spec.pytorchReplicaSpecs.Master.template.spec.containers[0]!.resources
      .limits as Record<string, unknown>;
    limits['nvidia.com/gpu'] = 8;
    expect(checkStructural(resourceOfKind('PyTorchJob')!.schema, o)).toEqual({
      unknown: [],
      causes: [],
    });
  });
});

describe('printer-column JSONPath', () => {
  const o = {
    status: {
      conditions: [
        { type: 'Created', status: 'True' },
        { type: 'Succeeded', status: 'True' },
      ],
    },
    spec: { suspend: false },
  };
  it.each([
    ['.status.conditions[-1:].type', 'Succeeded'],
    ['.status.conditions[?(@.type=="Created")].status', 'True'],
    ['.spec.suspend', 'false'],
    ['.status.missing', ''],
  ])('%s → %s', (path, want) => expect(jsonPathValue(o, path)).toBe(want));
});

describe('gang placement and replicas', () => {
  const store = new Store(undefined);
  syncNodes(store, 't', [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }], new Date());
  const nodes = store.list<NodeObject>('Node');
  const spec = (gpus: number): PodSpec => ({
    containers: [
      { name: 'c', image: 'i', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } },
    ],
    tolerations: [{ operator: 'Exists' }],
  });

  it('places every pod or none, and says how many could be placed', () => {
    expect(placeGang([spec(8), spec(8)], nodes, new Map())).toEqual({
      nodes: ['t-nvidia-a100-0', 't-nvidia-a100-1'],
    });
    const busy = new Map([['t-nvidia-a100-0', 1]]);
    const r = placeGang([spec(8), spec(8)], nodes, busy);
    expect(r.nodes).toBeUndefined();
    expect((r as { message: string }).message).toContain('1/2 pods could be placed');
  });

  it('SIM_FAIL_REPLICA limits SIM_EXIT_CODE to the named replica or gang index', () => {
    const o = {
      ...pytorchJob({ name: 'p', workers: 2, exitCode: 5, failReplica: 'worker-1' }),
      metadata: { name: 'p', namespace: 'd', uid: 'u' },
    };
    const replicas = replicaPods(o);
    const codes = replicas.map((r, i) =>
      replicaExitCode(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: r.name },
          spec: r.spec,
          status: { phase: 'Running' },
        },
        r,
        i,
      ),
    );
    expect(replicas.map((r) => r.key)).toEqual(['master-0', 'worker-0', 'worker-1']);
    expect(codes).toEqual([0, 0, 5]);
  });

  it('JSON patch adds, replaces, removes and tests', () => {
    const doc = { spec: { suspend: true, list: [1, 2] } };
    expect(
      jsonPatch(doc, [
        { op: 'replace', path: '/spec/suspend', value: false },
        { op: 'add', path: '/spec/list/-', value: 3 },
        { op: 'remove', path: '/spec/list/0' },
      ]),
    ).toEqual({ spec: { suspend: false, list: [2, 3] } });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/spec/suspend', value: false }])).toThrow(
      /test failed/,
    );
  });
});
