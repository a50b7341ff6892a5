/**
 * Reading JobSets, PyTorchJobs and RayJobs back from what their controllers write, the Kueue
 * suspension as waiting, discovery of served kinds, and the multi-kind list/watch tokens.
 */
import { describe, expect, it } from 'vitest';
import {
  failingReplica,
  workloadStatusFromKube,
  type WorkloadLike,
} from '../../shared/targets/kubernetes/kube-workload-status.js';
import {
  decodeContinue,
  decodeVersions,
  encodeVersions,
  listAcrossKinds,
  nextContinue,
} from '../../shared/targets/kubernetes/multi-kind.js';
import type { WorkloadKind } from '../../shared/domain/job.js';
import { kindOfObject, kindsFromGroups } from '../../shared/targets/kubernetes/workload-kinds.js';

const meta = {
  name: 'sy-1',
  namespace: 'sy-acme',
  uid: 'u1',
  resourceVersion: '7',
  labels: { 'switchyard.io/job-id': '1' },
};
const cond = (type: string, reason?: string, message?: string, status = 'True') => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

describe('workloadStatusFromKube', () => {
  const cases: {
    name: string;
    kind: 'job' | 'jobset' | 'pytorchjob' | 'rayjob';
    obj: WorkloadLike;
    want: { phase: string; reason?: string; message?: string };
  }[] = [
    // JobSet
    { name: 'jobset: new', kind: 'jobset', obj: { metadata: meta }, want: { phase: 'pending' } },
    {
      name: 'jobset: a ready replica runs it',
      kind: 'jobset',
      obj: { metadata: meta, status: { replicatedJobsStatus: [{ ready: 0 }, { ready: 2 }] } },
      want: { phase: 'running' },
    },
    {
      name: 'jobset: Completed',
      kind: 'jobset',
      obj: { metadata: meta, status: { conditions: [cond('Completed', 'AllJobsCompleted')] } },
      want: { phase: 'succeeded', reason: 'AllJobsCompleted' },
    },
    {
      name: 'jobset: Failed wins',
      kind: 'jobset',
      obj: {
        metadata: meta,
        status: {
          conditions: [cond('Completed'), cond('Failed', 'FailedJobs', 'job workers-0 failed')],
        },
      },
      want: { phase: 'failed', reason: 'FailedJobs', message: 'job workers-0 failed' },
    },
    {
      name: 'jobset: Suspended by Kueue',
      kind: 'jobset',
      obj: {
        metadata: { ...meta, labels: { ...meta.labels, 'kueue.x-k8s.io/queue-name': 'team-a' } },
        spec: { suspend: true },
        status: { conditions: [cond('Suspended', 'SuspendedJobs')] },
      },
      want: {
        phase: 'pending',
        reason: 'Suspended',
        message: 'waiting for admission by Kueue (LocalQueue team-a)',
      },
    },
    {
      name: 'jobset: a condition that is not True is ignored',
      kind: 'jobset',
      obj: { metadata: meta, status: { conditions: [cond('Failed', 'x', 'y', 'False')] } },
      want: { phase: 'pending' },
    },
    // PyTorchJob
    {
      name: 'pytorchjob: Created only',
      kind: 'pytorchjob',
      obj: { metadata: meta, status: { conditions: [cond('Created', 'PyTorchJobCreated')] } },
      want: { phase: 'pending' },
    },
    {
      name: 'pytorchjob: Running',
      kind: 'pytorchjob',
      obj: {
        metadata: meta,
        status: { conditions: [cond('Created'), cond('Running', 'PyTorchJobRunning')] },
      },
      want: { phase: 'running', reason: 'PyTorchJobRunning' },
    },
    {
      name: 'pytorchjob: Restarting still runs',
      kind: 'pytorchjob',
      obj: {
        metadata: meta,
        status: { conditions: [cond('Running', 'r', 'm', 'False'), cond('Restarting', 'Restart')] },
      },
      want: { phase: 'running', reason: 'Restart' },
    },
    {
      name: 'pytorchjob: Succeeded',
      kind: 'pytorchjob',
      obj: {
        metadata: meta,
        status: { conditions: [cond('Running', 'r', 'm', 'False'), cond('Succeeded', 'Done')] },
      },
      want: { phase: 'succeeded', reason: 'Done' },
    },
    {
      name: 'pytorchjob: Failed',
      kind: 'pytorchjob',
      obj: {
        metadata: meta,
        status: { conditions: [cond('Failed', 'PyTorchJobFailed', 'Worker 1 exited 3')] },
      },
      want: { phase: 'failed', reason: 'PyTorchJobFailed', message: 'Worker 1 exited 3' },
    },
    {
      name: 'pytorchjob: runPolicy.suspend waits',
      kind: 'pytorchjob',
      obj: { metadata: meta, spec: { runPolicy: { suspend: true } } },
      want: { phase: 'pending', reason: 'Suspended', message: 'the workload is suspended' },
    },
    // RayJob
    {
      name: 'rayjob: Initializing',
      kind: 'rayjob',
      obj: { metadata: meta, status: { jobDeploymentStatus: 'Initializing' } },
      want: { phase: 'pending' },
    },
    {
      name: 'rayjob: RUNNING',
      kind: 'rayjob',
      obj: { metadata: meta, status: { jobDeploymentStatus: 'Running', jobStatus: 'RUNNING' } },
      want: { phase: 'running' },
    },
    {
      name: 'rayjob: SUCCEEDED and Complete',
      kind: 'rayjob',
      obj: { metadata: meta, status: { jobDeploymentStatus: 'Complete', jobStatus: 'SUCCEEDED' } },
      want: { phase: 'succeeded' },
    },
    {
      name: 'rayjob: FAILED with the reason KubeRay gives',
      kind: 'rayjob',
      obj: {
        metadata: meta,
        status: {
          jobDeploymentStatus: 'Failed',
          jobStatus: 'FAILED',
          reason: 'DeadlineExceeded',
          message: 'past activeDeadlineSeconds',
        },
      },
      want: { phase: 'failed', reason: 'DeadlineExceeded', message: 'past activeDeadlineSeconds' },
    },
    {
      name: 'rayjob: STOPPED fails',
      kind: 'rayjob',
      obj: { metadata: meta, status: { jobDeploymentStatus: 'Complete', jobStatus: 'STOPPED' } },
      want: { phase: 'failed', reason: 'Stopped' },
    },
    {
      name: 'rayjob: suspended',
      kind: 'rayjob',
      obj: {
        metadata: meta,
        spec: { suspend: true },
        status: { jobDeploymentStatus: 'Suspended' },
      },
      want: { phase: 'pending', reason: 'Suspended', message: 'the workload is suspended' },
    },
    // A Job suspended by Kueue
    {
      name: 'job: suspended waits with a reason',
      kind: 'job',
      obj: { metadata: meta, spec: { suspend: true } },
      want: { phase: 'pending', reason: 'Suspended', message: 'the workload is suspended' },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const s = workloadStatusFromKube(tc.kind, tc.obj);
      expect({ phase: s.phase, reason: s.reason, message: s.message }).toEqual({
        reason: undefined,
        message: undefined,
        ...tc.want,
      });
      expect(s).toMatchObject({ name: 'sy-1', namespace: 'sy-acme', uid: 'u1' });
      expect(s.kind).toBe(tc.kind === 'job' ? undefined : tc.kind);
    });
  }

  it('reads start and end times (RayJob endTime, others completionTime)', () => {
    const ray = workloadStatusFromKube('rayjob', {
      metadata: meta,
      status: { startTime: '2030-01-01T00:00:00Z', endTime: '2030-01-01T01:00:00Z' },
    });
    expect([ray.startTime, ray.completionTime]).toEqual([
      '2030-01-01T00:00:00Z',
      '2030-01-01T01:00:00Z',
    ]);
    const pt = workloadStatusFromKube('pytorchjob', {
      metadata: meta,
      status: { completionTime: new Date('2030-01-02T00:00:00Z') },
    });
    expect(pt.completionTime).toBe('2030-01-02T00:00:00.000Z');
  });
});

