/** `GET /v1/jobs/:id/deliveries`: a job's status webhook deliveries and dead letters. */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';

export function deliveryRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('jobs');
  r.add(
    {
      method: 'get',
      path: '/:id/deliveries',
      id: 'listJobDeliveries',
      summary: "The job's status webhook deliveries and dead letters",
      scope: 'jobs:read',
      responses: { 200: { description: 'the deliveries', schema: 'DeliveryList' } },
    },
    async (c) => c.json(await deps.views.deliveries(c.get('principal'), c.req.param('id'))),
  );
  return r;
}
