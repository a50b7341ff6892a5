/** `status`: one screen with the clusters, the queues and your latest jobs. */
import { expectPositionals, parseCount, str, type Command } from '../args.js';
import { json } from '../format.js';
import { indent } from '../views.js';
import { renderClusters, renderQueues, type ClusterView, type QueuesView } from './clusters.js';
import { renderJobList, type Page } from './jobs.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'clusters, queues and your latest jobs in one screen',
  usage: `Usage: switchyard status [--limit N]

The clusters with their free GPUs (GET /v1/clusters), the queues with your jobs waiting in them
(GET /v1/queues) and your latest jobs (GET /v1/jobs), fetched at once.

Options:
  --limit N   how many of your latest jobs to show (1-500, default 10)`,
  options: { limit: { type: 'string' } },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const limitFlag = str(values, 'limit');
    const limit = limitFlag ? parseCount('--limit', limitFlag) : 10;
    const api = ctx.api();
    const [clusters, queues, jobs] = await Promise.all([
      api.request<{ items: ClusterView[] }>('GET', '/v1/clusters'),
      api.request<QueuesView>('GET', '/v1/queues'),
      api.request<Page>('GET', '/v1/jobs', { query: { limit } }),
    ]);
    if (ctx.json) {
      return ctx.out(json({ clusters: clusters.body, queues: queues.body, jobs: jobs.body }));
    }
    const now = ctx.now();
    const more = jobs.body.nextCursor ? ' (more: switchyard jobs --all)' : '';
    ctx.out(
      [
        `Clusters\n${indent(renderClusters(clusters.body.items, now))}`,
        `Queues\n${indent(renderQueues(queues.body, now))}`,
        `Your latest jobs${more}\n${indent(renderJobList(jobs.body.items, now))}`,
      ].join('\n\n'),
    );
  },
};
