/**
 * Unauthenticated endpoints: health, metrics, JWKS, the error code reference. `/metrics` without a token shows only
 * aggregate HTTP counts; job figures need a bearer token with `metrics:read` (an admin-tenant
 * scope), so nobody learns a platform's or a tenant's job volume from an open port.
 */
import type { Context } from 'hono';
import { requireScope } from '../../domain/principal.js';
import { AppError } from '../../base/errors.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../error-docs.js';
import { describedRoutes } from '../../http/route-def.js';

const PUBLIC = { auth: 'none', tag: 'meta' } as const;
const text = (contentType: string, description = 'the page') => ({
  200: { description, schema: { type: 'string' }, contentType },
});

/** Whether the caller showed a token with `metrics:read`; a token without it is 401/403. */
async function mayReadJobFigures(deps: AppDeps, c: Context<AppEnv>): Promise<boolean> {
  const header = c.req.header('authorization');
  if (header === undefined) return false;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new AppError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
  }
  requireScope(await deps.tokens.verify(match[1]!), 'metrics:read');
  return true;
}

export function metaRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('meta');

  r.add(
    {
      ...PUBLIC,
      method: 'get',
      path: '/healthz',
      id: 'getHealth',
      summary: 'Health, with the store and queue drivers',
      responses: { 200: { description: 'healthy', schema: 'Health' } },
    },
    (c) => c.json({ status: 'ok', store: deps.ctx.store.driver, queue: deps.ctx.queue.driver }),
  );

  // Where every error envelope's `docs` points: a static page, no script.
  r.add(
    {
      ...PUBLIC,
      method: 'get',
      path: ERROR_DOCS_PATH,
      id: 'getErrorDocs',
      summary:
        'Every error code: what it means, what to do (anchors #CODE; the envelope links here)',
      responses: text('text/html'),
    },
    (c) =>
      c.html(renderErrorDocs(), 200, {
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      }),
  );

  r.add(
    {
      ...PUBLIC,
      method: 'get',
      path: '/.well-known/jwks.json',
      id: 'getJwks',
      summary: 'The public keys that verify API tokens',
      responses: { 200: { description: 'a JSON Web Key Set', schema: 'Jwks' } },
    },
    async (c) => c.json(await deps.tokens.jwks()),
  );

  r.add(
    {
      ...PUBLIC,
      method: 'get',
      path: '/metrics',
      id: 'getMetrics',
      summary: 'Prometheus metrics (job figures only with a metrics:read token)',
      responses: text('text/plain; version=0.0.4', 'the Prometheus text format'),
    },
    async (c) => {
      if (!(await mayReadJobFigures(deps, c))) {
        return c.text(deps.metrics.render([], { publicOnly: true }), 200, {
          'content-type': 'text/plain; version=0.0.4',
        });
      }
      const counts = await deps.jobs.activeCounts();
      const gauges = Object.entries(counts).map(([state, value]) => ({
        name: 'switchyard_jobs_active',
        help: 'Jobs not yet ended, by state',
        labels: { state },
        value,
      }));
      return c.text(deps.metrics.render(gauges), 200, {
        'content-type': 'text/plain; version=0.0.4',
      });
    },
  );

  return r;
}
