/**
 * The HTTP API: one Hono app, the same on Workers and on Node. Routes are thin: they authenticate,
 * parse, call a core service and shape the answer.
 */
import { Hono } from 'hono';
import type { Principal } from '../auth/principal.js';
import type { TokenAdmin } from '../auth/token-service.js';
import type { TokenService } from '../auth/tokens.js';
import type { HookService } from '../hooks/service.js';
import type { ClusterAdmin } from '../clusters/admin.js';
import type { ClusterService } from '../clusters/service.js';
import { AppError } from '../errors.js';
import { checkDocumentSize, checkJsonNesting } from '../nesting.js';
import type { CoreContext } from '../jobs/context.js';
import type { JobService } from '../jobs/service.js';
import type { ScheduleService } from '../schedules/service.js';
import type { ControlPlane } from '../drainer/control-port.js';
import { newId } from '../clock.js';
import { errorResponse, toAppError } from './envelope.js';
import type { Metrics } from './metrics.js';
import { limitBody } from './body-limit.js';
import { limitRate } from './partner-middleware.js';
import { createRateLimiter } from './rate-limit.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { hookIntakeId, hookRoutes } from './routes/hooks.js';
import { signingKeyRoutes, tokenRoutes } from './routes/tokens.js';
import { clusterRoutes } from './routes/clusters.js';
import { explainRoute, jobRoutes } from './routes/jobs.js';
import { metaRoutes } from './routes/meta.js';
import { openApiDocument } from './openapi/document.js';
import { scheduleRoutes } from './routes/schedules.js';
import { drainerRoutes } from './routes/drainer.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { policyRoutes } from './routes/policy.js';
import { queueRoutes } from './routes/queues.js';

export interface AppDeps {
  ctx: CoreContext;
  jobs: JobService;
  clusters: ClusterService;
  clusterAdmin: ClusterAdmin;
  schedules: ScheduleService;
  /** The control plane drainers report to (in-process here, over /v1/drainer for remote ones). */
  control: ControlPlane;
  /** Called when capacity may have freed (uncordon, policy change): admission runs again. */
  onCapacityChanged?: () => void;
  tokens: TokenService;
  tokenAdmin: TokenAdmin;
  hooks: HookService;
  /** Per-token (and per-hook) request rate; default 100/s with bursts of 200. */
  rateLimit?: { perSecond: number; burst: number };
  metrics: Metrics;
  /** Maximum request body in bytes. */
  maxBodyBytes?: number;
}

export type AppEnv = { Variables: { requestId: string; principal: Principal } };

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const requestId = `req_${newId(deps.ctx.clock)}`;
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
    deps.metrics.inc('switchyard_http_requests_total', 'HTTP requests by method and status', {
      method: c.req.method,
      status: String(c.res.status),
    });
  });

  app.use('/v1/*', limitBody(deps.maxBodyBytes ?? 256 * 1024));

  app.use('/v1/*', async (c, next) => {
    // Signed hook intake authenticates by its webhook signature, not a token.
    if (hookIntakeId(c.req.method, c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
    }
    c.set('principal', await deps.tokens.verify(match[1]!));
    await next();
  });
  const limiter = createRateLimiter({
    clock: deps.ctx.clock,
    perSecond: 100,
    burst: 200,
    ...deps.rateLimit,
  });
  app.use('/v1/*', limitRate(limiter));

  app.route('/', metaRoutes(deps));
  // Public: the OpenAPI 3.1 description of every route here, built once on first request.
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/v1', explainRoute(deps));
  app.route('/v1/jobs', jobRoutes(deps));
  app.route('/v1/jobs', deliveryRoutes(deps));
  app.route('/v1/tokens', tokenRoutes(deps));
  app.route('/v1/signing-keys', signingKeyRoutes(deps));
  app.route('/v1/hooks', hookRoutes(deps));
  app.route('/v1/clusters', clusterRoutes(deps));
  app.route('/v1/queues', queueRoutes(deps));
  app.route('/v1/schedules', scheduleRoutes(deps));
  app.route('/v1/drainer', drainerRoutes(deps));
  app.route('/v1/policy', policyRoutes(deps));
  app.route('/', dashboardRoutes());

  app.notFound((c) =>
    errorResponse(
      c,
      new AppError('NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );
  app.onError((err, c) =>
    errorResponse(c, toAppError(err, deps.ctx.log, c.get('requestId') ?? 'unknown')),
  );
  return app;
}

/**
 * Reads a JSON object body, with errors that say what is wrong. Nesting is checked before
 * parsing (NESTED_TOO_DEEP), and `maxChars` (when given) bounds the text (PAYLOAD_TOO_LARGE).
 */
export async function readJson(
  req: Request,
  limits: { maxChars?: number; what?: string } = {},
): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send the body as JSON with "Content-Type: application/json"',
    );
  }
  const text = await req.text();
  const what = limits.what ?? 'the request body';
  if (limits.maxChars !== undefined) checkDocumentSize(text, what, limits.maxChars);
  checkJsonNesting(text, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'the request body is not valid JSON');
  }
}
