/** `hooks` and `deliveries JOB`: inbound hooks, and a job's outgoing status webhooks. */
import { expectPositionals, type Command } from '../args.js';
import { age, json, table } from '../format.js';
import { redriveCommand, refuseDeliveryFlag } from './deliveries-redrive.js';

interface HookView {
  id: string;
  project: string;
  description: string;
  scheme: string;
  path: string;
  secrets: number;
  createdAt: string;
}

interface DeliveryView {
  id: string;
  eventType: string;
  state: string;
  deadLetter: boolean;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

export const hooksCommand: Command = {
  name: 'hooks',
  summary: 'list your inbound hooks (signed URLs that submit jobs)',
  usage: `Usage: switchyard hooks

List your tenant's inbound hooks for the projects your token may use (GET /v1/hooks): each hook's
intake path, signature scheme and number of live secrets (never the secrets).`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<{ items: HookView[] }>('GET', '/v1/hooks');
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0) return ctx.out('no hooks');
    const now = ctx.now();
    ctx.out(
      table(
        ['ID', 'PROJECT', 'SCHEME', 'SECRETS', 'AGE', 'PATH', 'DESCRIPTION'],
        body.items.map((h) => [
          h.id,
          h.project,
          h.scheme,
          String(h.secrets),
          age(h.createdAt, now),
          h.path,
          h.description || '-',
        ]),
      ),
    );
  },
};

export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: "a job's status webhook deliveries and dead letters; redrive sends dead ones again",
  usage: `Usage: switchyard deliveries JOB
       switchyard deliveries redrive JOB [--delivery ID]…

List the status webhooks sent for one of your jobs (GET /v1/jobs/JOB/deliveries): event, state
(pending, delivered, dead), attempts, the receiver's last HTTP status or our error, when it was
last tried, and the callback URL without its query string; then the last error of each one not
delivered.

redrive puts the job's dead letters (or only those given with --delivery, repeatable) back to
pending, attempts reset, and they are sent again in order (POST /v1/jobs/JOB/deliveries:redrive;
needs jobs:submit).

Options:
  --delivery ID    with redrive: only this delivery (repeat for more)`,
  options: { delivery: { type: 'string', multiple: true } },
  async run(ctx, values, positionals) {
    if (positionals[0] === 'redrive') return redriveCommand(ctx, values, positionals.slice(1));
    refuseDeliveryFlag(values);
    const [id] = expectPositionals(positionals, ['JOB']);
    const { body } = await ctx.api().request<{
      items: DeliveryView[];
      deadLetters: number;
    }>('GET', `/v1/jobs/${encodeURIComponent(id!)}/deliveries`);
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0)
      return ctx.out(`no deliveries for job ${id} (no callback, or none yet)`);
    const now = ctx.now();
    ctx.out(
      table(
        ['ID', 'EVENT', 'STATE', 'ATTEMPTS', 'LAST', 'TRIED', 'AGE', 'URL'],
        body.items.map((d) => [
          d.id,
          d.eventType,
          d.state +
            (d.nextAttemptAt
              ? ` (retry in ${age(new Date(now).toISOString(), Date.parse(d.nextAttemptAt))})`
              : ''),
          String(d.attempts),
          d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '-'),
          age(d.lastAttemptAt, now),
          age(d.createdAt, now),
          d.url,
        ]),
      ),
    );
    for (const d of body.items) {
      if (d.state !== 'delivered' && d.lastError) ctx.out(`${d.id} last error: ${d.lastError}`);
    }
    ctx.out(
      body.deadLetters > 0
        ? `${body.deadLetters} dead letter(s); send them again: switchyard deliveries redrive ${id}`
        : '0 dead letter(s)',
    );
  },
};