describe('discovery', () => {
  it('job always; each kind only when its group and version are served; Kueue by group', () => {
    expect(kindsFromGroups(['batch/v1', 'apps/v1'])).toEqual({ kinds: ['job'], kueue: false });
    expect(
      kindsFromGroups([
        'batch/v1',
        'jobset.x-k8s.io/v1alpha2',
        'kubeflow.org/v1',
        'ray.io/v1',
        'kueue.x-k8s.io/v1beta1',
      ]),
    ).toEqual({ kinds: ['job', 'jobset', 'pytorchjob', 'rayjob'], kueue: true });
    // An older KubeRay (ray.io/v1alpha1 only) cannot take a ray.io/v1 RayJob.
    expect(kindsFromGroups(['ray.io/v1alpha1', 'kubeflow.org/v1']).kinds).toEqual([
      'job',
      'pytorchjob',
    ]);
    expect(kindOfObject('PyTorchJob')).toBe('pytorchjob');
    expect(kindOfObject('Deployment')).toBeUndefined();
  });
});

describe('multi-kind list and watch tokens', () => {
  it('a Jobs-only resourceVersion stays the server’s own; several kinds carry one each', () => {
    expect(encodeVersions(new Map([['job', '41']]))).toBe('41');
    expect(decodeVersions('41')).toEqual(new Map([['job', '41']]));
    const both = encodeVersions(
      new Map([
        ['job', '41'],
        ['pytorchjob', '97'],
      ]),
    );
    expect(both).toBe('job=41,pytorchjob=97');
    expect(decodeVersions(both)).toEqual(
      new Map([
        ['job', '41'],
        ['pytorchjob', '97'],
      ]),
    );
    expect(decodeVersions('')).toEqual(new Map());
  });

  it('pages walk each kind in turn; a Jobs-only token stays the server’s own', () => {
    const kinds = ['job', 'jobset'] as const;
    expect(decodeContinue(undefined, kinds)).toEqual({ kind: 'job' });
    expect(nextContinue('job', 'abc', kinds)).toBe('job:abc');
    expect(decodeContinue('job:abc', kinds)).toEqual({ kind: 'job', token: 'abc' });
    expect(nextContinue('job', undefined, kinds)).toBe('jobset:');
    expect(decodeContinue('jobset:', kinds)).toEqual({ kind: 'jobset' });
    expect(nextContinue('jobset', undefined, kinds)).toBeUndefined();
    expect(nextContinue('job', 'abc', ['job'])).toBe('abc');
    expect(decodeContinue('abc', ['job'])).toEqual({ kind: 'job', token: 'abc' });
  });
});

