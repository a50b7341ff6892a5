/**
 * What-if replay of a draft routing policy against the tenant's recent jobs (issue #18): reads the
 * jobs through the tenant's newest-first listing (only the projects the caller's token may use),
 * the policy in force, and this instance's cluster state and quota counters, then hands them to
 * the pure `replayPlacements`. Writes nothing and reserves nothing. See docs/policy.md.
 */
import { requireScope, type Principal } from '../domain/principal.js';
import type { Job } from '../domain/job.js';
import { iso } from '../base/clock.js';
import { compilePolicy, EMPTY_POLICY } from '../policy/compile.js';
import { parsePolicy, type Policy } from '../policy/schema.js';
import { parseIfMatch } from '../policy/requests.js';
import { readCurrent, staleRevision } from '../policy/versions.js';
import {
  parseDryRun,
  parseSimulateBody,
  parseSimulateWindow,
  type SimulateWindow,
} from '../policy/simulate-requests.js';
import { replayPlacements, type ReplayJob } from '../placement/replay.js';
import { projectSpendKey, tenantSpendKey } from '../placement/budget.js';
import { LayeredUsage } from '../placement/usage.js';
import { listVisibleJobs } from '../jobs/visible-list.js';
import type { DispatchContext } from './context.js';
import { preparedOf } from './cluster-state.js';

type WindowQuery = Parameters<typeof parseSimulateWindow>[0];
const PAGE = 500;

/** The caller's tenant's newest `limit` jobs within the window, returned oldest first. */
async function recentJobs(
  ctx: DispatchContext,
  principal: Principal,
  w: SimulateWindow,
): Promise<{ jobs: ReplayJob[]; since?: string }> {
  const since =
    w.sinceMinutes === undefined ? undefined : iso(ctx.clock.now() - w.sinceMinutes * 60_000);
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listVisibleJobs(ctx, principal, {
      limit: Math.min(PAGE, w.limit - jobs.length),
      ...(cursor !== undefined && { cursor }),
    });
    let old = false;
    for (const job of page.items) {
      if (since !== undefined && job.createdAt < since) {
        old = true;
        break;
      }
      jobs.push(job);
    }
    cursor = page.nextCursor;
    if (old || cursor === undefined || jobs.length >= w.limit) break;
  }
  const replay = jobs.reverse().map(({ id, tenantId, spec, createdAt }) => ({
    id,
    tenantId,
    spec,
    createdAt,
  }));
  return { jobs: replay, ...(since !== undefined && { since }) };
}

export function createPolicySimulator(ctx: DispatchContext) {
  async function run(principal: Principal, draft: Policy, q: WindowQuery, draftRevision?: number) {
    const window = parseSimulateWindow(q);
    const inForce = await readCurrent(ctx.store.settings);
    const t = principal.tenantId;
    const [recent, state, tenantUsage, projectUsage, tenantSpend, projectSpend] = await Promise.all(
      [
        recentJobs(ctx, principal, window),
        ctx.clusterState.recent(),
        ctx.store.usage.list(`tenant:${t}:`),
        ctx.store.usage.list(`project:${t}/`),
        ctx.store.usage.get([tenantSpendKey(t)]),
        ctx.store.usage.list(projectSpendKey(t, '')),
      ],
    );
    const now = ctx.clock.now();
    const result = replayPlacements({
      jobs: recent.jobs,
      clusters: preparedOf(state),
      current: inForce ? compilePolicy(inForce.document) : EMPTY_POLICY,
      draft: compilePolicy(draft),
      usage: new LayeredUsage(state.usage, {
        ...tenantUsage,
        ...projectUsage,
        ...tenantSpend,
        ...projectSpend,
      }),
      now,
      heartbeatTimeoutMs: ctx.settings.heartbeatTimeoutMs,
      maxChanges: window.maxChanges,
    });
    const newest = recent.jobs.at(-1)?.createdAt;
    return {
      tenantId: t,
      evaluatedAt: iso(now),
      inForce: {
        revision: inForce?.revision ?? 0,
        policyVersion: inForce?.document.version ?? null,
      },
      draft: { policyVersion: draft.version, ...(draftRevision && { revision: draftRevision }) },
      window: {
        limit: window.limit,
        ...(window.sinceMinutes !== undefined && { sinceMinutes: window.sinceMinutes }),
        oldest: recent.jobs[0]?.createdAt ?? null,
        newest: newest ?? null,
      },
      clusters: state.snapshots.length,
      ...result,
    };
  }

  return {
    /** `POST /v1/policy:simulate`: `{ document }` or `{ version }`, window in `q`. */
    async simulate(principal: Principal, body: unknown, q: WindowQuery) {
      requireScope(principal, 'policy:admin');
      const parsed = parseSimulateBody(body);
      if (parsed.version === undefined) return run(principal, parsePolicy(parsed.document), q);
      const kept = await ctx.policy.version(principal, String(parsed.version));
      return run(principal, kept.document, q, kept.revision);
    },

    /** `PUT /v1/policy?dryRun=true`: the same replay; nothing is stored. */
    async dryRun(
      principal: Principal,
      doc: unknown,
      q: WindowQuery & { dryRun: string; ifMatch?: string | undefined },
    ) {
      requireScope(principal, 'policy:admin');
      parseDryRun(q.dryRun);
      const draft = parsePolicy(doc);
      const expect = parseIfMatch(q.ifMatch);
      if (expect !== undefined) {
        const now = (await ctx.policy.get(principal)).revision;
        if (now !== expect) throw staleRevision(expect, now);
      }
      return { dryRun: true, stored: false, ...(await run(principal, draft, q)) };
    },
  };
}

export type PolicySimulator = ReturnType<typeof createPolicySimulator>;
