/** `submit FILE [--wait]` and `explain FILE`: send a job file, or ask where it would go. */
import {
  expectPositionals,
  parseDuration,
  str,
  UsageError,
  type Command,
  type CommandContext,
} from '../args.js';
import { readDocument } from '../files.js';
import { fields, json } from '../format.js';
import { ApiError } from '../http.js';
import {
  accelerator,
  eventLine,
  renderDecision,
  TERMINAL_STATES,
  type DecisionView,
  type JobView,
  workload,
} from '../views.js';

const POLL_MS = 500;

export const submitCommand: Command = {
  name: 'submit',
  summary: 'submit a job from a YAML or JSON file',
  usage: `Usage: switchyard submit FILE.yaml|FILE.json [--idempotency-key K] [--wait [--timeout 10m]]

Submit a job (POST /v1/jobs). The file holds the same fields as the API body: name, project,
image, command, args, env, resources, priority, labels, deadlineSeconds, callback, constraints.
Use - to read the file from stdin.

Options:
  --idempotency-key K   retrying with the same key returns the same job
  --wait                follow the job until it ends, printing each event; exits 0 only if it
                        succeeded
  --timeout D           how long --wait follows (90s, 10m, 1h; default 10m)`,
  options: {
    'idempotency-key': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const timeoutFlag = str(values, 'timeout');
    if (timeoutFlag && values.wait !== true) throw new UsageError('--timeout needs --wait');
    const timeoutMs = parseDuration('--timeout', timeoutFlag ?? '10m') * 1000;
    const body = readDocument(file!, ctx.cwd);
    const key = str(values, 'idempotency-key');
    const reply = await ctx.api().request<JobView>('POST', '/v1/jobs', {
      body,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
    const job = reply.body;
    if (values.wait !== true) {
      if (ctx.json) return ctx.out(json(job));
      const replayed = reply.headers.get('idempotent-replayed') === 'true';
      return ctx.out(summary(job, replayed));
    }
    if (!ctx.json) {
      ctx.out(summary(job, reply.headers.get('idempotent-replayed') === 'true'));
      ctx.out('');
      for (const e of job.events) ctx.out(eventLine(e));
    }
    const final = await follow(ctx, job, timeoutMs);
    if (ctx.json) ctx.out(json(final));
    if (!TERMINAL_STATES.has(final.state)) {
      ctx.err(
        `job ${final.id} is still ${final.state} after ${timeoutFlag ?? '10m'}; ` +
          `follow it with: switchyard job ${final.id}`,
      );
      return 1;
    }
    if (final.state !== 'succeeded') {
      ctx.err(`job ${final.id} ended ${final.state}`);
      return 1;
    }
  },
};

function summary(job: JobView, replayed: boolean): string {
  const d = job.decision;
  return fields([
    ['job', `${job.id}${replayed ? ' (already submitted with this idempotency key)' : ''}`],
    ['name', `${job.name} (project ${job.project})`],
    ['state', job.state],
    ['cluster', job.clusterId ?? '-'],
    ['kind', workload(job)],
    ['accelerator', accelerator(job)],
    ['decision', d && (d.message.startsWith(d.outcome) ? d.message : `${d.outcome}: ${d.message}`)],
  ]);
}

/** Polls the job until it ends or the time is up, printing each event once. */
async function follow(ctx: CommandContext, job: JobView, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let seen = job.events.length;
  let current = job;
  while (!TERMINAL_STATES.has(current.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    try {
      current = (await ctx.api().request<JobView>('GET', `/v1/jobs/${encodeURIComponent(job.id)}`))
        .body;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 429 || err.status === 503)) continue;
      throw err;
    }
    if (!ctx.json) for (const e of current.events.slice(seen)) ctx.out(eventLine(e));
    seen = Math.max(seen, current.events.length);
  }
  return current;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'where a job file would run, and why (nothing is submitted)',
  usage: `Usage: switchyard explain FILE.yaml|FILE.json

Ask where a job would be placed without submitting it (POST /v1/jobs:explain): the outcome, the
matched policy rules, and every candidate cluster with its score or the reasons it was filtered.`,
  async run(ctx, _values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const body = readDocument(file!, ctx.cwd);
    const { body: decision } = await ctx
      .api()
      .request<DecisionView>('POST', '/v1/jobs:explain', { body });
    ctx.out(ctx.json ? json(decision) : renderDecision(decision));
  },
};
