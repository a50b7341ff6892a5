// A gang's replicas through the drainer report route (shared/dispatch/replica-report.ts): kept on
// the job and shown by GET /v1/jobs/:id, updated by a report of the same phase without a second
// event, left alone (no write) when repeated, and a malformed list refused field by field.
import { describe, expect, it } from 'vitest';
import { useReportFixture, type PlacedJob as Job } from '../support/report-fixture.js';

const t = useReportFixture();

type View = { state: string; replicas: unknown[]; events: unknown[] };

const master = { role: 'master', index: 0, pod: 'sy-x-master-0', node: 'n-0', phase: 'Running' };
const worker = { role: 'worker', index: 0, pod: 'sy-x-worker-0', phase: 'Pending' };

const placedJob = () => t.placedJob();
const report = (job: Job, phase: string, replicas: unknown) => t.report(job, phase, { replicas });
const view = (job: Job) => t.view<View>(job);

describe('replicas in reports', () => {
  it('keeps the latest list, updated by a report of the same phase', async () => {
    const job = await placedJob();
    expect((await view(job)).replicas).toEqual([]);
    expect((await report(job, 'running', [master, worker])).status).toBe(200);
    const first = await view(job);
    expect([first.state, first.replicas]).toEqual(['running', [master, worker]]);
    const version = async () => (await t.f.store.jobs.get(job.id))!.version;
    const before = await version();
    const ran = { ...worker, node: 'n-1', phase: 'Running' };
    await report(job, 'running', [master, ran]);
    const second = await view(job);
    expect(second.replicas).toEqual([master, ran]);
    expect(second.events).toHaveLength(first.events.length);
    expect(await version()).toBe(before + 1);
    // The same list again writes nothing.
    await report(job, 'running', [master, ran]);
    expect(await version()).toBe(before + 1);
    const failed = { ...ran, phase: 'Failed', exitCode: 7, reason: 'Error' };
    await report(job, 'failed', [{ ...master, phase: 'Succeeded', exitCode: 0 }, failed]);
    const ended = await view(job);
    expect(ended.state).toBe('failed');
    expect(ended.replicas[1]).toEqual(failed);
  });

  it('refuses a malformed list, naming each bad field', async () => {
    const job = await placedJob();
    const res = await report(job, 'running', [{ index: -1, pod: '', extra: 1 }]);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST' });
    const text = JSON.stringify(res.body);
    for (const field of ['replicas.0.index', 'replicas.0.pod', 'replicas.0.phase']) {
      expect(text).toContain(field);
    }
    const many = Array.from({ length: 73 }, (_, i) => ({ ...master, index: i }));
    expect((await report(job, 'running', many)).status).toBe(400);
    expect((await view(job)).replicas).toEqual([]);
  });
});
