/** /v1/jobs: submit, explain, list, get, cancel. Each route carries its own OpenAPI description. */
import { JOB_STATES } from '../../domain/job.js';
import { jobSubmissionSchema } from '../../domain/spec.js';
import { describedRoutes } from '../../http/route-def.js';
import { secondsSince } from '../../metrics/registry.js';
import { traceIdOf, traceparentFor } from '../../metrics/trace.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { jobView } from '../views.js';

const SUBMISSION = { name: 'JobSubmission', schema: jobSubmissionSchema };
const REPLAYED = { 'Idempotent-Replayed': { type: 'string', enum: ['true'] } };

/** `POST /v1/jobs:explain`: the placement decision for a submission, without submitting it. */
export function explainRoute(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('jobs');
  // `:` starts a path parameter in Hono, so the colon form is matched with a pattern.
  r.add(
    {
      method: 'post',
      path: '/:op{jobs:explain}',
      id: 'explainJob',
      summary: 'The placement decision for a submission, without submitting it',
      scope: 'jobs:submit',
      body: SUBMISSION,
      responses: { 200: { description: 'the decision', schema: 'Decision' } },
    },
    async (c) => c.json(await deps.jobs.explain(c.get('principal'), await readJson(c.req.raw))),
  );
  return r;
}

export function jobRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('jobs');

  r.add(
    {
      method: 'post',
      path: '/',
      id: 'submitJob',
      summary: 'Submit a job; it is placed by the routing policy',
      scope: 'jobs:submit',
      also: 'the token must cover the job project',
      body: SUBMISSION,
      headers: [
        {
          name: 'Idempotency-Key',
          schema: { type: 'string', maxLength: 255 },
          description: 'the same key with the same body returns the same job',
        },
        {
          name: 'traceparent',
          schema: { type: 'string', maxLength: 55 },
          description:
            'W3C Trace Context; its trace id goes with the job (answered as traceparent), else one is made',
        },
      ],
      responses: {
        202: {
          description: 'accepted (or replayed, with `Idempotent-Replayed: true`)',
          schema: 'Job',
          headers: REPLAYED,
        },
      },
      errors: [409, 422],
    },
    async (c) => {
      const body = await readJson(c.req.raw);
      const key = c.req.header('idempotency-key');
      const traceId = traceIdOf(c.req.header('traceparent'));
      const started = performance.now();
      const { job, created } = await deps.jobs.submit(c.get('principal'), body, key, traceId);
      if (job.traceId) c.header('traceparent', traceparentFor(job.traceId));
      if (created) {
        deps.metrics.inc('switchyard_jobs_submitted_total', 'Jobs accepted', { state: job.state });
        deps.metrics.observe(
          'switchyard_submit_duration_seconds',
          'Time to accept a job: validate, place, store and publish',
          secondsSince(started),
        );
      }
      if (!created) c.header('idempotent-replayed', 'true');
      return c.json(jobView(job), 202);
    },
  );

  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listJobs',
      summary: "The tenant's jobs, newest first",
      scope: 'jobs:read',
      query: [
        { name: 'project', schema: { type: 'string' }, description: 'only this project' },
        {
          name: 'state',
          schema: { type: 'string', enum: [...JOB_STATES] },
          description: 'only this state',
        },
        {
          name: 'traceId',
          schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
          description:
            'only the jobs of this W3C trace id (from a log line or traceparent); read from the visible jobs newest first, at most 4000 per request, then `nextCursor` reads on',
        },
        {
          name: 'limit',
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          description: 'page size',
        },
        {
          name: 'cursor',
          schema: { type: 'string' },
          description: '`nextCursor` of the previous page',
        },
      ],
      responses: { 200: { description: 'a page of jobs', schema: 'JobList' } },
      errors: [400],
    },
    async (c) => {
      const limit = c.req.query('limit');
      const page = await deps.jobs.list(c.get('principal'), {
        project: c.req.query('project'),
        state: c.req.query('state'),
        cursor: c.req.query('cursor'),
        traceId: c.req.query('traceId'),
        ...(limit !== undefined ? { limit: Number(limit) } : {}),
      });
      return c.json({ items: page.items.map(jobView), nextCursor: page.nextCursor ?? null });
    },
  );

  r.add(
    {
      method: 'get',
      path: '/:id',
      id: 'getJob',
      summary: 'One job with its decision and events',
      scope: 'jobs:read',
      responses: { 200: { description: 'the job', schema: 'Job' } },
    },
    async (c) => c.json(jobView(await deps.jobs.get(c.get('principal'), c.req.param('id')))),
  );

  r.add(
    {
      method: 'post',
      path: '/:id/cancel',
      id: 'cancelJob',
      summary: 'Cancel a job',
      scope: 'jobs:cancel',
      responses: { 200: { description: 'the job', schema: 'Job' } },
      errors: [409],
    },
    async (c) => c.json(jobView(await deps.jobs.cancel(c.get('principal'), c.req.param('id')))),
  );

  return r;
}
