/**
 * `GET /v1/jobs/:id/deliveries`: a job's status webhook deliveries and dead letters;
 * `POST /v1/jobs/:id/deliveries:redrive`: its dead letters sent again (shared/webhooks/redrive.ts).
 */
import { describedRoutes } from '../../http/route-def.js';
import { redriveJobDeliveries, redriveRequestSchema } from '../../webhooks/redrive.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';

/** The body is optional: none (or only whitespace) means "every dead letter". */
async function optionalJson(req: Request): Promise<unknown> {
  const text = await req.clone().text();
  return text.trim() === '' ? undefined : readJson(req);
}

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
  // `:` starts a path parameter in Hono, so the colon form is matched with a pattern.
  r.add(
    {
      method: 'post',
      path: '/:id/:op{deliveries:redrive}',
      id: 'redriveJobDeliveries',
      summary:
        "Send the job's dead-lettered status webhooks again (all, or the named ones); " +
        'answers 202 also when there was none (redriven: 0)',
      scope: 'jobs:submit',
      body: { name: 'DeliveryRedriveRequest', schema: redriveRequestSchema, required: false },
      responses: {
        202: { description: 'the deliveries put back to pending', schema: 'DeliveryRedrive' },
      },
    },
    async (c) => {
      const body = await optionalJson(c.req.raw);
      const id = c.req.param('id');
      return c.json(await redriveJobDeliveries(deps.ctx, c.get('principal'), id, body), 202);
    },
  );
  return r;
}
