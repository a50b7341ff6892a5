/**
 * Fleet maintenance plans: start one (validated, clusters resolved by id or label selector), read
 * them, pause, resume, cancel, mark a cluster's upgrade done; and `sweep`, which advances every
 * live plan — run by the control plane's periodic maintenance in Node and on the Worker's cron,
 * so a plan keeps going after a restart. Every write is compare-and-set on the plan's version.
 */
import { AppError, VersionConflictError, notFound } from '../base/errors.js';
import { newId } from '../base/clock.js';
import { fieldsError, issuesOf } from '../base/validation.js';
import { nowIso } from '../context/core-context.js';
import type { Cluster } from '../domain/cluster.js';
import type { MaintenancePlan } from '../domain/maintenance.js';
import { requireScope, type Principal } from '../domain/principal.js';
import type { DispatchContext } from '../dispatch/context.js';
import { jobsPlacedOn } from '../dispatch/failover.js';
import { isOffline } from '../placement/place.js';
import { applyActions, enqueuePlanWebhooks } from './apply.js';
import {
  advancePlan,
  cancelPlan,
  markDone,
  pausePlan,
  resumePlan,
  type Advance,
  type ClusterFacts,
} from './plan.js';
import { crossFieldIssues, maintenanceBodySchema } from './schema.js';

const LIVE = new Set(['running', 'paused']);

/** A plan as the API shows it: the webhook secret never leaves the store. */
export function planView(plan: MaintenancePlan) {
  const { upgrade, ...rest } = plan;
  return { ...rest, upgrade: upgrade.webhook ? { webhook: { url: upgrade.webhook.url } } : {} };
}

