/**
 * `clusters`, `queues`, `cordon ID`, `uncordon ID`, `drain ID`: the clusters, their queues, and
 * taking them out of service.
 */
import { expectPositionals, type Command } from '../args.js';
import { age, json, table } from '../format.js';

export interface ClusterView {
  id: string;
  cloud: string;
  region: string;
  status: string;
  kind?: 'kubernetes' | 'slurm';
  partition?: string | null;
  accelerators: Array<{ type: string; totalGpus: number; freeGpus: number | null }>;
  /** Workload kinds it runs; `kindsKnown: false` while it has not reported them (older servers: absent). */
  kinds?: string[];
  kindsKnown?: boolean;
  lastHeartbeat: string | null;
  simulated: { apiUrl: string } | null;
}

interface DrainView {
  cluster: ClusterView;
  moved: Array<{ jobId: string; state: string; clusterId: string | null }>;
  remaining: Array<{ jobId: string; state: string }>;
}

export const clustersCommand: Command = {
  name: 'clusters',
  summary: 'list clusters with their free and total GPUs',
  usage: `Usage: switchyard clusters

List the clusters (GET /v1/clusters): status (active, cordoned, draining, offline), free/total
GPUs per accelerator type, the workload kinds each runs ("not reported yet" until its drainer says
which operators it has) and the age of the last capacity heartbeat.`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<{ items: ClusterView[] }>('GET', '/v1/clusters');
    ctx.out(ctx.json ? json(body) : renderClusters(body.items, ctx.now()));
  },
};

/** The clusters table (also part of `status`). */
export function renderClusters(items: ClusterView[], now: number): string {
  if (items.length === 0) return 'no clusters';
  return table(
    ['ID', 'CLOUD', 'REGION', 'STATUS', 'KINDS', 'ACCELERATORS', 'HEARTBEAT'],
    items.map((c) => [
      c.id +
        (c.simulated ? ' (simulated)' : '') +
        (c.kind === 'slurm' ? ` (slurm, partition ${c.partition})` : ''),
      c.cloud,
      c.region,
      c.status,
      kindsText(c),
      c.accelerators
        .map(
          (a) =>
            `${a.type} ${a.freeGpus ?? '?'}/${a.totalGpus}${a.freeGpus === null ? ' (no fresh heartbeat)' : ''}`,
        )
        .join(', ') || '-',
      c.lastHeartbeat ? `${age(c.lastHeartbeat, now)} ago` : 'never',
    ]),
  );
}

/** `job, jobset`; `job (others not reported yet)` while the cluster has not said; `-` if unknown. */
export function kindsText(c: Pick<ClusterView, 'kinds' | 'kindsKnown'>): string {
  const kinds = c.kinds?.join(', ') || '-';
  return c.kindsKnown === false ? `${kinds} (others not reported yet)` : kinds;
}

export interface QueuesView {
  items: Array<{
    queue: string;
    clusters: string[];
    waiting: number;
    oldestWaitingSince: string | null;
    started: number;
  }>;
  pending: number;
  truncated: boolean;
}

export const queuesCommand: Command = {
  name: 'queues',
  summary: 'list queues with your jobs waiting in them and started from them',
  usage: `Usage: switchyard queues

List the queues (GET /v1/queues): the clusters whose drainers consume each one, your jobs waiting in
it (published, not yet taken by a drainer) with the longest wait, and your jobs started from it;
then how many of your jobs wait for capacity or quota on no queue.`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<QueuesView>('GET', '/v1/queues');
    ctx.out(ctx.json ? json(body) : renderQueues(body, ctx.now()));
  },
};

/** The queues table and the count of jobs waiting on no queue (also part of `status`). */
export function renderQueues(body: QueuesView, now: number): string {
  const list =
    body.items.length > 0
      ? table(
          ['QUEUE', 'CLUSTERS', 'WAITING', 'LONGEST WAIT', 'STARTED'],
          body.items.map((q) => [
            q.queue,
            q.clusters.join(', ') || '-',
            String(q.waiting),
            q.oldestWaitingSince ? age(q.oldestWaitingSince, now) : '-',
            String(q.started),
          ]),
        )
      : 'no queues (no cluster is registered)';
  return `${list}\n${body.pending} job(s) waiting for capacity or quota${body.truncated ? ' (counted up to a limit)' : ''}`;
}

function clusterAction(action: 'cordon' | 'uncordon', summary: string, what: string): Command {
  return {
    name: action,
    summary,
    usage: `Usage: switchyard ${action} ID\n\n${what} (POST /v1/clusters/ID/${action}; needs clusters:admin).`,
    async run(ctx, _values, positionals) {
      const [id] = expectPositionals(positionals, ['ID']);
      const { body } = await ctx
        .api()
        .request<ClusterView>('POST', `/v1/clusters/${encodeURIComponent(id!)}/${action}`);
      ctx.out(ctx.json ? json(body) : `cluster ${body.id} is ${body.status}`);
    },
  };
}

export const cordonCommand = clusterAction(
  'cordon',
  'stop sending new work to a cluster',
  'Stop placing new jobs on a cluster; running and queued work stays',
);
export const uncordonCommand = clusterAction(
  'uncordon',
  'bring a cordoned or drained cluster back',
  'Let a cordoned or draining cluster take new work again',
);

export const drainCommand: Command = {
  name: 'drain',
  summary: 'cordon a cluster and move its queued work elsewhere',
  usage: `Usage: switchyard drain ID

Cordon a cluster and re-route the jobs queued for it (POST /v1/clusters/ID/drain; needs
clusters:admin). Prints the jobs moved and those still on the cluster (already running).`,
  async run(ctx, _values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const { body } = await ctx
      .api()
      .request<DrainView>('POST', `/v1/clusters/${encodeURIComponent(id!)}/drain`);
    if (ctx.json) return ctx.out(json(body));
    const lines = [
      `cluster ${body.cluster.id} is ${body.cluster.status}: ` +
        `moved ${body.moved.length} job(s), ${body.remaining.length} remaining`,
      ...body.moved.map(
        (m) => `  moved   ${m.jobId} -> ${m.clusterId ?? '(pending)'} (${m.state})`,
      ),
      ...body.remaining.map((r) => `  remains ${r.jobId} (${r.state})`),
    ];
    ctx.out(lines.join('\n'));
  },
};
