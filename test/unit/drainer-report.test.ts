// The drainer report protocol over HTTP (the route a remote drainer calls): a final report carries
// how the container ended, and the job's view shows it; a malformed result is a 400 naming it.
import { describe, expect, it } from 'vitest';
import { useReportFixture, type PlacedJob } from '../support/report-fixture.js';

const t = useReportFixture();

type View = { state: string; result: unknown; events: Array<{ reason: string; message: string }> };

const placedJob = () => t.placedJob();
const report = (job: PlacedJob, { phase, ...extra }: { phase: string } & Record<string, unknown>) =>
  t.report(job, phase, extra);

describe('POST /v1/drainer/report with a result', () => {
  it('records the exit code and reason on the job, its final event and its view', async () => {
    const job = await placedJob();
    expect((await report(job, { phase: 'running' })).status).toBe(200);
    const failed = await report(job, {
      phase: 'failed',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      result: { exitCode: 3, reason: 'Error' },
    });
    expect(failed.status).toBe(200);
    const view = await t.view<View>(job);
    expect(view.result).toEqual({ exitCode: 3, reason: 'Error' });
    const last = view.events.at(-1)!;
    expect(last.reason).toBe('BackoffLimitExceeded');
    expect(last.message).toBe(
      `the container ended with exit code 3 (Error) on ${job.clusterId}: Job has reached the specified backoff limit`,
    );
  });

  it('names a specific container reason (OOMKilled) in the final event', async () => {
    const job = await placedJob();
    await report(job, {
      phase: 'failed',
      reason: 'BackoffLimitExceeded',
      result: { exitCode: 137, reason: 'OOMKilled' },
    });
    const view = await t.view<View>(job);
    expect(view.state).toBe('failed');
    expect(view.events.at(-1)!.reason).toBe('OOMKilled');
  });

  it('keeps the Job reason when the pod no longer shows the container', async () => {
    const job = await placedJob();
    await report(job, { phase: 'failed', reason: 'BackoffLimitExceeded' });
    const view = await t.view<View>(job);
    expect(view.result).toEqual({ exitCode: null, reason: 'BackoffLimitExceeded' });
  });

  it('shows no result before the job ends', async () => {
    const job = await placedJob();
    await report(job, { phase: 'running' });
    const view = await t.view<View>(job);
    expect(view.result).toBeNull();
  });

  it('refuses a malformed result with 400 naming the field', async () => {
    const job = await placedJob();
    const res = await report(job, { phase: 'failed', result: { exitCode: 'three', extra: 1 } });
    expect(res.status).toBe(400);
    const error = res.body.error as { code: string; details: { fields: Array<{ path: string }> } };
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details.fields.map((x) => x.path).sort()).toEqual(['result', 'result.exitCode']);
  });
});
