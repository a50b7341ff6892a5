/** Table tests for the simulated cluster's pure parts: selectors, placement, durations. */
import { describe, expect, it } from 'vitest';
import { placePod, podGpus, tolerates } from '../../infra/sim-cluster/placement.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../infra/sim-cluster/selectors.js';
import { humanDuration } from '../../infra/sim-cluster/table.js';
import type { NodeObject, PodSpec } from '../../infra/sim-cluster/types.js';

const labels = { app: 'x', tier: 'gold', 'switchyard.io/job-id': 'j-1' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=x', true],
    ['app==x', true],
    ['app=y', false],
    ['app!=y', true],
    ['missing!=y', true],
    ['tier in (gold,silver)', true],
    ['tier in (silver)', false],
    ['tier notin (silver)', true],
    ['missing notin (silver)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=x,tier=gold', true],
    ['app=x, tier=silver', false],
    ['switchyard.io/job-id=j-1', true],
  ])('%s → %s', (selector, want) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(want);
  });

  it.each(['app=', 'a in (b', 'in (x)', '=x', 'bad key=x'])(
    'accepts or rejects %s without crashing',
    (s) => {
      if (s === 'app=') expect(matchesLabels(parseLabelSelector(s), { app: '' })).toBe(true);
      else expect(() => parseLabelSelector(s)).toThrow();
    },
  );
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p', true],
    ['metadata.name==q', false],
    ['status.phase!=Running', false],
    ['metadata.namespace=ns,status.phase=Running', true],
  ])('%s → %s', (selector, want) => {
    expect(matchesFields(parseFieldSelector(selector, 'Pod'), pod)).toBe(want);
  });

  it('refuses a field label the real API server does not support for the kind', () => {
    expect(() => parseFieldSelector('spec.nodeName=n1', 'Job')).toThrow(
      'field label not supported: spec.nodeName',
    );
    expect(() => parseFieldSelector('metadata.labels=x', 'Pod')).toThrow(/not supported/);
    expect(parseFieldSelector('status.successful=1,metadata.name=j', 'Job')).toHaveLength(2);
    expect(parseFieldSelector('spec.unschedulable=true', 'Node')).toHaveLength(1);
  });
});

function node(name: string, accel: string, gpus: number): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'switchyard.io/accelerator': accel } },
    spec: { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] },
    status: {
      capacity: {},
      allocatable: { 'nvidia.com/gpu': String(gpus) },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function spec(gpus: number, accel?: string, tolerate = true): PodSpec {
  return {
    containers: [
      { name: 'a', image: 'i', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } },
    ],
    ...(accel ? { nodeSelector: { 'switchyard.io/accelerator': accel } } : {}),
    ...(tolerate ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] } : {}),
  };
}

describe('placement', () => {
  const nodes = [node('b', 'a100', 8), node('a', 'a100', 4), node('c', 'h100', 8)];
  it.each([
    ['fits on the first node by name', spec(4, 'a100'), new Map(), 'a'],
    ['skips a full node', spec(4, 'a100'), new Map([['a', 1]]), 'b'],
    ['honours the selector', spec(1, 'h100'), new Map(), 'c'],
    ['0 GPUs goes anywhere tolerated', spec(0), new Map(), 'a'],
  ])('%s', (_what, podSpec, used, wantNode) => {
    expect(placePod(podSpec, nodes, used)).toEqual({ node: wantNode });
  });

  it.each([
    [
      'no room',
      spec(16, 'a100'),
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient nvidia.com/gpu.",
    ],
    [
      'no toleration',
      spec(1, undefined, false),
      '0/3 nodes are available: 3 node(s) had untolerated taint {nvidia.com/gpu: present}.',
    ],
  ])('%s', (_what, podSpec, wantMessage) => {
    const placement = placePod(podSpec, nodes, new Map());
    expect(placement.node).toBeUndefined();
    expect('message' in placement ? placement.message : '').toContain(wantMessage);
  });

  it('counts GPUs from limits, else requests', () => {
    expect(
      podGpus({
        containers: [
          { name: 'a', image: 'i', resources: { requests: { 'nvidia.com/gpu': 2 } } },
          { name: 'b', image: 'i' },
        ],
      }),
    ).toBe(2);
  });

  it.each([
    [{ operator: 'Exists' }, true],
    [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' }, true],
    [{ key: 'nvidia.com/gpu', value: 'absent' }, false],
    [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }, false],
  ])('toleration %j → %s', (toleration, want) => {
    expect(
      tolerates([toleration], { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }),
    ).toBe(want);
  });
});

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [200_000, '3m20s'],
    [3_600_000, '60m'],
    [5 * 3_600_000, '5h'],
    [3 * 86_400_000, '3d'],
  ])('%i ms → %s', (ms, want) => expect(humanDuration(ms)).toBe(want));
});
