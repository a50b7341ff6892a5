/**
 * The contract every Target (shared/targets/port.ts) passes, whatever runs the jobs. The jobs are
 * written so each stand-in runs them for real: the command `sleep $SECS; exit $CODE` for a Slurm
 * node, and SIM_DURATION_SECONDS / SIM_EXIT_CODE for the simulated Kubernetes kubelet. Every wait
 * is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared/base/clock.js';
import type {
  Target,
  TargetJobRef,
  TargetJobState,
  TargetJobStatus,
  TargetWorkload,
} from '../../shared/targets/port.js';

export interface TargetHarness {
  target: Target;
  /** The accelerator its capacity reports, and the GPUs one node of it has. */
  accelerator: string;
  /** False while the driver's capacity has no `freePerNode` yet (the Kubernetes one, for now). */
  freePerNode: boolean;
  cleanup(): Promise<void>;
}

const POLL_MS = 100;
const ENDED: TargetJobState[] = ['succeeded', 'failed', 'cancelled'];

export function aWorkload(
  o: { seconds?: number; exitCode?: number; gpus?: { type: string; count: number } } = {},
): TargetWorkload {
  const jobId = newId();
  const seconds = String(o.seconds ?? 1);
  const code = String(o.exitCode ?? 0);
  return {
    jobId,
    tenantId: 'contract',
    submittedBy: 'contract-test',
    spec: {
      name: 'contract job',
      project: 'contract',
      image: 'busybox:1.36',
      command: ['sh', '-c', 'sleep "$SECS"; exit "$CODE"'],
      env: { SECS: seconds, CODE: code, SIM_DURATION_SECONDS: seconds, SIM_EXIT_CODE: code },
      resources: o.gpus ? { accelerator: o.gpus, cpu: '1' } : { cpu: '100m' },
      priority: 0,
      labels: {},
    },
    placement: {
      clusterId: 'contract',
      queue: 'contract',
      namespace: 'sy-contract',
      kubeName: `sy-${jobId}`,
      attempt: 1,
    },
  };
}

export const refOf = (w: TargetWorkload): TargetJobRef => ({
  jobId: w.jobId,
  name: w.placement.kubeName,
  namespace: w.placement.namespace,
});

export async function waitForStatus(
  target: Target,
  ref: TargetJobRef,
  done: (s: TargetJobStatus | undefined) => boolean,
  timeoutMs = 12_000,
): Promise<TargetJobStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: TargetJobStatus | undefined;
  while (Date.now() < deadline) {
    last = await target.status(ref);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`timed out after ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
}

export function testTarget(name: string, makeHarness: () => Promise<TargetHarness>): void {
  describe(`Target contract: ${name}`, () => {
    let h: TargetHarness;
    /** Work on GPUs: the simulated cluster's nodes are all GPU nodes, tainted for GPU pods. */
    const gpu = () => ({ type: h.accelerator, count: 1 });
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('creates once, adopts a second create of the same job, lists it, and runs it to success', async () => {
      const w = aWorkload({ seconds: 1, gpus: gpu() });
      expect(await h.target.create(w)).toBe('created');
      expect(await h.target.create(w)).toBe('exists');
      const listed = (await h.target.list()).filter((s) => s.jobId === w.jobId);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.name).toBe(`sy-${w.jobId}`);
      const end = await waitForStatus(h.target, refOf(w), (s) => !!s && ENDED.includes(s.state));
      expect(end).toMatchObject({ jobId: w.jobId, state: 'succeeded', exitCode: 0 });
      expect(end!.externalId).not.toBe('');
    });

    it('reports a command that exits 3 as failed with exit code 3', async () => {
      const w = aWorkload({ seconds: 0, exitCode: 3, gpus: gpu() });
      expect(await h.target.create(w)).toBe('created');
      const end = await waitForStatus(h.target, refOf(w), (s) => !!s && ENDED.includes(s.state));
      expect(end).toMatchObject({ state: 'failed', exitCode: 3 });
    });

    it('cancels a running job: it ends cancelled (or gone), and a second cancel finds nothing to stop', async () => {
      const w = aWorkload({ seconds: 60, gpus: gpu() });
      await h.target.create(w);
      await waitForStatus(h.target, refOf(w), (s) => s?.state === 'running');
      expect(await h.target.cancel(refOf(w))).toBe(true);
      const end = await waitForStatus(h.target, refOf(w), (s) => !s || s.state === 'cancelled');
      if (end) expect(end.state).toBe('cancelled');
      expect(await h.target.cancel(refOf(w))).toBe(false);
    });

    it('knows nothing of a job it never made', async () => {
      const w = aWorkload();
      expect(await h.target.status(refOf(w))).toBeUndefined();
      expect(await h.target.cancel(refOf(w))).toBe(false);
      expect((await h.target.list()).some((s) => s.jobId === w.jobId)).toBe(false);
    });

    it('reports GPU capacity per accelerator with free GPUs per node, and the kinds it runs', async () => {
      const report = await h.target.capacity();
      const gpus = report.accelerators[h.accelerator];
      expect(gpus, JSON.stringify(report)).toBeDefined();
      expect(gpus!.total).toBeGreaterThan(0);
      if (h.freePerNode) {
        expect(gpus!.freePerNode).toBeDefined();
        expect(gpus!.freePerNode!.reduce((a, b) => a + b, 0)).toBe(gpus!.free);
        expect(gpus!.maxFreePerNode).toBe(gpus!.freePerNode![0]);
      }
      expect(report.kinds).toContain('job');
      expect(Number.isNaN(Date.parse(report.reportedAt))).toBe(false);
    });
  });
}
