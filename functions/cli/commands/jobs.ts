/** `jobs`, `job ID`, `cancel ID`: list, inspect and cancel jobs. */
import { expectPositionals, parseCount, str, type Command } from '../args.js';
import { age, json, table } from '../format.js';
import { accelerator, renderJob, replicaSummary, workload, type JobView } from '../views.js';

export interface Page {
  items: JobView[];
  nextCursor: string | null;
}

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list jobs, newest first',
  usage: `Usage: switchyard jobs [--project P] [--state S] [--trace ID] [--limit N] [--all]

List your tenant's jobs, newest first (GET /v1/jobs).

Options:
  --project P   only jobs of project P
  --state S     only jobs in state S (received, pending, dispatched, submitted, running,
                succeeded, failed, cancelled, rejected)
  --trace ID    only jobs of trace ID (32 hex digits, from a log line's traceId=)
  --limit N     at most N jobs (1-500, default 20); with --all, the page size
  --all         follow every page`,
  options: {
    project: { type: 'string' },
    state: { type: 'string' },
    trace: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const all = values.all === true;
    const limitFlag = str(values, 'limit');
    const limit = limitFlag ? parseCount('--limit', limitFlag) : all ? 200 : 20;
    const items: JobView[] = [];
    let cursor: string | undefined;
    let next: string | null;
    do {
      const { body } = await ctx.api().request<Page>('GET', '/v1/jobs', {
        query: {
          project: str(values, 'project'),
          state: str(values, 'state'),
          traceId: str(values, 'trace'),
          limit,
          cursor,
        },
      });
      items.push(...body.items);
      next = body.nextCursor;
      cursor = next ?? undefined;
    } while (all && cursor);

    if (ctx.json) return ctx.out(json({ items, nextCursor: next }));
    ctx.out(renderJobList(items, ctx.now()));
    if (next) ctx.err(`(more jobs: add --all, or --limit up to 500)`);
  },
};

/** The jobs table (also part of `status`). */
export function renderJobList(items: JobView[], now: number): string {
  if (items.length === 0) return 'no jobs';
  return table(
    ['ID', 'NAME', 'PROJECT', 'KIND', 'GPUS', 'STATE', 'CLUSTER', 'AGE'],
    items.map((j) => [
      j.id,
      j.name,
      j.project,
      workload(j),
      accelerator(j) ?? '-',
      replicaSummary(j) ? `${j.state}: ${replicaSummary(j)}` : j.state,
      j.clusterId ?? '-',
      age(j.createdAt, now),
    ]),
  );
}

export const jobCommand: Command = {
  name: 'job',
  summary: 'one job: details, routing decision and event history',
  usage: `Usage: switchyard job ID

Show one job with its routing decision and every event (GET /v1/jobs/ID).`,
  async run(ctx, _values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const { body } = await ctx.api().request<JobView>('GET', `/v1/jobs/${encodeURIComponent(id!)}`);
    ctx.out(ctx.json ? json(body) : renderJob(body, ctx.now()));
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a job',
  usage: `Usage: switchyard cancel ID

Cancel a job (POST /v1/jobs/ID/cancel); its Kubernetes Job is deleted.`,
  async run(ctx, _values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const { body } = await ctx
      .api()
      .request<JobView>('POST', `/v1/jobs/${encodeURIComponent(id!)}/cancel`);
    ctx.out(ctx.json ? json(body) : `job ${body.id} is ${body.state}`);
  },
};
