/**
 * The HTTP API: one Hono app, the same on Workers and on Node. Routes are thin: they authenticate,
 * parse, call a core service and shape the answer. Each describes itself (../http/route-def.ts);
 * `/openapi.json` is generated from the descriptions of the routes mounted here.
 */
import { Hono, type Env } from 'hono';
import type { AppDeps, AppEnv } from './deps.js';
import { AppError } from '../base/errors.js';
import { newId } from '../base/clock.js';
import { clientClosed, isClientAbort } from './client-abort.js';
import { errorResponse, toAppError } from './envelope.js';
import { limitBody } from './body-limit.js';
import { createHookLimits } from './hook-limits.js';
import { authenticate } from './partner-middleware.js';
import { createRateLimiter } from './rate-limit.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { jobLogRoutes } from './routes/job-logs.js';
import { hookRoutes } from './routes/hooks.js';
import { signingKeyRoutes, tokenRoutes } from './routes/tokens.js';
import { clusterRoutes } from './routes/clusters.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { explainRoute, jobRoutes } from './routes/jobs.js';
import { metaRoutes } from './routes/meta.js';
import { openApiDocument } from './openapi/document.js';
import {
  describedRoutes,
  mountDescribed,
  type DescribedRoutes,
  type MountedRoute,
} from '../http/route-def.js';
import { scheduleRoutes } from './routes/schedules.js';
import { drainerRoutes } from './routes/drainer.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { policyRollbackRoute, policyRoutes } from './routes/policy.js';
import { policySimulateRoute } from './routes/policy-simulate.js';
import { queueRoutes } from './routes/queues.js';
import { accountRoutes } from './routes/account.js';
import { routeTemplate } from './route-template.js';
import { StaticMemoRouter } from '../http/memo-router.js';

/** Public: the OpenAPI 3.1 description of every route mounted, built once on first request. */
function openApiRoute(mounted: readonly MountedRoute[]) {
  const r = describedRoutes<AppEnv>('meta');
  r.add(
    {
      method: 'get',
      path: '/openapi.json',
      id: 'getOpenApi',
      summary: 'This description of the API',
      auth: 'none',
      responses: { 200: { description: 'an OpenAPI 3.1 document', schema: { type: 'object' } } },
    },
    (c) => c.json(openApiDocument(mounted)),
  );
  return r;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  // Static paths (the submit's `POST /v1/jobs`) are matched once, not on every request.
  const app = new Hono<AppEnv>({ router: new StaticMemoRouter() });

  app.use('*', async (c, next) => {
    const requestId = `req_${newId(deps.ctx.clock)}`;
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
    deps.metrics.inc(
      'switchyard_http_requests_total',
      'HTTP requests by method, route template and status',
      { method: c.req.method, route: routeTemplate(c), status: String(c.res.status) },
    );
  });

  app.use('/v1/*', limitBody(deps.maxBodyBytes ?? 256 * 1024));

  const limiter = createRateLimiter({
    clock: deps.ctx.clock,
    perSecond: 100,
    burst: 200,
    ...deps.rateLimit,
  });
  app.use('/v1/*', authenticate(deps.tokens, limiter));
  const hookLimits = createHookLimits(
    limiter,
    createRateLimiter({ clock: deps.ctx.clock, perSecond: 100, burst: 200, ...deps.rateLimit }),
  );

  const described: MountedRoute[] = [];
  const mount = <S extends Env>(prefix: string, routes: DescribedRoutes<S>) =>
    described.push(...mountDescribed(app, prefix, routes));
  mount('/', metaRoutes(deps));
  mount('/', openApiRoute(described));
  mount('/v1', explainRoute(deps));
  mount('/v1/jobs', jobRoutes(deps));
  mount('/v1/jobs', deliveryRoutes(deps));
  mount('/v1/jobs', jobLogRoutes(deps));
  mount('/v1/tokens', tokenRoutes(deps));
  mount('/v1/signing-keys', signingKeyRoutes(deps));
  mount('/v1/hooks', hookRoutes(deps, hookLimits));
  mount('/v1/clusters', clusterRoutes(deps));
  mount('/v1/maintenance', maintenanceRoutes(deps));
  mount('/v1/queues', queueRoutes(deps));
  mount('/v1', accountRoutes(deps));
  mount('/v1/schedules', scheduleRoutes(deps));
  mount('/v1/drainer', drainerRoutes(deps));
  mount('/v1/policy', policyRoutes(deps));
  mount('/v1', policyRollbackRoute(deps));
  mount('/v1', policySimulateRoute(deps));
  mount('/', dashboardRoutes());

  app.notFound((c) =>
    errorResponse(
      c,
      new AppError('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
      deps.publicUrl,
    ),
  );
  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    if (isClientAbort(err, c.req.raw)) return clientClosed(c, err, deps.ctx.log, requestId);
    return errorResponse(c, toAppError(err, deps.ctx.log, requestId), deps.publicUrl);
  });
  return app;
}
