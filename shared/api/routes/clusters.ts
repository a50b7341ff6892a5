/** /v1/clusters: the clusters, their accelerators and free capacity; register, cordon, drain. */
import { Hono } from 'hono';
import type { Cluster } from '../../domain/cluster.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { clusterView } from '../views.js';

export function clusterRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  const view = (c: Cluster) =>
    clusterView(c, deps.ctx.clock.now(), deps.ctx.settings.heartbeatTimeoutMs);

  r.get('/', async (c) =>
    c.json({ items: (await deps.clusters.list(c.get('principal'))).map(view) }),
  );
  r.get('/:id', async (c) =>
    c.json(view(await deps.clusters.get(c.get('principal'), c.req.param('id')))),
  );

  r.put('/:id', async (c) => {
    const { cluster, created } = await deps.clusterAdmin.upsert(
      c.get('principal'),
      c.req.param('id'),
      await readJson(c.req.raw),
    );
    return c.json(view(cluster), created ? 201 : 200);
  });
  r.post('/:id/cordon', async (c) =>
    c.json(view(await deps.clusterAdmin.cordon(c.get('principal'), c.req.param('id')))),
  );
  r.post('/:id/uncordon', async (c) => {
    const cluster = await deps.clusterAdmin.uncordon(c.get('principal'), c.req.param('id'));
    deps.onCapacityChanged?.();
    return c.json(view(cluster));
  });
  r.post('/:id/drain', async (c) => {
    const report = await deps.clusterAdmin.drain(c.get('principal'), c.req.param('id'));
    return c.json({
      cluster: view(report.cluster),
      moved: report.moved,
      remaining: report.remaining,
    });
  });
  return r;
}
