/** `GET /v1/jobs/:id/logs`: what the job printed, as text; with `follow=true`, a chunked stream. */
import { describedRoutes } from '../../http/route-def.js';
import { parseLogQuery } from '../../jobs/logs-view.js';
import type { AppDeps, AppEnv } from '../deps.js';

const num = (description: string) => ({ schema: { type: 'integer', minimum: 0 }, description });

export function jobLogRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('jobs');
  r.add(
    {
      method: 'get',
      path: '/:id/logs',
      id: 'getJobLogs',
      summary: "The job's output (shipped by its drainer), as text",
      scope: 'jobs:read',
      query: [
        { name: 'tail', ...num('only the last this many lines') },
        {
          name: 'since',
          schema: { type: 'string' },
          description:
            'only lines printed at or after this RFC 3339 time, or this many seconds ago',
        },
        { name: 'replica', ...num('only this replica of a multi-node job') },
        {
          name: 'follow',
          schema: { type: 'boolean', default: false },
          description:
            'stream new lines as they arrive (chunked text); ends when the job has ended',
        },
        {
          name: 'timestamps',
          schema: { type: 'boolean', default: false },
          description: 'begin each line with the RFC 3339 time it was printed',
        },
      ],
      responses: {
        200: {
          description: 'the output; `Switchyard-Log-Truncated: true` when older output was dropped',
          contentType: 'text/plain',
          schema: { type: 'string' },
          headers: { 'Switchyard-Log-Truncated': { type: 'string', enum: ['true', 'false'] } },
        },
      },
      errors: [400],
    },
    async (c) => {
      const query = parseLogQuery(c.req.query(), deps.ctx.clock.now());
      const logs = await deps.views.logs(c.get('principal'), c.req.param('id'), query);
      return new Response(logs.body, {
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'switchyard-log-truncated': String(logs.truncated),
        },
      });
    },
  );
  return r;
}
