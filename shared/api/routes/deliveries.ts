/** `GET /v1/jobs/:id/deliveries`: a job's status webhook deliveries and dead letters. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';

export function deliveryRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.get('/:id/deliveries', async (c) =>
    c.json(await deps.views.deliveries(c.get('principal'), c.req.param('id'))),
  );
  return r;
}
