/**
 * The rolling-upgrade state machine (shared/maintenance/plan.ts), pure: never more than
 * `maxUnavailable` clusters out at once over random fleets, pause/resume/cancel, the drain
 * deadline, readiness by a new version with a fresh heartbeat, and an operator's done.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MaintenancePlan } from '../../shared/domain/maintenance.js';
import {
  advancePlan,
  cancelPlan,
  markDone,
  outOfService,
  pausePlan,
  resumePlan,
  type ClusterFacts,
} from '../../shared/maintenance/plan.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function plan(ids: string[], over: Partial<MaintenancePlan> = {}): MaintenancePlan {
  return {
    id: 'mnt_1',
    tenantId: 'ops',
    description: '',
    state: 'running',
    maxUnavailable: 1,
    drainTimeoutSeconds: 60,
    atDeadline: 'wait',
    upgrade: {},
    selector: { clusters: ids },
    steps: ids.map((clusterId) => ({ clusterId, state: 'waiting' })),
    events: [],
    createdBy: 'tok',
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}

const facts = (entries: Record<string, Partial<ClusterFacts>>) =>
  new Map(
    Object.entries(entries).map(([id, f]) => [
      id,
      { state: 'active', version: 'v1', reportedAt: at(0), healthy: true, activeJobs: 0, ...f },
    ]) as Array<[string, ClusterFacts]>,
  );

/** A fleet: each cluster drains after `drain` ticks and reports v2 `upgrade` ticks after asked. */
function simulate(p: MaintenancePlan, clusters: Array<{ drain: number; upgrade: number }>) {
  const world = new Map<string, { jobsLeft: number; version: string; askedAt?: number }>();
  clusters.forEach((c, i) => world.set(`c${i}`, { jobsLeft: c.drain, version: 'v1' }));
  let current = p;
  let maxOut = 0;
  for (let tick = 1; tick < 500 && current.state === 'running'; tick++) {
    const f = new Map<string, ClusterFacts>();
    current.steps.forEach((s, i) => {
      const w = world.get(s.clusterId)!;
      if (s.state === 'draining') w.jobsLeft = Math.max(0, w.jobsLeft - 1);
      if (s.state === 'upgrading') {
        w.askedAt ??= tick;
        if (tick - w.askedAt >= clusters[i]!.upgrade) w.version = 'v2';
      }
      f.set(s.clusterId, {
        state: s.state === 'waiting' || s.state === 'done' ? 'active' : 'draining',
        version: w.version,
        reportedAt: at(tick),
        healthy: true,
        activeJobs: s.state === 'waiting' ? 5 : w.jobsLeft,
      });
    });
    current = advancePlan(current, f, at(tick)).plan;
    maxOut = Math.max(maxOut, outOfService(current));
  }
  return { final: current, maxOut };
}

