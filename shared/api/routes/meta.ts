/** Unauthenticated endpoints: health, metrics, JWKS, the error code reference. */
import { Hono } from 'hono';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../error-docs.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { JOB_STATES } from '../../domain/job.js';

export function metaRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();

  r.get('/healthz', (c) =>
    c.json({ status: 'ok', store: deps.ctx.store.driver, queue: deps.ctx.queue.driver }),
  );

  // Where every error envelope's `docs` points: a static page, no script.
  r.get(ERROR_DOCS_PATH, (c) =>
    c.html(renderErrorDocs(), 200, {
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    }),
  );

  r.get('/.well-known/jwks.json', async (c) => c.json(await deps.tokens.jwks()));

  r.get('/metrics', async (c) => {
    const active = await deps.ctx.store.jobs.listByState(
      JOB_STATES.filter((s) => !['succeeded', 'failed', 'cancelled', 'rejected'].includes(s)),
      10_000,
    );
    const gauges = JOB_STATES.slice(0, 5).map((state) => ({
      name: 'switchyard_jobs_active',
      help: 'Jobs not yet ended, by state',
      labels: { state },
      value: active.filter((j) => j.state === state).length,
    }));
    return c.text(deps.metrics.render(gauges), 200, {
      'content-type': 'text/plain; version=0.0.4',
    });
  });

  return r;
}
