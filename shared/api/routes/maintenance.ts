/**
 * /v1/maintenance: rolling fleet maintenance plans — start one, follow its progress, pause,
 * resume or cancel it, and say a cluster's upgrade is done. The sweep that advances plans runs in
 * the control plane's periodic maintenance (Node timer, Worker cron), not in these routes.
 */
import { describedRoutes } from '../../http/route-def.js';
import { planView } from '../../maintenance/service.js';
import { maintenanceBodySchema } from '../../maintenance/schema.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';

const THE_PLAN = { 200: { description: 'the plan', schema: 'MaintenancePlan' } };
/** `:` starts a path parameter in Hono, so `{id}:pause` is matched with one pattern. */
const ACTIONS = ['pause', 'resume', 'cancel'] as const;
const SUMMARY = {
  pause: 'Pause a plan: start no further cluster (those out still finish)',
  resume: 'Resume a paused plan',
  cancel: 'Cancel a plan: give back every cluster it cordoned, start no other',
};

export function maintenanceRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('maintenance');
  const plans = deps.maintenancePlans;
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listMaintenancePlans',
      summary: 'Maintenance plans, with progress per cluster',
      scope: 'clusters:admin',
      responses: { 200: { description: 'the plans', schema: 'MaintenancePlanList' } },
    },
    async (c) => c.json({ items: (await plans.list(c.get('principal'))).map(planView) }),
  );
  r.add(
    {
      method: 'post',
      path: '/',
      id: 'startMaintenancePlan',
      summary: 'Start a rolling upgrade over clusters (ids or a label selector)',
      scope: 'clusters:admin',
      body: { name: 'MaintenancePlanBody', schema: maintenanceBodySchema },
      responses: { 201: { description: 'started', schema: 'MaintenancePlan' } },
      errors: [409],
    },
    async (c) => {
      const plan = await plans.create(c.get('principal'), await readJson(c.req.raw));
      return c.json(planView(plan), 201);
    },
  );
  r.add(
    {
      method: 'get',
      path: '/:id',
      id: 'getMaintenancePlan',
      summary: 'One plan: progress per cluster and its events',
      scope: 'clusters:admin',
      responses: THE_PLAN,
    },
    async (c) => c.json(planView(await plans.get(c.get('principal'), c.req.param('id')))),
  );
  for (const action of ACTIONS) {
    r.add(
      {
        method: 'post',
        path: `/:id{mnt_[0-9a-z]+:${action}}`,
        id: `${action}MaintenancePlan`,
        summary: SUMMARY[action],
        scope: 'clusters:admin',
        responses: THE_PLAN,
        errors: [409],
      },
      async (c) => {
        const id = c.req.param('id').slice(0, -(action.length + 1));
        const plan = await plans[action](c.get('principal'), id);
        if (action !== 'pause') deps.onCapacityChanged?.();
        return c.json(planView(plan));
      },
    );
  }
  r.add(
    {
      method: 'post',
      path: '/:id/clusters/:cluster/done',
      id: 'markMaintenanceDone',
      summary: "Say a drained cluster's upgrade is done: it is uncordoned and the plan moves on",
      scope: 'clusters:admin',
      responses: THE_PLAN,
      errors: [409],
    },
    async (c) => {
      const p = c.get('principal');
      const plan = await plans.done(p, c.req.param('id'), c.req.param('cluster'));
      deps.onCapacityChanged?.();
      return c.json(planView(plan));
    },
  );
  return r;
}
