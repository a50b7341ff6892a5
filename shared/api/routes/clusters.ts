/** /v1/clusters: the clusters, their accelerators and free capacity. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app.js';
import { clusterView } from '../views.js';

export function clusterRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  const view = (c: Parameters<typeof clusterView>[0]) =>
    clusterView(c, deps.ctx.clock.now(), deps.ctx.settings.heartbeatTimeoutMs);

  r.get('/', async (c) => c.json({ items: (await deps.clusters.list(c.get('principal'))).map(view) }));
  r.get('/:id', async (c) => c.json(view(await deps.clusters.get(c.get('principal'), c.req.param('id')))));
  return r;
}
