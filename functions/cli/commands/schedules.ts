/** `schedules list|create|delete|suspend|resume`: cron schedules that submit a job template. */
import { expectPositionals, type Command } from '../args.js';
import { readDocument } from '../files.js';
import { json, table } from '../format.js';

interface ScheduleView {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  concurrencyPolicy: string;
  suspended: boolean;
  nextFireTimes: string[];
}

const path = (id: string) => `/v1/schedules/${encodeURIComponent(id)}`;

export const schedulesListCommand: Command = {
  name: 'schedules list',
  summary: 'list cron schedules',
  usage: `Usage: switchyard schedules list\n\nList your tenant's schedules (GET /v1/schedules).`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<{ items: ScheduleView[] }>('GET', '/v1/schedules');
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0) return ctx.out('no schedules');
    ctx.out(
      table(
        ['ID', 'NAME', 'CRON', 'TIMEZONE', 'POLICY', 'STATUS', 'NEXT'],
        body.items.map((s) => [
          s.id,
          s.name,
          s.cron,
          s.timezone,
          s.concurrencyPolicy,
          s.suspended ? 'suspended' : 'active',
          s.nextFireTimes[0] ?? '-',
        ]),
      ),
    );
  },
};

export const schedulesCreateCommand: Command = {
  name: 'schedules create',
  summary: 'create a schedule from a YAML or JSON file',
  usage: `Usage: switchyard schedules create FILE.yaml|FILE.json

Create a schedule (POST /v1/schedules; needs schedules:write). The file holds name, cron,
timezone, concurrencyPolicy (Allow, Forbid, Replace), maxCatchUp and a job template.`,
  async run(ctx, _values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const { body } = await ctx.api().request<ScheduleView>('POST', '/v1/schedules', {
      body: readDocument(file!, ctx.cwd),
    });
    if (ctx.json) return ctx.out(json(body));
    ctx.out(
      [`created schedule ${body.id} (${body.name})`, 'next fire times:']
        .concat(body.nextFireTimes.map((t) => `  ${t}`))
        .join('\n'),
    );
  },
};

export const schedulesDeleteCommand: Command = {
  name: 'schedules delete',
  summary: 'delete a schedule',
  usage: `Usage: switchyard schedules delete ID\n\nDelete a schedule (DELETE /v1/schedules/ID).`,
  async run(ctx, _values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    await ctx.api().request('DELETE', path(id!));
    ctx.out(ctx.json ? json({ deleted: id }) : `deleted schedule ${id}`);
  },
};

function suspension(action: 'suspend' | 'resume'): Command {
  const suspended = action === 'suspend';
  return {
    name: `schedules ${action}`,
    summary: suspended ? 'pause a schedule' : 'resume a paused schedule',
    usage: `Usage: switchyard schedules ${action} ID\n\n${
      suspended
        ? 'Pause a schedule (PATCH {"suspended": true}).'
        : 'Resume a schedule (PATCH {"suspended": false}); slots missed meanwhile are not replayed.'
    }`,
    async run(ctx, _values, positionals) {
      const [id] = expectPositionals(positionals, ['ID']);
      const { body } = await ctx
        .api()
        .request<ScheduleView>('PATCH', path(id!), { body: { suspended } });
      if (ctx.json) return ctx.out(json(body));
      ctx.out(
        `schedule ${body.id} is ${body.suspended ? 'suspended' : 'active'}` +
          (body.nextFireTimes[0] ? `; next: ${body.nextFireTimes[0]}` : ''),
      );
    },
  };
}

export const schedulesSuspendCommand = suspension('suspend');
export const schedulesResumeCommand = suspension('resume');
