// Reports from a target that is not Kubernetes (shared/dispatch/target-reports.ts), through the
// drainer report route: events name the Slurm job and its id (kept as the view's targetJobId), a
// cancel on the target ends the job `cancelled` (not failed), and a requeue or preemption takes a
// running job back to `submitted` with the target's reason, the one backwards move a report makes.
import { describe, expect, it } from 'vitest';
import { useReportFixture, type PlacedJob as Job } from '../support/report-fixture.js';

const t = useReportFixture();

type View = {
  state: string;
  targetJobId: string | null;
  events: Array<{ state?: string; reason: string; message: string }>;
};

const placedJob = () => t.placedJob();
const slurm = (job: Job, phase: string, extra: Record<string, unknown> = {}) =>
  t.report(job, phase, { targetKind: 'slurm', targetJobId: '4242', ...extra });
const view = (job: Job) => t.view<View>(job);

describe('reports from a Slurm target', () => {
  it('name the Slurm job and keep its id on the job', async () => {
    const job = await placedJob();
    expect((await slurm(job, 'pending')).status).toBe(200);
    const v = await view(job);
    expect(v.state).toBe('submitted');
    expect(v.targetJobId).toBe('4242');
    expect(v.events.at(-1)).toMatchObject({
      reason: 'SlurmJobSubmitted',
      message: `Slurm job 4242 is pending on ${job.clusterId}`,
    });
    expect(JSON.stringify(v.events)).not.toContain('Kubernetes');
  });

  it('a repeat of the same phase records the Slurm job id without a second event', async () => {
    const job = await placedJob();
    await slurm(job, 'pending', { targetJobId: undefined }); // the create's report: no id yet
    const first = await view(job);
    expect(first.targetJobId).toBeNull();
    await slurm(job, 'pending'); // the first poll's report carries it
    const second = await view(job);
    expect(second.targetJobId).toBe('4242');
    expect(second.events).toHaveLength(first.events.length);
  });

  it('a cancel on the target ends the job cancelled, not failed', async () => {
    const job = await placedJob();
    await slurm(job, 'running');
    expect((await slurm(job, 'cancelled')).status).toBe(200);
    const v = await view(job);
    expect(v.state).toBe('cancelled');
    expect(v.events.at(-1)).toMatchObject({ state: 'cancelled', reason: 'TargetCancelled' });
    expect(v.events.at(-1)!.message).toContain('Slurm job 4242 was cancelled');
  });

  it('a requeue takes a running job back to submitted with the reason, and it runs again', async () => {
    const job = await placedJob();
    await slurm(job, 'running');
    expect((await slurm(job, 'requeued', { reason: 'Preempted' })).status).toBe(200);
    let v = await view(job);
    expect(v.state).toBe('submitted');
    expect(v.events.at(-1)).toMatchObject({ state: 'submitted', reason: 'Preempted' });
    expect(v.events.at(-1)!.message).toContain('waiting again');
    await slurm(job, 'running');
    v = await view(job);
    expect(v.state).toBe('running');
    // A late `pending` never moves a job back: only `requeued` does.
    await slurm(job, 'pending');
    expect((await view(job)).state).toBe('running');
  });

  it('a Kubernetes report keeps the Kubernetes words', async () => {
    const job = await placedJob();
    await t.report(job, 'pending');
    const v = await view(job);
    expect(v.events.at(-1)).toMatchObject({ reason: 'KubernetesJobCreated' });
    expect(v.targetJobId).toBeNull();
  });
});
