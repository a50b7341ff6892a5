/** /v1/queues: each queue, the clusters that drain it, and the caller's jobs waiting and started. */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';

export function queueRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('clusters');
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listQueues',
      summary:
        "Each queue, the clusters that drain it, and the caller's jobs waiting in it and started from it",
      scope: 'jobs:read',
      responses: { 200: { description: 'the queues', schema: 'QueueList' } },
    },
    async (c) => c.json(await deps.views.queues(c.get('principal'))),
  );
  return r;
}
