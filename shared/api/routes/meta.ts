/**
 * Unauthenticated endpoints: health, JWKS, the error code reference; and `/metrics`, which is not
 * open: it needs a bearer token with `metrics:read` (an admin-tenant scope), and its per-tenant
 * series `metrics:tenants` as well, so nobody learns a platform's or a tenant's job volume from an
 * open port.
 */
import type { Context } from 'hono';
import { requireScope } from '../../domain/principal.js';
import { AppError } from '../../base/errors.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../error-docs.js';
import { describedRoutes } from '../../http/route-def.js';
import { scrapeGauges } from '../metrics-gauges.js';

const PUBLIC = { auth: 'none', tag: 'meta' } as const;
const text = (contentType: string, description = 'the page') => ({
  200: { description, schema: { type: 'string' }, contentType },
});

/**
 * The caller's token must hold `metrics:read`: no token is 401, a token without it 403. Answers
 * whether it also holds `metrics:tenants`, which adds the series with a tenant label.
 */
async function metricsReader(deps: AppDeps, c: Context<AppEnv>): Promise<{ tenants: boolean }> {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match) {
    throw new AppError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
  }
  const principal = await deps.tokens.verify(match[1]!);
  requireScope(principal, 'metrics:read');
  return { tenants: principal.scopes.has('metrics:tenants') };
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
      method: 'get',
      path: '/metrics',
      id: 'getMetrics',
      tag: 'meta',
      scope: 'metrics:read',
      also: 'series with a tenant label only with metrics:tenants as well',
      summary: 'Prometheus metrics (docs/metrics.md lists the series)',
      responses: text('text/plain; version=0.0.4', 'the Prometheus text format'),
    },
    async (c) => {
      const reader = await metricsReader(deps, c);
      const gauges = await scrapeGauges(deps.ctx, reader);
      return c.text(deps.metrics.render(gauges), 200, {
        'content-type': 'text/plain; version=0.0.4',
      });
    },
  );

  return r;
}
