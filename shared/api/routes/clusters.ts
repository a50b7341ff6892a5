/** /v1/clusters: the clusters, their accelerators and free capacity; register, cordon, drain. */
import type { Cluster } from '../../domain/cluster.js';
import { clusterBodySchema } from '../../dispatch/cluster-admin.js';
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { clusterView } from '../views.js';

const THE_CLUSTER = { 200: { description: 'the cluster', schema: 'Cluster' } };

export function clusterRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('clusters');
  const view = (c: Cluster) =>
    clusterView(c, deps.ctx.clock.now(), deps.ctx.settings.heartbeatTimeoutMs);

  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listClusters',
      summary: 'Clusters, accelerators, free GPUs and status',
      scope: 'jobs:read',
      responses: { 200: { description: 'the clusters', schema: 'ClusterList' } },
    },
    async (c) => c.json({ items: (await deps.clusters.list(c.get('principal'))).map(view) }),
  );
  r.add(
    {
      method: 'get',
      path: '/:id',
      id: 'getCluster',
      summary: 'One cluster',
      scope: 'jobs:read',
      responses: THE_CLUSTER,
    },
    async (c) => c.json(view(await deps.clusters.get(c.get('principal'), c.req.param('id')))),
  );

  r.add(
    {
      method: 'put',
      path: '/:id',
      id: 'putCluster',
      summary: 'Register or update a cluster',
      scope: 'clusters:admin',
      body: { name: 'ClusterBody', schema: clusterBodySchema },
      responses: {
        200: { description: 'updated', schema: 'Cluster' },
        201: { description: 'registered', schema: 'Cluster' },
      },
      errors: [409],
    },
    async (c) => {
      const { cluster, created } = await deps.clusterAdmin.upsert(
        c.get('principal'),
        c.req.param('id'),
        await readJson(c.req.raw),
      );
      return c.json(view(cluster), created ? 201 : 200);
    },
  );
  r.add(
    {
      method: 'post',
      path: '/:id/cordon',
      id: 'cordonCluster',
      summary: 'Stop new work going to the cluster',
      scope: 'clusters:admin',
      responses: THE_CLUSTER,
      errors: [409],
    },
    async (c) =>
      c.json(view(await deps.clusterAdmin.cordon(c.get('principal'), c.req.param('id')))),
  );
  r.add(
    {
      method: 'post',
      path: '/:id/uncordon',
      id: 'uncordonCluster',
      summary: 'Take new work again',
      scope: 'clusters:admin',
      responses: THE_CLUSTER,
      errors: [409],
    },
    async (c) => {
      const cluster = await deps.clusterAdmin.uncordon(c.get('principal'), c.req.param('id'));
      deps.onCapacityChanged?.();
      return c.json(view(cluster));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/:id/drain',
      id: 'drainCluster',
      summary: 'Cordon, and move work not yet created there elsewhere',
      scope: 'clusters:admin',
      responses: {
        200: { description: 'what moved and what still runs there', schema: 'DrainReport' },
      },
      errors: [409],
    },
    async (c) => {
      const report = await deps.clusterAdmin.drain(c.get('principal'), c.req.param('id'));
      return c.json({
        cluster: view(report.cluster),
        moved: report.moved,
        remaining: report.remaining,
      });
    },
  );
  return r;
}