export function createMaintenanceService(ctx: DispatchContext, onCapacityFreed = () => {}) {
  async function facts(plan: MaintenancePlan): Promise<Map<string, ClusterFacts>> {
    const out = new Map<string, ClusterFacts>();
    const now = ctx.clock.now();
    for (const step of plan.steps) {
      const c = await ctx.store.clusters.get(step.clusterId);
      if (!c) continue;
      out.set(c.id, {
        state: c.state,
        ...(c.capacity?.version ? { version: c.capacity.version } : {}),
        ...(c.capacity ? { reportedAt: c.capacity.reportedAt } : {}),
        healthy: !!c.capacity && !isOffline(c, now, ctx.settings.heartbeatTimeoutMs),
        activeJobs: (await jobsPlacedOn(ctx, c.id)).length,
      });
    }
    return out;
  }

  /** Applies one change to the stored plan, retrying from a fresh read when another writer won. */
  async function change(
    id: string,
    step: (plan: MaintenancePlan) => Promise<Advance> | Advance,
  ): Promise<MaintenancePlan> {
    for (let tries = 0; tries < 10; tries++) {
      const plan = await ctx.store.maintenance.get(id);
      if (!plan) throw notFound(`maintenance plan ${id}`);
      const { plan: next, actions, changed } = await step(plan);
      if (!changed) return plan;
      const requeued = await applyActions(ctx, plan.id, actions);
      for (const [clusterId, jobs] of requeued) {
        const s = next.steps.find((x) => x.clusterId === clusterId);
        if (s) s.requeued = jobs;
      }
      await enqueuePlanWebhooks(ctx, plan, next);
      try {
        const stored = await ctx.store.maintenance.update(next);
        if (actions.some((a) => a.kind === 'uncordon' || a.kind === 'requeue')) onCapacityFreed();
        return stored;
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
      }
    }
    throw new VersionConflictError(`maintenance plan ${id}`);
  }

  async function resolveClusters(body: {
    clusters?: string[] | undefined;
    selector?: Record<string, string> | undefined;
  }): Promise<string[]> {
    const all = await ctx.store.clusters.list();
    if (body.clusters) {
      const known = new Set(all.map((c) => c.id));
      const unknown = body.clusters
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !known.has(id))
        .map(({ id, i }) => ({ path: `clusters.${i}`, message: `no cluster ${id} is registered` }));
      if (unknown.length) throw fieldsError('BAD_REQUEST', 'the plan is not valid', unknown);
      return body.clusters;
    }
    const want = Object.entries(body.selector ?? {});
    const matches = (c: Cluster) => want.every(([k, v]) => c.labels[k] === v);
    const ids = all.filter(matches).map((c) => c.id);
    if (ids.length === 0) {
      throw fieldsError('BAD_REQUEST', 'the plan is not valid', [
        { path: 'selector', message: 'no registered cluster has all of these labels' },
      ]);
    }
    return ids;
  }

  async function create(principal: Principal, body: unknown) {
    requireScope(principal, 'clusters:admin');
    const parsed = maintenanceBodySchema.safeParse(body);
    const issues = [...(parsed.success ? [] : issuesOf(parsed.error)), ...crossFieldIssues(body)];
    const url = parsed.success ? parsed.data.upgrade.webhook?.url : undefined;
    const refused = url !== undefined ? ctx.screenCallback?.(url) : undefined;
    if (refused) issues.push({ path: 'upgrade.webhook.url', message: refused });
    if (issues.length > 0 || !parsed.success) {
      throw fieldsError('BAD_REQUEST', 'the maintenance plan is not valid', issues);
    }
    const def = parsed.data;
    const clusters = await resolveClusters(def);
    const busy = (await ctx.store.maintenance.list())
      .filter((p) => LIVE.has(p.state))
      .flatMap((p) => p.steps.filter((s) => clusters.includes(s.clusterId)).map((s) => [p, s]));
    if (busy.length > 0) {
      const [p, s] = busy[0] as [MaintenancePlan, { clusterId: string }];
      throw new AppError(
        'CONFLICT',
        `cluster ${s.clusterId} is already in live maintenance plan ${p.id}; cancel it or wait for it to finish`,
      );
    }
    const at = nowIso(ctx);
    const plan: MaintenancePlan = {
      id: `mnt_${newId(ctx.clock)}`,
      tenantId: principal.tenantId,
      description: def.description,
      state: 'running',
      maxUnavailable: def.maxUnavailable,
      drainTimeoutSeconds: def.drainTimeoutSeconds,
      atDeadline: def.atDeadline,
      upgrade: def.upgrade.webhook ? { webhook: def.upgrade.webhook } : {},
      selector: def.clusters ? { clusters: def.clusters } : { labels: def.selector ?? {} },
      steps: clusters.map((clusterId) => ({ clusterId, state: 'waiting' })),
      events: [
        {
          at,
          type: 'plan.started',
          message: `started by ${principal.tokenId}: ${clusters.length} cluster(s), at most ${def.maxUnavailable} out at a time`,
        },
      ],
      createdBy: principal.tokenId,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await enqueuePlanWebhooks(ctx, undefined, plan);
    await ctx.store.maintenance.create(plan);
    ctx.log.info('maintenance plan started', { plan: plan.id, clusters });
    // The first clusters start now rather than at the next sweep.
    return change(plan.id, async (p) => advancePlan(p, await facts(p), nowIso(ctx)));
  }

  async function get(principal: Principal, id: string) {
    requireScope(principal, 'clusters:admin');
    const plan = await ctx.store.maintenance.get(id);
    if (!plan) throw notFound(`maintenance plan ${id}`);
    return plan;
  }

  const by = (p: Principal) => p.tokenId;
  const act = (principal: Principal, id: string, f: (p: MaintenancePlan) => Advance) => {
    requireScope(principal, 'clusters:admin');
    return change(id, f);
  };

  /** Advances every live plan once; returns how many changed. */
  async function sweep(): Promise<number> {
    let changed = 0;
    for (const plan of await ctx.store.maintenance.list()) {
      if (!LIVE.has(plan.state)) continue;
      try {
        const after = await change(plan.id, async (p) =>
          advancePlan(p, await facts(p), nowIso(ctx)),
        );
        if (after.version !== plan.version) changed++;
      } catch (e) {
        ctx.log.warn('maintenance plan sweep failed', { plan: plan.id, error: String(e) });
      }
    }
    return changed;
  }

  return {
    create,
    get,
    async list(principal: Principal) {
      requireScope(principal, 'clusters:admin');
      return ctx.store.maintenance.list();
    },
    pause: (p: Principal, id: string) => act(p, id, (x) => pausePlan(x, nowIso(ctx), by(p))),
    resume: (p: Principal, id: string) => act(p, id, (x) => resumePlan(x, nowIso(ctx), by(p))),
    cancel: (p: Principal, id: string) => act(p, id, (x) => cancelPlan(x, nowIso(ctx), by(p))),
    done: (p: Principal, id: string, cluster: string) =>
      act(p, id, (x) => markDone(x, cluster, nowIso(ctx))),
    sweep,
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