describe('listAcrossKinds', () => {
  // A fake server: each kind's items, paged by an index token as the API server pages.
  const data: Record<string, string[]> = {
    job: ['j1', 'j2', 'j3'],
    jobset: [],
    pytorchjob: ['p1'],
    rayjob: [],
  };
  const kinds = ['job', 'jobset', 'pytorchjob', 'rayjob'] as const;
  const list = async (kind: WorkloadKind, limit?: number, token?: string) => {
    const from = token ? Number(token) : 0;
    const all = data[kind]!;
    const to = limit === undefined ? all.length : Math.min(all.length, from + limit);
    return {
      items: all.slice(from, to),
      resourceVersion: `${kind}-rv`,
      ...(to < all.length ? { continue: String(to) } : {}),
    };
  };

  it('fills pages across kinds, skips empty kinds, and ends without a token', async () => {
    for (const limit of [1, 2, 3, 4, 5]) {
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await listAcrossKinds(kinds, limit, token, list);
        pages.push(page.items.map(([, item]) => item));
        token = page.continue;
      } while (token && pages.length < 20);
      expect(token).toBeUndefined();
      expect(pages.flat()).toEqual(['j1', 'j2', 'j3', 'p1']);
      expect(pages.length).toBe(Math.ceil(4 / limit));
      expect(pages.every((p) => p.length > 0 && p.length <= limit)).toBe(true);
    }
  });

  it('tags each item with its kind', async () => {
    const page = await listAcrossKinds(kinds, 10, undefined, list);
    expect(page.items.map(([kind]) => kind)).toEqual(['job', 'job', 'job', 'pytorchjob']);
    expect(page.continue).toBeUndefined();
  });
});

describe('failingReplica', () => {
  const pod = (name: string, exitCode?: number) => ({
    metadata: { name },
    status: {
      containerStatuses:
        exitCode === undefined ? [] : [{ state: { terminated: { exitCode, reason: 'Error' } } }],
    },
  });
  it('names the first pod that ended non-zero', () => {
    expect(failingReplica([pod('m-0', 0), pod('w-0'), pod('w-1', 3), pod('w-2', 1)])).toBe('w-1');
    expect(failingReplica([pod('m-0', 0), pod('w-0')])).toBeUndefined();
  });
});