describe('advancePlan', () => {
  it('never has more than maxUnavailable clusters out, and upgrades every one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ drain: fc.nat(6), upgrade: fc.nat(6) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 4 }),
        (clusters, maxUnavailable) => {
          const ids = clusters.map((_, i) => `c${i}`);
          const { final, maxOut } = simulate(plan(ids, { maxUnavailable }), clusters);
          expect(maxOut).toBeLessThanOrEqual(maxUnavailable);
          expect(maxOut).toBe(Math.min(maxUnavailable, clusters.length));
          expect(final.state).toBe('succeeded');
          expect(final.steps.every((s) => s.state === 'done' && s.toVersion === 'v2')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drains, asks for the upgrade, waits for a new version with a later heartbeat, uncordons', () => {
    let p = plan(['a', 'b']);
    let step = advancePlan(p, facts({ a: { activeJobs: 2 }, b: {} }), at(1));
    expect(step.actions).toEqual([{ kind: 'drain', clusterId: 'a' }]);
    p = step.plan;
    expect(p.steps.map((s) => s.state)).toEqual(['draining', 'waiting']);
    expect(p.steps[0]).toMatchObject({ cordoned: true, drainDeadline: at(61) });
    // Still running jobs there: nothing moves.
    step = advancePlan(p, facts({ a: { activeJobs: 1, state: 'draining' }, b: {} }), at(2));
    expect(step.changed).toBe(false);
    step = advancePlan(p, facts({ a: { activeJobs: 0, state: 'draining' }, b: {} }), at(3));
    p = step.plan;
    expect(p.steps[0]).toMatchObject({ state: 'upgrading', fromVersion: 'v1' });
    expect(p.events.at(-1)).toMatchObject({
      type: 'cluster.upgrade-requested',
      clusterId: 'a',
      message: expect.stringContaining('is drained: upgrade it'),
    });
    // A new version from a heartbeat older than the request, or an unhealthy one, is not enough.
    const a = { state: 'draining' as const, version: 'v2' };
    expect(advancePlan(p, facts({ a: { ...a, reportedAt: at(3) }, b: {} }), at(4)).changed).toBe(
      false,
    );
    const sick = { ...a, reportedAt: at(5), healthy: false };
    expect(advancePlan(p, facts({ a: sick, b: {} }), at(5)).changed).toBe(false);
    step = advancePlan(p, facts({ a: { ...a, reportedAt: at(6) }, b: {} }), at(6));
    expect(step.actions).toEqual([
      { kind: 'uncordon', clusterId: 'a' },
      { kind: 'drain', clusterId: 'b' },
    ]);
    expect(step.plan.steps[0]).toMatchObject({ state: 'done', doneBy: 'version', toVersion: 'v2' });
    expect(step.plan.steps[1]!.state).toBe('draining');
  });

  it('does not uncordon at the end a cluster that was cordoned before the plan took it', () => {
    let p = advancePlan(plan(['a']), facts({ a: { state: 'cordoned' } }), at(1)).plan;
    expect(p.steps[0]!.cordoned).toBe(false);
    p = advancePlan(p, facts({ a: { state: 'cordoned' } }), at(2)).plan;
    const done = markDone(p, 'a', at(3));
    expect(done.actions).toEqual([]);
    expect(done.plan.steps[0]).toMatchObject({ state: 'done', doneBy: 'operator' });
  });

  it('at the drain deadline requeues once (requeue) or records that it waits (wait)', () => {
    for (const atDeadline of ['requeue', 'wait'] as const) {
      let p = advancePlan(plan(['a'], { atDeadline }), facts({ a: { activeJobs: 3 } }), at(0)).plan;
      const busy = facts({ a: { activeJobs: 3, state: 'draining' } });
      expect(advancePlan(p, busy, at(59)).changed).toBe(false);
      const step = advancePlan(p, busy, at(60));
      expect(step.actions).toEqual(
        atDeadline === 'requeue' ? [{ kind: 'requeue', clusterId: 'a' }] : [],
      );
      expect(step.plan.events.at(-1)!.type).toBe('cluster.deadline');
      p = step.plan;
      expect(advancePlan(p, busy, at(61)).changed).toBe(false);
    }
  });

  it('skips a cluster that no longer exists', () => {
    const step = advancePlan(plan(['gone', 'b']), facts({ b: {} }), at(1));
    expect(step.plan.steps.map((s) => s.state)).toEqual(['cancelled', 'draining']);
  });
});

describe('pause, resume, cancel, done', () => {
  const started = () =>
    advancePlan(plan(['a', 'b', 'c'], { maxUnavailable: 1 }), facts({ a: {}, b: {}, c: {} }), at(1))
      .plan;

  it('a paused plan starts no cluster; the one out still finishes; resume goes on', () => {
    let p = pausePlan(started(), at(2), 'tok').plan;
    expect(p.state).toBe('paused');
    const f = facts({ a: { state: 'draining' }, b: {}, c: {} });
    p = advancePlan(p, f, at(3)).plan;
    expect(p.steps.map((s) => s.state)).toEqual(['upgrading', 'waiting', 'waiting']);
    p = markDone(p, 'a', at(4)).plan;
    p = advancePlan(p, facts({ a: {}, b: {}, c: {} }), at(5)).plan;
    expect(p.steps.map((s) => s.state)).toEqual(['done', 'waiting', 'waiting']);
    p = resumePlan(p, at(6), 'tok').plan;
    p = advancePlan(p, facts({ a: {}, b: {}, c: {} }), at(7)).plan;
    expect(p.steps.map((s) => s.state)).toEqual(['done', 'draining', 'waiting']);
    expect(p.events.map((e) => e.type)).toContain('plan.resumed');
  });

  it('cancel uncordons what the plan cordoned and cancels the rest; then refuses changes', () => {
    const step = cancelPlan(started(), at(2), 'tok');
    expect(step.actions).toEqual([{ kind: 'uncordon', clusterId: 'a' }]);
    expect(step.plan.state).toBe('cancelled');
    expect(step.plan.steps.every((s) => s.state === 'cancelled')).toBe(true);
    expect(() => resumePlan(step.plan, at(3), 'tok')).toThrow(/cancelled/);
    expect(() => cancelPlan(step.plan, at(3), 'tok')).toThrow(/cancelled/);
    expect(advancePlan(step.plan, facts({ a: {}, b: {}, c: {} }), at(4)).changed).toBe(false);
  });

  it('done is taken only for a cluster being upgraded, and names what is wrong', () => {
    const p = started();
    expect(() => markDone(p, 'a', at(2))).toThrow(/draining.*only a cluster being upgraded/);
    expect(() => markDone(p, 'b', at(2))).toThrow(/waiting/);
    expect(() => markDone(p, 'zzz', at(2))).toThrow(/not part of plan/);
  });
});
