/**
 * `maintenance list|show|start|pause|resume|cancel|done`: rolling fleet upgrade plans
 * (/v1/maintenance; every one needs clusters:admin).
 */
import {
  expectPositionals,
  parseCount,
  parseDuration,
  parseList,
  str,
  UsageError,
  type Command,
} from '../args.js';
import { clock, json, table } from '../format.js';

interface PlanView {
  id: string;
  state: string;
  description: string;
  maxUnavailable: number;
  steps: Array<{ clusterId: string; state: string; toVersion?: string; doneBy?: string }>;
  events: Array<{ at: string; type: string; clusterId?: string; message: string }>;
}

const path = (id: string) => `/v1/maintenance/${encodeURIComponent(id)}`;

function renderPlan(p: PlanView): string {
  const steps = table(
    ['CLUSTER', 'STEP', 'VERSION', 'DONE BY'],
    p.steps.map((s) => [s.clusterId, s.state, s.toVersion ?? '-', s.doneBy ?? '-']),
  );
  const events = p.events.map((e) => `${clock(e.at)}  ${e.type.padEnd(26)} ${e.message}`);
  const head = `plan ${p.id}: ${p.state}, at most ${p.maxUnavailable} cluster(s) out`;
  return [head, steps, 'events:', ...events].join('\n');
}

export const maintenanceListCommand: Command = {
  name: 'maintenance list',
  summary: 'list maintenance plans and their progress',
  usage: 'Usage: switchyard maintenance list\n\nList rolling upgrade plans (GET /v1/maintenance).',
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<{ items: PlanView[] }>('GET', '/v1/maintenance');
    if (ctx.json) return ctx.out(json(body));
    ctx.out(
      body.items.length === 0
        ? 'no maintenance plans'
        : table(
            ['ID', 'STATE', 'PROGRESS', 'DESCRIPTION'],
            body.items.map((p) => [
              p.id,
              p.state,
              `${p.steps.filter((s) => s.state === 'done').length}/${p.steps.length} done`,
              p.description || '-',
            ]),
          ),
    );
  },
};

export const maintenanceShowCommand: Command = {
  name: 'maintenance show',
  summary: 'one plan: each cluster and the events',
  usage: 'Usage: switchyard maintenance show ID\n\nOne plan (GET /v1/maintenance/ID).',
  async run(ctx, _values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const { body } = await ctx.api().request<PlanView>('GET', path(id!));
    ctx.out(ctx.json ? json(body) : renderPlan(body));
  },
};

export const maintenanceStartCommand: Command = {
  name: 'maintenance start',
  summary: 'start a rolling upgrade over clusters',
  usage: `Usage: switchyard maintenance start (--clusters A,B | --selector k=v,...) [options]

Start a rolling upgrade plan (POST /v1/maintenance): each cluster in turn is cordoned and drained,
its upgrade asked for (a signed webhook), and it is uncordoned when it reports a new version with a
healthy heartbeat or when told \`switchyard maintenance done ID CLUSTER\`.

  --max-unavailable N     clusters out at once (default 1)
  --drain-timeout 30m     how long to wait for running jobs (default 1h)
  --at-deadline wait|requeue   what to do with jobs still running then (default wait)
  --webhook-url URL --webhook-secret whsec_...   the upgrade system to call
  --description TEXT`,
  options: {
    clusters: { type: 'string' },
    selector: { type: 'string' },
    'max-unavailable': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'at-deadline': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    description: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const clusters = str(values, 'clusters');
    const selector = str(values, 'selector');
    if (!clusters === !selector)
      throw new UsageError('give exactly one of --clusters or --selector');
    const labels = selector
      ? Object.fromEntries(
          parseList(selector).map((kv) => {
            const [k, v] = kv.split('=');
            if (!k || v === undefined) throw new UsageError('--selector is k=v,k2=v2');
            return [k, v];
          }),
        )
      : undefined;
    const max = str(values, 'max-unavailable');
    const timeout = str(values, 'drain-timeout');
    const url = str(values, 'webhook-url');
    const secret = str(values, 'webhook-secret');
    if (!url !== !secret) throw new UsageError('--webhook-url and --webhook-secret go together');
    const { body } = await ctx.api().request<PlanView>('POST', '/v1/maintenance', {
      body: {
        ...(clusters ? { clusters: parseList(clusters) } : { selector: labels }),
        ...(max ? { maxUnavailable: parseCount('--max-unavailable', max) } : {}),
        ...(timeout ? { drainTimeoutSeconds: parseDuration('--drain-timeout', timeout) } : {}),
        ...(str(values, 'at-deadline') ? { atDeadline: str(values, 'at-deadline') } : {}),
        ...(url ? { upgrade: { webhook: { url, secret } } } : {}),
        ...(str(values, 'description') ? { description: str(values, 'description') } : {}),
      },
    });
    ctx.out(ctx.json ? json(body) : renderPlan(body));
  },
};

function planAction(action: 'pause' | 'resume' | 'cancel', summary: string): Command {
  return {
    name: `maintenance ${action}`,
    summary,
    usage: `Usage: switchyard maintenance ${action} ID\n\n${summary} (POST /v1/maintenance/ID:${action}).`,
    async run(ctx, _values, positionals) {
      const [id] = expectPositionals(positionals, ['ID']);
      const { body } = await ctx.api().request<PlanView>('POST', `${path(id!)}:${action}`);
      ctx.out(ctx.json ? json(body) : `plan ${body.id} is ${body.state}`);
    },
  };
}

export const maintenancePauseCommand = planAction('pause', 'start no further cluster');
export const maintenanceResumeCommand = planAction('resume', 'resume a paused plan');
export const maintenanceCancelCommand = planAction(
  'cancel',
  'cancel a plan and uncordon what it cordoned',
);

export const maintenanceDoneCommand: Command = {
  name: 'maintenance done',
  summary: "say a drained cluster's upgrade is done",
  usage: `Usage: switchyard maintenance done ID CLUSTER

Mark the upgrade of a drained cluster done: it is uncordoned and the plan moves on
(POST /v1/maintenance/ID/clusters/CLUSTER/done).`,
  async run(ctx, _values, positionals) {
    const [id, cluster] = expectPositionals(positionals, ['ID', 'CLUSTER']);
    const { body } = await ctx
      .api()
      .request<PlanView>('POST', `${path(id!)}/clusters/${encodeURIComponent(cluster!)}/done`);
    ctx.out(ctx.json ? json(body) : renderPlan(body));
  },
};

export const MAINTENANCE_COMMANDS = [
  maintenanceListCommand,
  maintenanceShowCommand,
  maintenanceStartCommand,
  maintenancePauseCommand,
  maintenanceResumeCommand,
  maintenanceCancelCommand,
  maintenanceDoneCommand,
];
