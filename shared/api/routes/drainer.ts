/**
 * /v1/drainer: what remote drainers call — claim a dispatch, report status and capacity, ship logs,
 * list the jobs expected on a cluster and ask where a job's log streams stand (for a drainer without
 * a watch or memory), and lease and settle queue messages for a drainer without access to its queue
 * (`drainer-lease.ts`).
 */
import { requireScope } from '../../domain/principal.js';
import { describedRoutes } from '../../http/route-def.js';
import {
  capacitySchema,
  claimSchema,
  expectedSchema,
  parseDrainerRequest as parse,
  reportSchema,
} from '../../protocol/schemas.js';
import { logPositionsSchema, logShipmentSchema } from '../../protocol/logs.js';
import { AppError } from '../../base/errors.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { addLeaseRoutes } from './drainer-lease.js';

export function drainerRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('drainer');
  r.hono.use('*', async (c, next) => {
    requireScope(c.get('principal'), 'drainer');
    await next();
  });
  r.add(
    {
      method: 'post',
      path: '/claim',
      id: 'drainerClaim',
      summary: 'Claim a dispatched job before creating it',
      scope: 'drainer',
      body: { name: 'DrainerClaim', schema: claimSchema },
      responses: { 200: { description: 'whether to proceed', schema: 'ClaimAnswer' } },
      errors: [409],
    },
    async (c) => c.json(await deps.control.claim(parse(claimSchema, await readJson(c.req.raw)))),
  );
  r.add(
    {
      method: 'post',
      path: '/report',
      id: 'drainerReport',
      summary: "Report a Kubernetes Job's status",
      scope: 'drainer',
      body: { name: 'DrainerReport', schema: reportSchema },
      responses: {
        200: { description: 'what to do with the Kubernetes Job', schema: 'ReportAnswer' },
      },
      errors: [409],
    },
    async (c) => {
      const { reason, message, ...rest } = parse(reportSchema, await readJson(c.req.raw));
      return c.json(
        await deps.control.report({
          ...rest,
          ...(reason ? { reason } : {}),
          ...(message ? { message } : {}),
        }),
      );
    },
  );
  r.add(
    {
      method: 'post',
      path: '/heartbeat',
      id: 'drainerHeartbeat',
      summary: "Report a cluster's live GPU capacity",
      scope: 'drainer',
      body: { name: 'DrainerHeartbeat', schema: capacitySchema },
      responses: { 204: { description: 'recorded' } },
      errors: [409],
    },
    async (c) => {
      const { clusterId, capacity } = parse(capacitySchema, await readJson(c.req.raw));
      await deps.control.heartbeat(clusterId, capacity);
      return c.body(null, 204);
    },
  );
  r.add(
    {
      method: 'post',
      path: '/logs',
      id: 'drainerLogs',
      summary: "Ship a chunk of a job's output",
      scope: 'drainer',
      body: { name: 'DrainerLogs', schema: logShipmentSchema },
      responses: { 200: { description: 'lines stored, and where the next chunk starts' } },
      errors: [409],
    },
    async (c) => {
      const chunk = parse(logShipmentSchema, await readJson(c.req.raw));
      if (!deps.control.shipLogs)
        throw new AppError('NOT_FOUND', 'this control plane keeps no logs');
      return c.json(await deps.control.shipLogs(chunk));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/log-positions',
      id: 'drainerLogPositions',
      summary: "Where each of a job's log streams stands (lines stored per pod)",
      scope: 'drainer',
      body: { name: 'DrainerLogPositions', schema: logPositionsSchema },
      responses: { 200: { description: '{ streams: { <pod name>: <lines stored> } }' } },
      errors: [409],
    },
    async (c) => {
      const request = parse(logPositionsSchema, await readJson(c.req.raw));
      if (!deps.control.logPositions)
        throw new AppError('NOT_FOUND', 'this control plane keeps no logs');
      return c.json(await deps.control.logPositions(request));
    },
  );
  r.add(
    {
      method: 'post',
      path: '/expected',
      id: 'drainerExpected',
      summary:
        'The jobs expected to have a live Kubernetes Job on a cluster (submitted or running)',
      scope: 'drainer',
      body: { name: 'DrainerExpected', schema: expectedSchema },
      responses: { 200: { description: '{ items: [{ jobId, attempt, namespace, kubeName }] }' } },
      errors: [409],
    },
    async (c) => {
      const { clusterId } = parse(expectedSchema, await readJson(c.req.raw));
      if (!deps.control.expected)
        throw new AppError('NOT_FOUND', 'this control plane does not list expected jobs');
      return c.json({ items: await deps.control.expected(clusterId) });
    },
  );
  addLeaseRoutes(r, deps);
  return r;
}
