// Table tests for the pure Kubernetes mapping (kube-status.ts) and error classification
// (kube-errors.ts): plain objects in, values out, no API server.
import { describe, expect, it } from 'vitest';
import {
  classify,
  retryAfterSeconds,
  throttleDelayMs,
  watchEventError,
} from '../../shared/targets/kubernetes/kube-errors.js';
import type { JobLike, NodeLike, PodLike } from '../../shared/targets/kubernetes/kube-status.js';
import {
  capacityFromKube,
  jobStatusFromKube,
  pendingReason,
} from '../../shared/targets/kubernetes/kube-status.js';
import type { AcceleratorCapacity } from '../../shared/domain/cluster.js';
import type { ClusterErrorKind, KubeJobPhase } from '../../shared/targets/kubernetes/port.js';
import { ClusterError } from '../../shared/targets/kubernetes/port.js';

// ---------------------------------------------------------------------------------------------
// Builders.

function job(status: JobLike['status'] = {}): JobLike {
  return {
    metadata: {
      name: 'sy-j1',
      namespace: 'sy-t1',
      uid: 'uid-1',
      labels: { 'switchyard.io/job-id': 'j1' },
      annotations: { 'switchyard.io/attempt': '1' },
      resourceVersion: '42',
    },
    status,
  };
}

const condition = (type: string, status: string, reason?: string, message?: string) => ({
  type,
  status,
  ...(reason === undefined ? {} : { reason }),
  ...(message === undefined ? {} : { message }),
});

function node(
  name: string,
  opts: { accelerator?: string; gpus?: string; ready?: boolean; unschedulable?: boolean } = {},
): NodeLike {
  return {
    metadata: {
      name,
      labels: opts.accelerator ? { 'switchyard.io/accelerator': opts.accelerator } : {},
    },
    spec: { unschedulable: opts.unschedulable ?? false },
    status: {
      allocatable: opts.gpus === undefined ? {} : { 'nvidia.com/gpu': opts.gpus },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

function pod(
  nodeName: string | undefined,
  phase: string,
  gpus: { requests?: string; limits?: string; init?: string }[] = [],
): PodLike {
  const containers = gpus
    .filter((g) => g.init === undefined)
    .map((g) => ({
      resources: {
        ...(g.requests === undefined ? {} : { requests: { 'nvidia.com/gpu': g.requests } }),
        ...(g.limits === undefined ? {} : { limits: { 'nvidia.com/gpu': g.limits } }),
      },
    }));
  const initContainers = gpus
    .filter((g) => g.init !== undefined)
    .map((g) => ({ resources: { requests: { 'nvidia.com/gpu': g.init ?? '0' } } }));
  return {
    spec: { ...(nodeName === undefined ? {} : { nodeName }), containers, initContainers },
    status: { phase },
  };
}

/** What client-node throws for an HTTP error response (an `ApiException`, by shape). */
function apiError(code: number, body: unknown, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code, body, headers });
}

// ---------------------------------------------------------------------------------------------
// Job status.

describe('jobStatusFromKube', () => {
  const cases: {
    name: string;
    status: JobLike['status'];
    wantPhase: KubeJobPhase;
    wantReason?: string;
    wantMessage?: string;
    wantStartTime?: string;
    wantCompletionTime?: string;
  }[] = [
    { name: 'no status: pending', status: undefined, wantPhase: 'pending' },
    {
      name: 'Complete=True: succeeded with its reason',
      status: {
        completionTime: new Date('2025-01-01T00:05:00Z'),
        conditions: [condition('Complete', 'True', 'Completed', 'done')],
      },
      wantPhase: 'succeeded',
      wantReason: 'Completed',
      wantMessage: 'done',
      wantCompletionTime: '2025-01-01T00:05:00.000Z',
    },
    {
      name: 'Failed=True: failed with reason and message',
      status: {
        conditions: [
          condition('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the backoff limit'),
        ],
      },
      wantPhase: 'failed',
      wantReason: 'BackoffLimitExceeded',
      wantMessage: 'Job has reached the backoff limit',
    },
    {
      name: 'Failed wins over Complete',
      status: {
        conditions: [
          condition('Complete', 'True', 'Completed'),
          condition('Failed', 'True', 'DeadlineExceeded'),
        ],
      },
      wantPhase: 'failed',
      wantReason: 'DeadlineExceeded',
    },
    {
      name: 'a condition that is not True is ignored',
      status: { ready: 0, conditions: [condition('Failed', 'False', 'X')] },
      wantPhase: 'pending',
    },
    {
      name: 'ready pod: running',
      status: { ready: 1, active: 1, startTime: '2025-01-01T00:00:00Z' },
      wantPhase: 'running',
      wantStartTime: '2025-01-01T00:00:00Z',
    },
    {
      name: 'active but not ready: pending',
      status: { ready: 0, active: 1, startTime: '2025-01-01T00:00:00Z' },
      wantPhase: 'pending',
      wantStartTime: '2025-01-01T00:00:00Z',
    },
    {
      name: 'no status.ready, active after start: running',
      status: { active: 1, startTime: new Date('2025-01-01T00:00:00Z') },
      wantPhase: 'running',
      wantStartTime: '2025-01-01T00:00:00.000Z',
    },
    {
      name: 'no status.ready, active without a start time: pending',
      status: { active: 1, startTime: '' },
      wantPhase: 'pending',
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = jobStatusFromKube(job(tc.status));
      expect(got.phase).toBe(tc.wantPhase);
      expect(got.reason).toBe(tc.wantReason);
      expect(got.message).toBe(tc.wantMessage);
      expect(got.startTime).toBe(tc.wantStartTime);
      expect(got.completionTime).toBe(tc.wantCompletionTime);
    });
  }

  it('copies the identity, labels and annotations', () => {
    expect(jobStatusFromKube(job())).toEqual({
      namespace: 'sy-t1',
      name: 'sy-j1',
      uid: 'uid-1',
      labels: { 'switchyard.io/job-id': 'j1' },
      annotations: { 'switchyard.io/attempt': '1' },
      phase: 'pending',
      resourceVersion: '42',
    });
  });

  it('reads an empty object as an empty pending Job', () => {
    expect(jobStatusFromKube({})).toEqual({
      namespace: '',
      name: '',
      uid: '',
      labels: {},
      annotations: {},
      phase: 'pending',
      resourceVersion: '',
    });
  });
});

