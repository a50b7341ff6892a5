/**
 * The rolling-upgrade state machine, pure: given a plan, what each of its clusters looks like now
 * and the time, it says the plan's next record and the side effects to carry out (drain, requeue,
 * uncordon). Kept free of I/O so the rule that matters — never more than `maxUnavailable`
 * clusters out at once — is tested directly, and the sweep that applies it is thin.
 */
import { AppError } from '../base/errors.js';
import type { ClusterAdminState } from '../domain/cluster.js';
import { OUT_OF_SERVICE, type MaintenancePlan, type PlanStep } from '../domain/maintenance.js';

/** What the sweep knows about one cluster of the plan. */
export interface ClusterFacts {
  state: ClusterAdminState;
  /** The version its target last reported (kubelet version, Slurm version). */
  version?: string;
  reportedAt?: string;
  /** Its heartbeat is fresh. */
  healthy: boolean;
  /** Jobs placed there that have not ended. */
  activeJobs: number;
}

export type PlanAction =
  | { kind: 'drain'; clusterId: string }
  | { kind: 'requeue'; clusterId: string }
  | { kind: 'uncordon'; clusterId: string };

export interface Advance {
  plan: MaintenancePlan;
  actions: PlanAction[];
  /** True when the record changed and must be written. */
  changed: boolean;
}

export const outOfService = (plan: MaintenancePlan) =>
  plan.steps.filter((s) => OUT_OF_SERVICE.has(s.state)).length;

/** One pass: finish drains, notice upgrades that completed, start clusters while there is room. */
export function advancePlan(
  plan: MaintenancePlan,
  facts: ReadonlyMap<string, ClusterFacts>,
  now: string,
): Advance {
  if (plan.state !== 'running' && plan.state !== 'paused') {
    return { plan, actions: [], changed: false };
  }
  const b = builder(plan, now);
  for (const step of b.plan.steps) {
    const f = facts.get(step.clusterId);
    if (step.state === 'draining') drainStep(b, step, f);
    else if (step.state === 'upgrading') upgradeStep(b, step, f);
  }
  if (b.plan.state === 'running') {
    for (const step of b.plan.steps) {
      if (outOfService(b.plan) >= b.plan.maxUnavailable) break;
      if (step.state !== 'waiting') continue;
      const f = facts.get(step.clusterId);
      if (!f) {
        b.set(step, { state: 'cancelled' });
        b.event('cluster.skipped', `cluster ${step.clusterId} no longer exists`, step.clusterId);
        continue;
      }
      const deadline = new Date(Date.parse(now) + plan.drainTimeoutSeconds * 1000).toISOString();
      b.set(step, {
        state: 'draining',
        // A cluster an operator cordoned by hand stays cordoned after the plan; one found
        // draining was (most likely) drained by this plan on another instance a moment ago.
        cordoned: f.state !== 'cordoned',
        drainStartedAt: now,
        drainDeadline: deadline,
      });
      b.actions.push({ kind: 'drain', clusterId: step.clusterId });
      b.event(
        'cluster.draining',
        `cluster ${step.clusterId} is cordoned and draining ${f.activeJobs} job(s) (deadline ${deadline})`,
        step.clusterId,
      );
    }
  }
  succeedIfDone(b);
  return b.result();
}

function succeedIfDone(b: Builder): void {
  if (b.plan.steps.every((s) => s.state === 'done' || s.state === 'cancelled')) {
    b.plan.state = 'succeeded';
    b.event('plan.succeeded', `every cluster of the plan is upgraded and back in service`);
  }
}

type Builder = ReturnType<typeof builder>;

function builder(plan: MaintenancePlan, now: string) {
  const next: MaintenancePlan = structuredClone(plan);
  const actions: PlanAction[] = [];
  let changed = false;
  return {
    plan: next,
    actions,
    now,
    set(step: PlanStep, patch: Partial<PlanStep>) {
      Object.assign(step, patch);
      changed = true;
    },
    event(type: string, message: string, clusterId?: string) {
      next.events.push({ at: now, type, message, ...(clusterId ? { clusterId } : {}) });
      changed = true;
    },
    result(): Advance {
      if (changed) next.updatedAt = now;
      return { plan: changed ? next : plan, actions, changed };
    },
  };
}

