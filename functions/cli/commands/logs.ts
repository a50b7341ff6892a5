/** `logs ID [-f] [--tail N] [--replica N] [--since T]`: what a job printed (GET /v1/jobs/ID/logs). */
import { expectPositionals, str, UsageError, type Command } from '../args.js';

const whole = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number >= 0`);
  return Number(text);
};

export const logsCommand: Command = {
  name: 'logs',
  summary: "a job's output; -f follows it until the job ends",
  usage: `Usage: switchyard logs ID [-f] [--tail N] [--replica N] [--since T] [--timestamps]

Print what a job printed, as its drainer shipped it (GET /v1/jobs/ID/logs).

Options:
  -f, --follow     keep printing new output until the job has ended
  --tail N         only the last N lines
  --replica N      only replica N of a multi-node job
  --since T        only lines since T: an RFC 3339 time, or a number of seconds ago
  --timestamps     begin each line with the time it was printed`,
  options: {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string' },
    replica: { type: 'string' },
    since: { type: 'string' },
    timestamps: { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const follow = values.follow === true;
    const query = {
      tail: whole('--tail', str(values, 'tail')),
      replica: whole('--replica', str(values, 'replica')),
      since: str(values, 'since'),
      follow: follow ? 'true' : undefined,
      timestamps: values.timestamps === true ? 'true' : undefined,
    };
    const api = ctx.api();
    const path = `/v1/jobs/${encodeURIComponent(id!)}/logs`;
    // A follow lasts as long as the job; a plain read has the usual time limit.
    const res = await api.raw!(path, query, follow ? undefined : 30_000);
    if (res.headers.get('switchyard-log-truncated') === 'true' && !follow) {
      ctx.err('(older output was dropped: the job produced more than its log cap)');
    }
    const decoder = new TextDecoder();
    let pending = '';
    const reader = res.body?.getReader();
    for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
      pending += decoder.decode(r.value, { stream: true });
      const end = pending.lastIndexOf('\n');
      if (end < 0) continue;
      ctx.out(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
    pending += decoder.decode();
    if (pending) ctx.out(pending);
  },
};
