/**
 * The retry decision as a table (which failures run again, how often, after how long, where), the
 * backwards move it makes, the runs a job's view lists, and the `retry` field's validation.
 */
import { describe, expect, it } from 'vitest';
import type { Job, JobSpec, RetryPolicy } from '../../shared/domain/job.js';
import {
  DEFAULT_INFRA_ATTEMPTS,
  attemptsView,
  decideRetry,
  placementsThisRun,
  retryTransition,
  runKubeName,
} from '../../shared/domain/retry.js';
import { parseJobSpec } from '../../shared/domain/spec.js';
import { AppError } from '../../shared/base/errors.js';

const AT = '2026-01-01T00:00:00.000Z';

function job(retry?: RetryPolicy, runsBefore = 0, state: Job['state'] = 'running'): Job {
  const spec: JobSpec = {
    name: 'j',
    project: 'p',
    image: 'busybox',
    env: {},
    resources: {},
    priority: 100,
    labels: {},
    ...(retry ? { retry } : {}),
  };
  return {
    id: 'job1',
    tenantId: 't',
    spec,
    state,
    version: 1,
    createdAt: AT,
    updatedAt: AT,
    submittedBy: 'tok',
    placement: {
      clusterId: 'a',
      queue: 'q',
      namespace: 'sy-t',
      kubeName: 'sy-job1',
      attempt: runsBefore + 1,
    },
    events: [
      { at: '2026-01-01T00:00:01.000Z', state: 'dispatched', reason: 'Placed', message: 'a' },
      { at: '2026-01-01T00:00:02.000Z', state: 'running', reason: 'Running', message: 'a' },
    ],
    attempts: Array.from({ length: runsBefore }, (_, i) => ({
      attempt: i + 1,
      clusterId: 'old',
      endedAt: AT,
      outcome: 'retried' as const,
      reason: 'DeletionByTaintManager',
      exitCode: 137,
      message: 'lost',
      placementAttempt: i + 1,
    })),
  };
}

const lost = { clusterId: 'a', reason: 'DeletionByTaintManager', exitCode: 137 };
const exit = (code: number) => ({ clusterId: 'a', reason: 'BackoffLimitExceeded', exitCode: code });
const three: RetryPolicy = { maxAttempts: 3, backoffSeconds: 30, onExitCodes: [3] };

describe('decideRetry', () => {
  it.each([
    // [case, retry policy, runs before, failure, retried?, infrastructure?, backoff, avoid cluster]
    ['node lost, no policy', undefined, 0, lost, true, true, 0, true],
    [
      'node lost, no policy, default used up',
      undefined,
      DEFAULT_INFRA_ATTEMPTS - 1,
      lost,
      false,
      true,
    ],
    ['evicted', undefined, 0, { ...lost, reason: 'EvictionByEvictionAPI' }, true, true, 0, true],
    [
      'pod failure policy',
      undefined,
      0,
      { ...lost, reason: 'PodFailurePolicy' },
      true,
      true,
      0,
      true,
    ],
    [
      'Slurm NODE_FAIL',
      undefined,
      0,
      { ...lost, reason: 'NODE_FAIL', exitCode: null },
      true,
      true,
      0,
      true,
    ],
    [
      'Slurm PREEMPTED',
      undefined,
      1,
      { ...lost, reason: 'PREEMPTED', exitCode: null },
      true,
      true,
      0,
      true,
    ],
    [
      'cluster lost',
      undefined,
      0,
      { ...lost, reason: 'ClusterLost', exitCode: null },
      true,
      true,
      0,
      true,
    ],
    ['node lost, policy backoff', three, 0, lost, true, true, 30, true],
    [
      'node lost, policy maxAttempts 1',
      { maxAttempts: 1, backoffSeconds: 0 },
      0,
      lost,
      false,
      true,
    ],
    ['exit 3 listed', three, 0, exit(3), true, false, 30, false],
    ['exit 3 listed, last attempt', three, 2, exit(3), false, false],
    ['exit 4 not listed', three, 0, exit(4), false, false],
    ['exit 3 without a policy', undefined, 0, exit(3), false, false],
    [
      'exit 3, policy without codes',
      { maxAttempts: 5, backoffSeconds: 0 },
      0,
      exit(3),
      false,
      false,
    ],
    [
      'OOMKilled not listed',
      three,
      0,
      { clusterId: 'a', reason: 'OOMKilled', exitCode: 137 },
      false,
      false,
    ],
    [
      'no exit code, not infra',
      three,
      0,
      { clusterId: 'a', reason: 'Failed', exitCode: null },
      false,
      false,
    ],
  ] as const)('%s', (_case, policy, before, failure, retried, infra, backoff?, avoid?) => {
    const d = decideRetry(job(policy, before), failure);
    expect(d.retry).toBe(retried);
    expect(d.infrastructure).toBe(infra);
    if (d.retry) {
      expect(d.attempt).toBe(before + 2);
      expect(d.backoffSeconds).toBe(backoff);
      expect(d.avoidCluster).toBe(avoid);
    } else {
      expect(d.why).toMatch(/not retried/);
    }
  });

  it('says why it stops', () => {
    const used = decideRetry(job(three, 2), exit(3));
    expect(used.why).toContain('3 of 3 attempt(s) used (retry.maxAttempts)');
    expect(decideRetry(job(three), exit(4)).why).toContain('retry.onExitCodes [3]');
  });
});

