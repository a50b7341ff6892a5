/** /v1/queues: each queue, the clusters that drain it, and the caller's jobs waiting and started. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';

export function queueRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.get('/', async (c) => c.json(await deps.views.queues(c.get('principal'))));
  return r;
}
