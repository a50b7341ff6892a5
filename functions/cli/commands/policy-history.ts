/**
 * `policy history`, `policy rollback VERSION`: the kept routing policy versions (who stored each,
 * when, what changed) and going back to one of them as a new version (needs policy:admin).
 */
import { expectPositionals, parseCount, str, type Command } from '../args.js';
import { age, json, table } from '../format.js';

interface VersionView {
  revision: number;
  policyVersion?: string | number;
  document?: { version?: string | number };
  updatedAt: string;
  updatedBy: string;
  summary?: string;
  rollbackOf?: number;
}

export const policyHistoryCommand: Command = {
  name: 'policy history',
  summary: 'the kept routing policy versions, newest first',
  usage: `Usage: switchyard policy history [--limit N] [--cursor C]

List the kept versions of the routing policy, newest first (GET /v1/policy/history; needs
policy:admin): revision, the document's version, when, the token that stored it, and what
changed against the version before. The first line is the one in force.

Options:
  --limit N    at most N versions (1-100, default 20)
  --cursor C   continue below the last page (the hint printed under it)`,
  options: { limit: { type: 'string' }, cursor: { type: 'string' } },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const limitFlag = str(values, 'limit');
    const { body } = await ctx
      .api()
      .request<{ items: VersionView[]; nextCursor: string | null }>('GET', '/v1/policy/history', {
        query: {
          limit: limitFlag ? parseCount('--limit', limitFlag) : undefined,
          cursor: str(values, 'cursor'),
        },
      });
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0) return ctx.out('no routing policy versions are stored');
    const now = ctx.now();
    ctx.out(
      table(
        ['REVISION', 'VERSION', 'AGE', 'BY', 'CHANGES'],
        body.items.map((v) => [
          String(v.revision),
          String(v.policyVersion ?? '-'),
          age(v.updatedAt, now),
          v.updatedBy,
          v.summary ?? '(stored before history was kept)',
        ]),
      ),
    );
    if (body.nextCursor) {
      ctx.err(`(older versions: switchyard policy history --cursor ${body.nextCursor})`);
    }
  },
};

export const policyRollbackCommand: Command = {
  name: 'policy rollback',
  summary: 'put a kept routing policy version back in force (as a new version)',
  usage: `Usage: switchyard policy rollback VERSION [--if-match REVISION]

Store a new version of the routing policy equal to kept version VERSION (POST
/v1/policy:rollback; needs policy:admin); the history keeps every version, the rollback too.
\`switchyard policy history\` lists the versions; \`policy diff\` compares with a file.

Options:
  --if-match REVISION   only if REVISION is still in force (otherwise: conflict, exit 1)`,
  options: { 'if-match': { type: 'string' } },
  async run(ctx, values, positionals) {
    const [version] = expectPositionals(positionals, ['VERSION']);
    const target = parseCount('VERSION', version!);
    const ifMatch = str(values, 'if-match');
    const { body } = await ctx.api().request<VersionView>('POST', '/v1/policy:rollback', {
      body: { version: target },
      ...(ifMatch === undefined
        ? {}
        : { headers: { 'if-match': String(parseCount('--if-match', ifMatch)) } }),
    });
    if (ctx.json) return ctx.out(json(body));
    ctx.out(
      `routing policy revision ${body.revision} (a copy of revision ${target}, version ` +
        `${String(body.document?.version)}) is in force`,
    );
  },
};