describe('retryTransition and the runs of a job', () => {
  it('moves a running job back to pending, recording the run, and names the next run apart', () => {
    const before = { ...job(three), reservation: [{ key: 'k', amount: 1 }] };
    const next = retryTransition(before, exit(3), 'RetryOnExitCode', 'exit 3', AT, {
      retryAt: AT,
      blockedClusters: ['a'],
    });
    expect(next.state).toBe('pending');
    expect(next.reservation).toBeUndefined();
    expect(next.events.at(-1)).toMatchObject({ state: 'pending', reason: 'RetryOnExitCode' });
    expect(next.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        clusterId: 'a',
        placedAt: '2026-01-01T00:00:01.000Z',
        startedAt: '2026-01-01T00:00:02.000Z',
        endedAt: AT,
        outcome: 'retried',
        exitCode: 3,
      }),
    ]);
    expect(runKubeName(before, 'sy-job1')).toBe('sy-job1');
    expect(runKubeName(next, 'sy-job1')).toBe('sy-job1-r2');
    // The next run's failover hops count from here.
    expect(placementsThisRun({ ...next, placement: { ...next.placement!, attempt: 2 } })).toBe(1);
    expect(attemptsView(next)).toHaveLength(1);
  });

  it('refuses to retry a job that ended or waits', () => {
    for (const state of ['succeeded', 'failed', 'pending'] as const) {
      expect(() =>
        retryTransition(job(three, 0, state), lost, 'x', 'x', AT, { retryAt: AT }),
      ).toThrow(AppError);
    }
  });

  it('lists the current run after the retried ones', () => {
    const view = attemptsView(job(three, 2));
    expect(view.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retried'],
      [2, 'retried'],
      [3, 'active'],
    ]);
    expect(view[2]).toMatchObject({ clusterId: 'a', endedAt: null });
    expect(view[0]).not.toHaveProperty('placementAttempt');
  });
});

describe('retry in the submission', () => {
  const base = { name: 'j', project: 'p', image: 'busybox', resources: {} };
  it('accepts a policy and defaults backoffSeconds to 0', () => {
    expect(parseJobSpec({ ...base, retry: { maxAttempts: 3 } }).retry).toEqual({
      maxAttempts: 3,
      backoffSeconds: 0,
    });
  });
  it('lists every bad field', () => {
    const bad = { maxAttempts: 11, backoffSeconds: 3601, onExitCodes: [0, 256, 1.5], extra: 1 };
    let error: AppError | undefined;
    try {
      parseJobSpec({ ...base, retry: bad });
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe('INVALID_JOB');
    const paths = (error?.details as { fields: { path: string }[] }).fields.map((f) => f.path);
    for (const p of [
      'retry.maxAttempts',
      'retry.backoffSeconds',
      'retry.onExitCodes.0',
      'retry.onExitCodes.1',
      'retry.onExitCodes.2',
      'retry',
    ])
      expect(paths).toContain(p);
    expect(() => parseJobSpec({ ...base, retry: { backoffSeconds: 1 } })).toThrow(/maxAttempts/);
    expect(() => parseJobSpec({ ...base, retry: 3 })).toThrow(AppError);
  });
});

describe('the CLI get', () => {
  it('lists the runs of a job that ran more than once', async () => {
    const { renderJob } = await import('../../functions/cli/views.js');
    const base = {
      id: 'job1',
      state: 'succeeded',
      name: 'j',
      project: 'p',
      spec: { image: 'busybox' },
      clusterId: 'b',
      kubernetes: null,
      decision: null,
      events: [],
      createdAt: AT,
      updatedAt: AT,
    };
    const run = { placedAt: AT, startedAt: AT, exitCode: null };
    const attempts = [
      { ...run, attempt: 1, clusterId: 'a', endedAt: AT, outcome: 'retried', reason: 'NodeLost' },
      { ...run, attempt: 2, clusterId: 'b', endedAt: AT, outcome: 'succeeded', reason: 'Done' },
    ];
    const text = renderJob({ ...base, attempts }, Date.parse(AT));
    expect(text).toMatch(/Attempts\n.*#\s+CLUSTER\s+STARTED\s+ENDED\s+OUTCOME\s+REASON/);
    expect(text).toMatch(/1\s+a\s+\S+\s+\S+\s+retried\s+NodeLost/);
    expect(text).toMatch(/2\s+b\s+\S+\s+\S+\s+succeeded\s+Done/);
    expect(renderJob({ ...base, attempts: attempts.slice(1) }, Date.parse(AT))).not.toContain(
      'Attempts',
    );
  });
});
