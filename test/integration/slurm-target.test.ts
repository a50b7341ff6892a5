/**
 * The Slurm target against a real Slurm 22.05 (infra/slurm: two nodes, 4 fake GPUs each; skipped
 * with what to install when Slurm is missing, failing under CI=true): the Target contract suite,
 * then what the contract cannot say generically — the command really ran with its env and wrote its output
 * under workdir, a 2-node gang runs on both nodes in one allocation, Slurm itself shows a cancel as
 * CANCELLED, a user's own `sy-…` job is never adopted, two deployments on the one Slurm never see
 * or cancel each other's jobs, and a drained node's GPUs do not count.
 * The Slurm is the run's shared one (test/support/slurm.ts); the end-to-end runs through `npm start`
 * are in test/e2e/slurm.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { followTarget } from '../../shared/drainer/targets.js';
import { reconcileTarget } from '../../shared/drainer/reconcile-targets.js';
import type { LogShipment } from '../../shared/protocol/logs.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import { readOutputWith } from '../../shared/targets/slurm/output.js';
import { createSlurmOutputReader } from '../../shared/targets/slurm/output.node.js';
import type { StatusReport } from '../../shared/protocol/control-port.js';
import type { Target } from '../../shared/targets/port.js';
import { aWorkload, refOf, testTarget, waitForStatus } from '../contract/target.contract.js';
import { skipSlurmTests, useSlurm } from '../support/slurm.js';
import { slurmTargetOn } from '../support/slurm-target.js';

const DEPLOYMENT = 'slurm-target-test';
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

describe.skipIf(skipSlurmTests)('Slurm target on a real Slurm', () => {
  const slurm = useSlurm();
  let cached: Target | undefined;
  const target = () =>
    (cached ??= slurmTargetOn(slurm(), DEPLOYMENT, {
      defaultAccelerator: 'nvidia-a100',
    }));

  testTarget('slurm (real Slurm 22.05 through slurmrestd)', async () => ({
    target: target(),
    accelerator: 'nvidia-a100',
    freePerNode: true,
    cleanup: async () => {},
  }));

  const outputOf = (jobId: string) => {
    const file = readdirSync(slurm().workdir).find((f) => f.startsWith(`sy-${jobId}-`));
    return file ? readFileSync(join(slurm().workdir, file), 'utf8') : '';
  };

  it('runs the real command with its env and GPUs, output under workdir', async () => {
    const w = aWorkload({ gpus: { type: 'nvidia-a100', count: 2 } });
    w.spec.command = [
      'sh',
      '-c',
      'echo "greeting=$GREETING gpus=$CUDA_VISIBLE_DEVICES it\'s $SWITCHYARD_JOB_ID"',
    ];
    w.spec.env = { GREETING: 'hello slurm' };
    expect(await target().create(w)).toBe('created');
    const end = await waitForStatus(target(), refOf(w), (s) => !!s && ENDED.has(s.state));
    expect(end).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(outputOf(w.jobId)).toBe(`greeting=hello slurm gpus=0,1 it's ${w.jobId}\n`);
  });

  it('runs a 2-node gang as one allocation, the command once on each node', async () => {
    const w = aWorkload({ gpus: { type: 'nvidia-a100', count: 1 } });
    w.spec.nodes = 2;
    w.spec.command = ['sh', '-c', 'echo "on $SLURMD_NODENAME of $SLURM_JOB_NUM_NODES"'];
    await target().create(w);
    const end = await waitForStatus(target(), refOf(w), (s) => !!s && ENDED.has(s.state));
    expect(end).toMatchObject({ state: 'succeeded' });
    expect(end!.message).toBe(
      `Slurm job ${end!.externalId} COMPLETED on nodes n[1-2] with exit code 0`,
    );
    const lines = outputOf(w.jobId).trim().split('\n').sort();
    expect(lines).toEqual(['on n1 of 2', 'on n2 of 2']);
    // Its output as log shipping reads it: the allocation's one file, both nodes as replica 0.
    const read = readOutputWith(createSlurmOutputReader({ workdir: slurm().workdir }));
    const [out, ...more] = await read(end!, {}, true);
    expect(more).toEqual([]);
    expect(out).toMatchObject({ stream: `sy-${w.jobId}-${end!.externalId}`, replica: 0 });
    expect(out!.lines.map((l) => l.slice(l.indexOf(' ') + 1)).sort()).toEqual(lines);
  });

  it('a cancel shows as CANCELLED in Slurm itself', async () => {
    const w = aWorkload({ seconds: 60 });
    await target().create(w);
    const running = await waitForStatus(target(), refOf(w), (s) => s?.state === 'running');
    expect(await target().cancel(refOf(w))).toBe(true);
    await waitForStatus(target(), refOf(w), (s) => s?.state === 'cancelled');
    const shown = await slurm().cli('scontrol', ['show', 'job', running!.externalId]);
    expect(shown).toMatch(/JobState=CANCELLED/);
  });

  it('a restarted drainer (a fresh target, nothing remembered) adopts instead of submitting again', async () => {
    const w = aWorkload({ seconds: 5 });
    expect(await target().create(w)).toBe('created');
    const restarted = slurmTargetOn(slurm(), DEPLOYMENT);
    expect(await restarted.create(w)).toBe('exists');
    const names = await slurm().cli('squeue', ['-h', '-o', '%j', '-n', `sy-${w.jobId}`]);
    expect(names.trim().split('\n')).toEqual([`sy-${w.jobId}`]);
    await restarted.cancel(refOf(w));
  });

  it("never adopts a user's own job that merely has the name", async () => {
    const w = aWorkload();
    const sbatch = await fetch(`${slurm().url}/slurm/v0.0.38/job/submit`, {
      method: 'POST',
      headers: {
        'X-SLURM-USER-NAME': slurm().user,
        'X-SLURM-USER-TOKEN': slurm().token,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        script: '#!/bin/bash\nsleep 5\n',
        job: {
          name: `sy-${w.jobId}`,
          comment: 'my own job',
          partition: slurm().partition,
          current_working_directory: slurm().workdir,
          environment: { PATH: '/usr/bin:/bin' },
        },
      }),
    });
    expect(sbatch.status).toBe(200);
    expect(await target().create(w)).toBe('created');
    expect((await target().list()).filter((s) => s.jobId === w.jobId)).toHaveLength(1);
  });

  it("two deployments on one Slurm: neither lists, adopts nor cancels the other's job", async () => {
    const other = slurmTargetOn(slurm(), 'another-deployment');
    const mine = aWorkload({ seconds: 30 });
    const theirs = aWorkload({ seconds: 30 });
    expect(await target().create(mine)).toBe('created');
    expect(await other.create(theirs)).toBe('created');
    const running = await waitForStatus(target(), refOf(mine), (s) => s?.state === 'running');
    expect((await other.list()).map((s) => s.jobId)).toEqual([theirs.jobId]);
    expect(await other.status(refOf(mine))).toBeUndefined();
    expect(await other.cancel(refOf(mine))).toBe(false);
    // The other deployment's pull drainer follows its jobs; its control plane answers `delete` for
    // every job (as for one it does not know): it cancels its own, never this deployment's.
    const reports: StatusReport[] = [];
    const stop = followTarget({
      target: other,
      control: {
        claim: async () => ({ proceed: true }),
        report: async (r) => {
          reports.push(r);
          return { action: 'delete' };
        },
        heartbeat: async () => {},
      },
      clock: systemClock,
      log: silentLogger,
      intervalMs: 100,
    });
    try {
      await waitForStatus(other, refOf(theirs), (s) => s?.state === 'cancelled');
    } finally {
      stop();
    }
    expect(reports.some((r) => r.jobId === theirs.jobId)).toBe(true);
    expect(reports.some((r) => r.jobId === mine.jobId)).toBe(false);
    expect(await other.create(mine)).toBe('created'); // not adopted across deployments either
    const shown = await slurm().cli('scontrol', ['show', 'job', running!.externalId]);
    expect(shown).toMatch(/JobState=RUNNING/);
    expect((await target().list()).filter((s) => s.jobId === mine.jobId)).toHaveLength(1);
    await target().cancel(refOf(mine));
    await other.cancel(refOf(mine));
  });

  it('capacity counts 8 GPUs on two nodes, and none of a drained node', async () => {
    const idle = await target().capacity();
    expect(idle.accelerators['nvidia-a100']).toMatchObject({ total: 8 });
    await slurm().cli('scontrol', ['update', 'nodename=n2', 'state=drain', 'reason=contract']);
    try {
      const drained = (await target().capacity()).accelerators['nvidia-a100']!;
      expect(drained.total).toBe(4);
      expect(drained.freePerNode).toHaveLength(1);
    } finally {
      await slurm().cli('scontrol', ['update', 'nodename=n2', 'state=resume']);
    }
  });
  it('ships a running job output from its file while it runs (push reconcile), every line once, in order', async () => {
    const withOutput = slurmTargetOn(slurm(), 'slurm-output-test', {
      output: createSlurmOutputReader({ workdir: slurm().workdir }),
    });
    const w = aWorkload();
    const script = 'echo "loading dataset"; for i in 1 2 3; do echo "step $i/3"; sleep 0.5; done';
    w.spec.command = ['sh', '-c', `${script}; printf "exited with code 0"`];
    const store = createMemoryStore();
    const now = () => new Date().toISOString();
    const events: string[] = [];
    const sent: LogShipment[] = [];
    const control = {
      claim: async () => ({ proceed: true as const }),
      report: async (r: StatusReport) => {
        events.push(`report ${r.phase}`);
        return {};
      },
      heartbeat: async () => {},
      shipLogs: async (c: LogShipment) => {
        sent.push(c);
        events.push(`ship ${c.lines.length}`);
        return store.logs.append(
          c,
          { capBytes: 1 << 20, expiresAt: '2100-01-01T00:00:00Z' },
          now(),
        );
      },
      logPositions: async () => ({ streams: await store.logs.positions(w.jobId, now()) }),
    };
    expect(await withOutput.create(w)).toBe('created');
    // The push function keeps nothing between invocations: a reconcile every 300 ms, each from the
    // store's positions, until the job's end is reported.
    const d = { control, clock: systemClock, log: silentLogger };
    while (!events.some((e) => /report (succeeded|failed)/.test(e))) {
      await reconcileTarget(d, withOutput, Date.now() + 10_000);
      await new Promise((r) => setTimeout(r, 300));
    }
    const texts = (await store.logs.read(w.jobId, now())).chunks
      .flatMap((c) => c.lines)
      .map((l) => l.slice(l.indexOf(' ') + 1));
    expect(texts).toEqual([
      'loading dataset',
      'step 1/3',
      'step 2/3',
      'step 3/3',
      'exited with code 0',
    ]);
    // Sent in several chunks while it ran, each starting where the last ended (no line twice), the
    // last before the end was reported.
    expect(sent.map((c) => c.fromLine)).toEqual(
      sent.map((_, i) => sent.slice(0, i).reduce((n, c) => n + c.lines.length, 0)),
    );
    const firstRunning = events.indexOf('report running');
    expect(events.slice(firstRunning + 1, -1).some((e) => e.startsWith('ship'))).toBe(true);
    expect(events.findLastIndex((e) => e.startsWith('ship'))).toBeLessThan(events.length - 1);
    expect(sent.length).toBeGreaterThan(1);
  });
});
