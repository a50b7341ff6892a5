/** /v1/jobs: submit, explain, list, get, cancel. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { jobView } from '../views.js';

/** `POST /v1/jobs:explain`: the placement decision for a submission, without submitting it. */
export function explainRoute(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  // `:` starts a path parameter in Hono, so the colon form is matched with a pattern.
  r.post('/:op{jobs:explain}', async (c) =>
    c.json(await deps.jobs.explain(c.get('principal'), await readJson(c.req.raw))),
  );
  return r;
}

export function jobRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();

  r.post('/', async (c) => {
    const body = await readJson(c.req.raw);
    const key = c.req.header('idempotency-key');
    const { job, created } = await deps.jobs.submit(c.get('principal'), body, key);
    if (created)
      deps.metrics.inc('switchyard_jobs_submitted_total', 'Jobs accepted', { state: job.state });
    if (!created) c.header('idempotent-replayed', 'true');
    return c.json(jobView(job), 202);
  });

  r.get('/', async (c) => {
    const limit = c.req.query('limit');
    const page = await deps.jobs.list(c.get('principal'), {
      project: c.req.query('project'),
      state: c.req.query('state'),
      cursor: c.req.query('cursor'),
      ...(limit !== undefined ? { limit: Number(limit) } : {}),
    });
    return c.json({ items: page.items.map(jobView), nextCursor: page.nextCursor ?? null });
  });

  r.get('/:id', async (c) =>
    c.json(jobView(await deps.jobs.get(c.get('principal'), c.req.param('id')))),
  );

  r.post('/:id/cancel', async (c) =>
    c.json(jobView(await deps.jobs.cancel(c.get('principal'), c.req.param('id')))),
  );

  return r;
}
