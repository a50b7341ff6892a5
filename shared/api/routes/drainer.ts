/** /v1/drainer: what remote drainers call — claim a dispatch, report status, report capacity. */
import { Hono } from 'hono';
import { requireScope } from '../../domain/principal.js';
import {
  capacitySchema,
  claimSchema,
  parseDrainerRequest as parse,
  reportSchema,
} from '../../protocol/schemas.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';

export function drainerRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.use('*', async (c, next) => {
    requireScope(c.get('principal'), 'drainer');
    await next();
  });
  r.post('/claim', async (c) =>
    c.json(await deps.control.claim(parse(claimSchema, await readJson(c.req.raw)))),
  );
  r.post('/report', async (c) => {
    const { reason, message, ...rest } = parse(reportSchema, await readJson(c.req.raw));
    return c.json(
      await deps.control.report({
        ...rest,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
      }),
    );
  });
  r.post('/heartbeat', async (c) => {
    const { clusterId, capacity } = parse(capacitySchema, await readJson(c.req.raw));
    await deps.control.heartbeat(clusterId, capacity);
    return c.body(null, 204);
  });
  return r;
}
