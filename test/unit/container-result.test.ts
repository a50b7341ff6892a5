// How a finished Job's container ended, read from its pods (kube-status.ts `containerResult`):
// plain objects in, values out, no API server.
import { describe, expect, it } from 'vitest';
import type { PodLike } from '../../shared/targets/kubernetes/kube-status.js';
import { containerResult } from '../../shared/targets/kubernetes/kube-status.js';

describe('containerResult', () => {
  const ended = (...codes: Array<[number, string]>): PodLike => ({
    status: {
      phase: 'Failed',
      containerStatuses: codes.map(([exitCode, reason]) => ({
        state: { terminated: { exitCode, reason } },
      })),
    },
  });
  const cases: Array<{ name: string; pods: PodLike[]; jobReason?: string; want: object }> = [
    { name: 'no pods', pods: [], want: {} },
    {
      name: 'a pod still running',
      pods: [{ status: { containerStatuses: [{ state: {} }] } }],
      want: {},
    },
    {
      name: 'success',
      pods: [ended([0, 'Completed'])],
      want: { exitCode: 0, reason: 'Completed' },
    },
    {
      name: 'non-zero exit',
      pods: [ended([3, 'Error'])],
      jobReason: 'BackoffLimitExceeded',
      want: { exitCode: 3, reason: 'Error' },
    },
    {
      name: 'OOM kill',
      pods: [ended([137, 'OOMKilled'])],
      want: { exitCode: 137, reason: 'OOMKilled' },
    },
    {
      name: 'the failing container of several, in any order',
      pods: [ended([0, 'Completed'], [2, 'Error'])],
      want: { exitCode: 2, reason: 'Error' },
    },
    {
      name: 'a deadline names the Job reason',
      pods: [ended([137, 'Error'])],
      jobReason: 'DeadlineExceeded',
      want: { exitCode: 137, reason: 'DeadlineExceeded' },
    },
    {
      name: 'a deadline with the pod gone',
      pods: [],
      jobReason: 'DeadlineExceeded',
      want: { reason: 'DeadlineExceeded' },
    },
  ];
  it.each(cases)('$name', (tc) => {
    expect(containerResult(tc.pods, tc.jobReason)).toEqual(tc.want);
  });
});