describe('pendingReason', () => {
  const cases: {
    name: string;
    pods: PodLike[];
    want: { reason?: string; message?: string };
  }[] = [
    { name: 'no pods', pods: [], want: {} },
    {
      name: 'unschedulable, with the scheduler message',
      pods: [
        {
          status: {
            conditions: [
              condition('PodScheduled', 'False', 'Unschedulable', '0/3 nodes are available'),
            ],
          },
        },
      ],
      want: { reason: 'Unschedulable', message: '0/3 nodes are available' },
    },
    {
      name: 'scheduled, a container waiting',
      pods: [
        {
          status: {
            conditions: [condition('PodScheduled', 'True')],
            containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }],
          },
        },
      ],
      want: { reason: 'ContainerCreating' },
    },
    {
      name: 'the first pod that waits',
      pods: [
        { status: { conditions: [condition('PodScheduled', 'True')] } },
        {
          status: {
            containerStatuses: [
              { state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } },
            ],
          },
        },
      ],
      want: { reason: 'ImagePullBackOff', message: 'no such image' },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      expect(pendingReason(tc.pods)).toEqual(tc.want);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Capacity.

describe('capacityFromKube', () => {
  const reportedAt = '2025-01-01T00:00:00.000Z';
  const cases: {
    name: string;
    nodes: NodeLike[];
    pods?: PodLike[];
    wantAccelerators: Record<string, AcceleratorCapacity>;
  }[] = [
    { name: 'no nodes', nodes: [], wantAccelerators: {} },
    {
      name: 'allocatable summed per accelerator label',
      nodes: [
        node('a1', { accelerator: 'a100', gpus: '8' }),
        node('a2', { accelerator: 'a100', gpus: '4' }),
        node('h1', { accelerator: 'h100', gpus: '8' }),
      ],
      wantAccelerators: {
        a100: { total: 12, free: 12, maxFreePerNode: 8, freePerNode: [8, 4] },
        h100: { total: 8, free: 8, maxFreePerNode: 8, freePerNode: [8] },
      },
    },
    {
      name: 'nodes without the label, unschedulable or NotReady are skipped',
      nodes: [
        node('plain', { gpus: '8' }),
        node('cordoned', { accelerator: 'a100', gpus: '8', unschedulable: true }),
        node('notready', { accelerator: 'a100', gpus: '8', ready: false }),
        node('ok', { accelerator: 'a100', gpus: '2' }),
      ],
      wantAccelerators: { a100: { total: 2, free: 2, maxFreePerNode: 2, freePerNode: [2] } },
    },
    {
      name: 'a labelled node without GPUs counts zero',
      nodes: [node('cpu', { accelerator: 'a100' })],
      wantAccelerators: { a100: { total: 0, free: 0, maxFreePerNode: 0, freePerNode: [0] } },
    },
    {
      name: 'running and bound pending pods are subtracted; unbound and finished are not',
      nodes: [
        node('a1', { accelerator: 'a100', gpus: '8' }),
        node('a2', { accelerator: 'a100', gpus: '8' }),
      ],
      pods: [
        pod('a1', 'Running', [{ requests: '2' }, { requests: '1' }]),
        pod('a1', 'Pending', [{ limits: '1' }]),
        pod(undefined, 'Pending', [{ requests: '4' }]),
        pod('a2', 'Succeeded', [{ requests: '8' }]),
        pod('a2', 'Failed', [{ requests: '8' }]),
        pod('a2', 'Running', [{ requests: '2' }]),
      ],
      wantAccelerators: { a100: { total: 16, free: 10, maxFreePerNode: 6, freePerNode: [6, 4] } },
    },
    {
      name: 'pods on unknown nodes are ignored; free never goes below zero',
      nodes: [node('a1', { accelerator: 'a100', gpus: '1' })],
      pods: [
        pod('elsewhere', 'Running', [{ requests: '8' }]),
        pod('a1', 'Running', [{ requests: '4' }]),
      ],
      wantAccelerators: { a100: { total: 1, free: 0, maxFreePerNode: 0, freePerNode: [0] } },
    },
    {
      name: 'an init container counts when it asks for more than the main containers',
      nodes: [node('a1', { accelerator: 'a100', gpus: '8' })],
      pods: [pod('a1', 'Running', [{ requests: '1' }, { init: '3' }])],
      wantAccelerators: { a100: { total: 8, free: 5, maxFreePerNode: 5, freePerNode: [5] } },
    },
    {
      name: 'milli-quantities are floored',
      nodes: [node('a1', { accelerator: 'a100', gpus: '4500m' })],
      wantAccelerators: { a100: { total: 4, free: 4, maxFreePerNode: 4, freePerNode: [4] } },
    },
    {
      name: 'maxFreePerNode is the freest node; freePerNode lists every node, largest first',
      nodes: [
        node('a1', { accelerator: 'a100', gpus: '8' }),
        node('a2', { accelerator: 'a100', gpus: '8' }),
      ],
      pods: [pod('a1', 'Running', [{ requests: '7' }]), pod('a2', 'Running', [{ requests: '3' }])],
      wantAccelerators: { a100: { total: 16, free: 6, maxFreePerNode: 5, freePerNode: [5, 1] } },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      expect(capacityFromKube(tc.nodes, tc.pods ?? [], reportedAt)).toEqual({
        reportedAt,
        accelerators: tc.wantAccelerators,
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Errors.

describe('classify', () => {
  const cases: {
    name: string;
    error: unknown;
    wantKind: ClusterErrorKind;
    wantStatus?: number;
    wantRetryAfter?: number;
    wantMessage: RegExp;
  }[] = [
    {
      name: '401: forbidden',
      error: apiError(401, { message: 'Unauthorized' }),
      wantKind: 'forbidden',
      wantStatus: 401,
      wantMessage: /reading Job x failed with HTTP 401 \(Unauthorized\); check the drainer/,
    },
    {
      name: '403: forbidden',
      error: apiError(403, '{"kind":"Status","message":"jobs is forbidden"}'),
      wantKind: 'forbidden',
      wantStatus: 403,
      wantMessage: /\(jobs is forbidden\)/,
    },
    {
      name: '404: invalid',
      error: apiError(404, { message: 'not found' }),
      wantKind: 'invalid',
      wantStatus: 404,
      wantMessage: /HTTP 404 \(not found\); the request was rejected as invalid/,
    },
    {
      name: '409: conflict',
      error: apiError(409, {}),
      wantKind: 'conflict',
      wantStatus: 409,
      wantMessage: /HTTP 409; read the object again and retry/,
    },
    {
      name: '410: server',
      error: apiError(410, {}),
      wantKind: 'server',
      wantStatus: 410,
      wantMessage: /HTTP 410/,
    },
    {
      name: '429 with Retry-After seconds: throttled',
      error: apiError(429, {}, { 'Retry-After': '7' }),
      wantKind: 'throttled',
      wantStatus: 429,
      wantRetryAfter: 7,
      wantMessage: /retry after the advised delay/,
    },
    {
      name: '429 with details.retryAfterSeconds in the Status body',
      error: apiError(429, '{"details":{"retryAfterSeconds":3}}'),
      wantKind: 'throttled',
      wantStatus: 429,
      wantRetryAfter: 3,
      wantMessage: /HTTP 429/,
    },
    {
      name: '429 without advice',
      error: apiError(429, 'slow down'),
      wantKind: 'throttled',
      wantStatus: 429,
      wantMessage: /HTTP 429 \(slow down\)/,
    },
    {
      name: '503: server',
      error: apiError(503, {}),
      wantKind: 'server',
      wantStatus: 503,
      wantMessage: /HTTP 503; the API server failed/,
    },
    {
      name: 'a plain error with statusCode (a watch)',
      error: Object.assign(new Error('Forbidden'), { statusCode: 403 }),
      wantKind: 'forbidden',
      wantStatus: 403,
      wantMessage: /HTTP 403 \(Forbidden\)/,
    },
    {
      name: 'ECONNREFUSED in the cause chain: unreachable',
      error: new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      }),
      wantKind: 'unreachable',
      wantMessage: /reading Job x failed \(ECONNREFUSED\); check that its API server is up/,
    },
    {
      name: 'a timeout: unreachable, effect unknown',
      error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      wantKind: 'unreachable',
      wantMessage: /timed out: whether the request took effect is unknown/,
    },
    {
      name: 'an abort: unreachable',
      error: Object.assign(new Error('aborted'), { name: 'AbortError' }),
      wantKind: 'unreachable',
      wantMessage: /timed out/,
    },
    {
      name: 'anything else: server',
      error: new Error('something odd\nsecond line'),
      wantKind: 'server',
      wantMessage: /failed \(something odd\); the API server failed/,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = classify(tc.error, 'c1', 'reading Job x');
      expect(got).toBeInstanceOf(ClusterError);
      expect(got.kind).toBe(tc.wantKind);
      expect(got.statusCode).toBe(tc.wantStatus);
      expect(got.retryAfterSeconds).toBe(tc.wantRetryAfter);
      expect(got.message).toMatch(/^cluster c1: /);
      expect(got.message).toMatch(tc.wantMessage);
      expect(got.cause).toBe(tc.error);
    });
  }

  it('passes a ClusterError through', () => {
    const error = new ClusterError('conflict', 'already classified', 409);
    expect(classify(error, 'c1', 'x')).toBe(error);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const cases: {
    name: string;
    headers?: Record<string, string>;
    body?: unknown;
    wantSeconds: number | undefined;
  }[] = [
    { name: 'seconds', headers: { 'retry-after': '5' }, wantSeconds: 5 },
    { name: 'header name in any case', headers: { 'RETRY-AFTER': '0' }, wantSeconds: 0 },
    {
      name: 'an HTTP date, rounded up',
      headers: { 'Retry-After': 'Wed, 01 Jan 2025 00:00:10 GMT' },
      wantSeconds: 10,
    },
    {
      name: 'an HTTP date in the past',
      headers: { 'Retry-After': 'Tue, 31 Dec 2024 23:59:00 GMT' },
      wantSeconds: 0,
    },
    {
      name: 'Status details, as an object',
      body: { details: { retryAfterSeconds: 2 } },
      wantSeconds: 2,
    },
    {
      name: 'Status details, as JSON text',
      body: '{"details":{"retryAfterSeconds":4}}',
      wantSeconds: 4,
    },
    { name: 'a body that is not JSON', body: 'Too many requests', wantSeconds: undefined },
    { name: 'nothing', wantSeconds: undefined },
    {
      name: 'the header wins over the body',
      headers: { 'Retry-After': '1' },
      body: { details: { retryAfterSeconds: 9 } },
      wantSeconds: 1,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      expect(retryAfterSeconds({ headers: tc.headers, body: tc.body }, now)).toBe(tc.wantSeconds);
    });
  }
});

describe('throttleDelayMs', () => {
  const cases: { name: string; error: unknown; wantMs: number | null }[] = [
    {
      name: '429 with Retry-After',
      error: apiError(429, {}, { 'Retry-After': '2' }),
      wantMs: 2000,
    },
    { name: '429 without advice', error: apiError(429, {}), wantMs: 0 },
    { name: 'not a 429', error: apiError(500, {}), wantMs: null },
    { name: 'not an HTTP error', error: new Error('boom'), wantMs: null },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      expect(throttleDelayMs(tc.error)).toBe(tc.wantMs);
    });
  }
});

describe('watchEventError', () => {
  const cases: {
    name: string;
    object: unknown;
    wantKind: ClusterErrorKind;
    wantStatus: number;
    wantMessage: RegExp;
  }[] = [
    {
      name: '410 Gone: relist',
      object: { code: 410, message: 'too old resource version' },
      wantKind: 'server',
      wantStatus: 410,
      wantMessage: /watch expired \(410 Gone: too old resource version\); relist and watch again/,
    },
    {
      name: '403',
      object: { code: 403, message: 'forbidden' },
      wantKind: 'forbidden',
      wantStatus: 403,
      wantMessage: /watching Jobs failed with 403 \(forbidden\)/,
    },
    {
      name: 'no Status: 500',
      object: null,
      wantKind: 'server',
      wantStatus: 500,
      wantMessage: /failed with 500 \(watch error\)/,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const got = watchEventError(tc.object, 'c1');
      expect(got.kind).toBe(tc.wantKind);
      expect(got.statusCode).toBe(tc.wantStatus);
      expect(got.message).toMatch(tc.wantMessage);
    });
  }
});
