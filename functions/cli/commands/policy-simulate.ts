/**
 * `policy simulate FILE`: what a draft routing policy would change for the tenant's recent jobs
 * (POST /v1/policy:simulate; needs policy:admin). Nothing is stored. Types are local views of
 * the answer, so the CLI bundle carries no server code.
 */
import { expectPositionals, parseCount, str, type Command } from '../args.js';
import { json, table } from '../format.js';
import { readPolicyFile } from './policy.js';

interface Outcome {
  outcome: string;
  waitingFor?: string;
  clusterId?: string;
  message: string;
}
interface Move {
  from: string;
  to: string;
  jobs: number;
}
interface Reasons {
  jobs: number;
  reasons: { reason: string; jobs: number }[];
}
interface Simulation {
  inForce: { revision: number; policyVersion: string | number | null };
  clusters: number;
  window: { oldest: string | null; newest: string | null };
  summary: {
    replayed: number;
    changed: number;
    outcomes: Record<'before' | 'after', Record<'placed' | 'pending' | 'rejected', number>>;
    moves: Record<'clusters' | 'clouds' | 'regions', Move[]>;
    newlyPending: Reasons;
    newlyRejected: Reasons;
    newlyPlaced: number;
    costPerHour: { before: number; after: number; change: number };
    /** Absent from servers before budgets in money. */
    budgetPressure?: {
      waiting: { before: number; after: number };
      budgets: { id: string; maxCostPerHour: number; currency: string; spendPerHour: number }[];
    };
  };
  changes: { jobId: string; project: string; gpus: number; before: Outcome; after: Outcome }[];
  changesOmitted: number;
}

const where = (o: Outcome) =>
  o.outcome === 'placed'
    ? (o.clusterId ?? 'placed')
    : `${o.outcome}${o.waitingFor ? ` (${o.waitingFor})` : ''}`;
const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
const signed = (n: number) => (n > 0 ? `+${money(n)}` : money(n));

function summaryLines(file: string, r: Simulation): string[] {
  const s = r.summary;
  const o = (k: 'placed' | 'pending' | 'rejected') =>
    `${k} ${s.outcomes.before[k]} -> ${s.outcomes.after[k]}`;
  const base = `revision ${r.inForce.revision}${r.inForce.policyVersion === null ? ' (no policy)' : ` (version ${String(r.inForce.policyVersion)})`}`;
  const lines = [
    `replayed ${s.replayed} job(s) (${r.window.oldest ?? '-'} .. ${r.window.newest ?? '-'}) on ${r.clusters} cluster(s): ${file} against ${base}`,
    `${s.changed} would change: ${o('placed')}, ${o('pending')}, ${o('rejected')}`,
    `cost per hour: ${money(s.costPerHour.before)} -> ${money(s.costPerHour.after)} (${signed(s.costPerHour.change)})`,
  ];
  const reasons = (what: string, x: Reasons) =>
    x.jobs === 0
      ? []
      : [`newly ${what}: ${x.jobs}`, ...x.reasons.map((q) => `  ${q.jobs} x ${q.reason}`)];
  const b = s.budgetPressure;
  const budgets = !b?.budgets.length
    ? []
    : [
        `budget pressure: ${b.waiting.before} -> ${b.waiting.after} job(s) waiting for a budget`,
        ...b.budgets.map(
          (x) =>
            `  ${x.id}: ${money(x.spendPerHour)} of ${money(x.maxCostPerHour)} ${x.currency}/h spent now`,
        ),
      ];
  return [
    ...lines,
    ...budgets,
    ...reasons('pending', s.newlyPending),
    ...reasons('rejected', s.newlyRejected),
  ];
}

export const policySimulateCommand: Command = {
  name: 'policy simulate',
  summary: "what a policy file would change for your tenant's recent jobs (nothing is stored)",
  usage: `Usage: switchyard policy simulate FILE.yaml|FILE.json [--limit N] [--since MINUTES] [--max-changes N]

Replay your tenant's recent jobs under the policy in FILE and under the one in force, on the same
cluster snapshot (POST /v1/policy:simulate; needs policy:admin), and print what would change:
moves between clusters, clouds and regions, jobs newly pending or rejected and why, the change in
estimated cost per hour, then the changed jobs. Nothing is stored or reserved.

Options:
  --limit N          the newest N jobs (1-10000, default 1000)
  --since MINUTES    only jobs submitted within MINUTES
  --max-changes N    list at most N changed jobs (default 100; all are counted)`,
  options: {
    limit: { type: 'string' },
    since: { type: 'string' },
    'max-changes': { type: 'string' },
  },
  async run(ctx, values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const document = readPolicyFile(ctx, file!);
    const count = (flag: string) => {
      const v = str(values, flag);
      return v === undefined ? undefined : parseCount(`--${flag}`, v);
    };
    const query = {
      limit: count('limit'),
      sinceMinutes: count('since'),
      maxChanges: count('max-changes'),
    };
    const { body } = await ctx
      .api()
      .request<Simulation>('POST', '/v1/policy:simulate', { body: { document }, query });
    if (ctx.json) return ctx.out(json(body));
    const out = summaryLines(file!, body);
    const moves = body.summary.moves;
    const rows = [
      ...moves.clusters.map((m) => ['cluster', m.from, m.to, String(m.jobs)]),
      ...moves.clouds.map((m) => ['cloud', m.from, m.to, String(m.jobs)]),
      ...moves.regions.map((m) => ['region', m.from, m.to, String(m.jobs)]),
    ];
    if (rows.length) out.push('', table(['MOVE', 'FROM', 'TO', 'JOBS'], rows));
    if (body.changes.length) {
      const jobs = body.changes.map((c) => [
        c.jobId,
        c.project,
        String(c.gpus),
        where(c.before),
        where(c.after),
      ]);
      out.push('', table(['JOB', 'PROJECT', 'GPUS', 'BEFORE', 'AFTER'], jobs));
    }
    if (body.changesOmitted > 0)
      out.push(`(${body.changesOmitted} more changed job(s) not listed: --max-changes)`);
    ctx.out(out.join('\n'));
  },
};
