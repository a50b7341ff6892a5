// The pull drainer's follower of jobs made before deployments had ids (shared/drainer/legacy.ts),
// pass by pass over a target's `listUnmarked` (the Slurm side; the Kubernetes side runs against the
// simulated cluster in test/integration/k8s-legacy-follow.test.ts): only jobs the control plane
// expects are reported, each change once and its end settling it; the others are never reported
// or cancelled, and the control plane is asked only about workloads not yet decided.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { legacyPasses } from '../../shared/drainer/legacy.js';
import { targetLegacySource } from '../../shared/drainer/legacy-sources.js';
import type { ControlPlane, StatusReport } from '../../shared/protocol/control-port.js';
import type { Target, TargetJobState, TargetJobStatus } from '../../shared/targets/port.js';

const status = (jobId: string, state: TargetJobState): TargetJobStatus => ({
  jobId,
  name: `sy-${jobId}`,
  externalId: `${jobId.length}0${jobId.charCodeAt(0)}`,
  attempt: 1,
  state,
  ...(state === 'succeeded' ? { exitCode: 0 } : {}),
});

function setup(expectedIds: string[]) {
  let shown: TargetJobStatus[] = [];
  const cancels: string[] = [];
  const reports: StatusReport[] = [];
  let asked = 0;
  const fail = () => Promise.reject(new Error('not used'));
  const target: Target = {
    clusterId: 'hpc',
    kind: 'slurm',
    create: fail,
    status: fail,
    list: fail,
    capacity: fail,
    close: async () => {},
    cancel: async (ref) => {
      cancels.push(ref.jobId);
      return true;
    },
    listUnmarked: async () => shown,
  };
  const control: ControlPlane = {
    claim: async () => ({ proceed: true }),
    heartbeat: async () => {},
    // As dispatch/control.ts: `delete` for a job this control plane does not know.
    report: async (r) => {
      reports.push(r);
      return expectedIds.includes(r.jobId) ? {} : { action: 'delete' };
    },
    expected: async (clusterId) => {
      asked++;
      expect(clusterId).toBe('hpc');
      return expectedIds.map((jobId) => ({ jobId, attempt: 1, namespace: '', kubeName: '' }));
    },
  };
  const d = { control, clock: systemClock, log: silentLogger };
  const passes = legacyPasses(targetLegacySource(d, target)!, d);
  const phases = (id: string) => reports.filter((r) => r.jobId === id).map((r) => r.phase);
  return {
    passes,
    show: (...s: TargetJobStatus[]) => (shown = s),
    reports,
    cancels,
    phases,
    asked: () => asked,
  };
}

describe('following unmarked jobs on a target', () => {
  it('reports an expected job to its end once, and never touches an unexpected one', async () => {
    const t = setup(['mine']);
    t.show(status('mine', 'running'), status('theirs', 'running'));
    await t.passes.pass(true);
    await t.passes.pass(false);
    expect(t.phases('mine')).toEqual(['running']);
    expect(t.passes.followed()).toBe(1);
    t.show(status('mine', 'succeeded'), status('theirs', 'succeeded'));
    await t.passes.pass(false);
    await t.passes.pass(false);
    expect(t.phases('mine')).toEqual(['running', 'succeeded']);
    expect(t.reports.at(-1)).toMatchObject({ targetKind: 'slurm', result: { exitCode: 0 } });
    expect(t.passes.followed()).toBe(0);
    // A resync asks about undecided ones again; both are settled now, so nothing is asked.
    await t.passes.pass(true);
    expect(t.asked()).toBe(1);
    expect(t.phases('theirs')).toEqual([]);
    expect(t.cancels).toEqual([]);
  });

  it('asks about a still-running unexpected job again on a resync only', async () => {
    const t = setup([]);
    t.show(status('theirs', 'running'));
    await t.passes.pass(true);
    await t.passes.pass(false);
    expect(t.asked()).toBe(1);
    await t.passes.pass(true);
    expect(t.asked()).toBe(2);
    expect(t.reports).toEqual([]);
    expect(t.cancels).toEqual([]);
  });

  it('says once that a followed job vanished unfinished; asks nothing when none is unmarked', async () => {
    const t = setup(['mine']);
    await t.passes.pass(true);
    expect(t.asked()).toBe(0);
    t.show(status('mine', 'running'));
    await t.passes.pass(false);
    t.show();
    await t.passes.pass(false);
    await t.passes.pass(false);
    expect(t.phases('mine')).toEqual(['running', 'deleted']);
    expect(t.passes.followed()).toBe(0);
  });

  it('a target that cannot list unmarked jobs has no follower', () => {
    const d = { control: {} as ControlPlane, clock: systemClock, log: silentLogger };
    expect(targetLegacySource(d, { clusterId: 'k', kind: 'kubernetes' } as Target)).toBe(undefined);
  });
});