function drainStep(b: Builder, step: PlanStep, f: ClusterFacts | undefined): void {
  const id = step.clusterId;
  if (!f || f.activeJobs === 0) {
    b.set(step, {
      state: 'upgrading',
      upgradeRequestedAt: b.now,
      ...(f?.version ? { fromVersion: f.version } : {}),
    });
    b.event(
      'cluster.upgrade-requested',
      `cluster ${id} is drained: upgrade it (now at ${f?.version ?? 'an unreported version'})`,
      id,
    );
    return;
  }
  if (step.drainDeadline && b.now >= step.drainDeadline && step.requeued === undefined) {
    if (b.plan.atDeadline === 'requeue') {
      b.actions.push({ kind: 'requeue', clusterId: id });
      b.set(step, { requeued: [] });
      b.event(
        'cluster.deadline',
        `${f.activeJobs} job(s) still on ${id} at the drain deadline: requeued elsewhere`,
        id,
      );
    } else {
      b.set(step, { requeued: [] });
      b.event(
        'cluster.deadline',
        `${f.activeJobs} job(s) still on ${id} at the drain deadline: waiting for them`,
        id,
      );
    }
  }
}

function upgradeStep(b: Builder, step: PlanStep, f: ClusterFacts | undefined): void {
  if (!f?.version || f.version === step.fromVersion || !f.healthy) return;
  if (!f.reportedAt || !step.upgradeRequestedAt || f.reportedAt <= step.upgradeRequestedAt) return;
  finish(b, step, 'version', f.version);
}

function finish(b: Builder, step: PlanStep, by: 'version' | 'operator', version?: string): void {
  b.set(step, { state: 'done', doneBy: by, doneAt: b.now, ...(version && { toVersion: version }) });
  if (step.cordoned) b.actions.push({ kind: 'uncordon', clusterId: step.clusterId });
  const how = by === 'version' ? `reports ${version} with a healthy heartbeat` : 'marked done';
  b.event('cluster.done', `cluster ${step.clusterId} ${how}: back in service`, step.clusterId);
}

function stepOf(plan: MaintenancePlan, clusterId: string): PlanStep {
  const step = plan.steps.find((s) => s.clusterId === clusterId);
  if (!step) {
    throw new AppError('NOT_FOUND', `cluster ${clusterId} is not part of plan ${plan.id}`);
  }
  return step;
}

function requireActive(plan: MaintenancePlan, what: string): void {
  if (plan.state !== 'running' && plan.state !== 'paused') {
    throw new AppError('INVALID_STATE', `plan ${plan.id} is ${plan.state}: it cannot ${what}`, {
      details: { state: plan.state },
    });
  }
}

/** The operator says a cluster's upgrade is done (instead of waiting for its new version). */
export function markDone(plan: MaintenancePlan, clusterId: string, now: string): Advance {
  requireActive(plan, 'take a done');
  const b = builder(plan, now);
  const step = stepOf(b.plan, clusterId);
  if (step.state !== 'upgrading') {
    throw new AppError(
      'INVALID_STATE',
      `cluster ${clusterId} is ${step.state} in plan ${plan.id}; only a cluster being upgraded (drained, upgrade requested) can be marked done`,
      { details: { state: step.state } },
    );
  }
  finish(b, step, 'operator');
  succeedIfDone(b);
  return b.result();
}

/** Pause: no cluster is started; clusters already out still finish and come back. */
export function pausePlan(plan: MaintenancePlan, now: string, by: string): Advance {
  requireActive(plan, 'be paused');
  const b = builder(plan, now);
  if (plan.state === 'paused') return b.result();
  b.plan.state = 'paused';
  b.event('plan.paused', `paused by ${by}: no further cluster is started`);
  return b.result();
}

export function resumePlan(plan: MaintenancePlan, now: string, by: string): Advance {
  requireActive(plan, 'be resumed');
  const b = builder(plan, now);
  if (plan.state === 'running') return b.result();
  b.plan.state = 'running';
  b.event('plan.resumed', `resumed by ${by}`);
  return b.result();
}

/** Cancel: every cluster the plan took out and cordoned is uncordoned; nothing else starts. */
export function cancelPlan(plan: MaintenancePlan, now: string, by: string): Advance {
  requireActive(plan, 'be cancelled');
  const b = builder(plan, now);
  for (const step of b.plan.steps) {
    if (step.state === 'done' || step.state === 'cancelled') continue;
    const wasOut = OUT_OF_SERVICE.has(step.state);
    b.set(step, { state: 'cancelled' });
    if (wasOut && step.cordoned) {
      b.actions.push({ kind: 'uncordon', clusterId: step.clusterId });
      b.event('cluster.uncordoned', `cluster ${step.clusterId} is back in service`, step.clusterId);
    }
  }
  b.plan.state = 'cancelled';
  b.event('plan.cancelled', `cancelled by ${by}`);
  return b.result();
}
