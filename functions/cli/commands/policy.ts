/** `policy get|put|diff`: read, replace and compare the routing policy (needs policy:admin). */
import { stringify } from 'yaml';
import { CliError, expectPositionals, type Command, type CommandContext } from '../args.js';
import { readDocument } from '../files.js';
import { json } from '../format.js';
import { diffPolicies, renderChange } from '../../../shared/policy/diff.js';

interface StoredPolicyView {
  document: Record<string, unknown> | null;
  revision: number;
  updatedAt?: string;
  updatedBy?: string;
}

const NONE = 'no routing policy is stored; the built-in default applies (every cluster, no rules)';

export function readPolicyFile(ctx: CommandContext, file: string): Record<string, unknown> {
  const doc = readDocument(file, ctx.cwd);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError(
      `${file} must hold a policy document: a mapping with version, rules, weights, … (docs/policy.md)`,
    );
  }
  return doc as Record<string, unknown>;
}

const fetchPolicy = async (ctx: CommandContext) =>
  (await ctx.api().request<StoredPolicyView>('GET', '/v1/policy')).body;

export const policyGetCommand: Command = {
  name: 'policy get',
  summary: 'print the routing policy as YAML (policy get > policy.yaml)',
  usage: `Usage: switchyard policy get

Print the routing policy in force (GET /v1/policy; needs policy:admin) as YAML, preceded by a
comment with its revision, so \`switchyard policy get > policy.yaml\` gives a file to edit and
\`policy put\` back. With --json: the API's answer (document, revision, updatedAt, updatedBy).`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const body = await fetchPolicy(ctx);
    if (ctx.json) return ctx.out(json(body));
    if (!body.document) return ctx.err(NONE);
    ctx.out(
      `# routing policy revision ${body.revision}, updated ${body.updatedAt ?? '?'} by ${body.updatedBy ?? '?'}\n` +
        stringify(body.document).trimEnd(),
    );
  },
};

export const policyPutCommand: Command = {
  name: 'policy put',
  summary: 'replace the routing policy with a YAML or JSON file',
  usage: `Usage: switchyard policy put FILE.yaml|FILE.json

Replace the routing policy (PUT /v1/policy; needs policy:admin). The server checks every field
and names each bad one; nothing changes unless the whole document is valid. Run
\`switchyard policy diff FILE\` first to see what would change.`,
  async run(ctx, _values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const doc = readPolicyFile(ctx, file!);
    const { body } = await ctx.api().request<StoredPolicyView>('PUT', '/v1/policy', { body: doc });
    if (ctx.json) return ctx.out(json(body));
    ctx.out(
      `routing policy revision ${body.revision} (version ${String(body.document?.version)}) is in force`,
    );
  },
};

export const policyDiffCommand: Command = {
  name: 'policy diff',
  summary: "compare a local policy file with the server's",
  usage: `Usage: switchyard policy diff FILE.yaml|FILE.json

Show what \`policy put FILE\` would change in the server's routing policy (GET /v1/policy; needs
policy:admin), one line per change, rules matched by name:
  ~ path: server value -> file value
  + path: only in the file
  - path: only on the server
Defaults the server fills in (weights, shares, quotas, a rule's match) count as written.`,
  async run(ctx, _values, positionals) {
    const [file] = expectPositionals(positionals, ['FILE']);
    const local = readPolicyFile(ctx, file!);
    const server = await fetchPolicy(ctx);
    const changes = diffPolicies(server.document, local);
    if (ctx.json) return ctx.out(json({ revision: server.revision, file, changes }));
    const base = server.document
      ? `server (revision ${server.revision}, version ${String(server.document.version)})`
      : 'server (no stored policy)';
    if (changes.length === 0) {
      return ctx.out(`no differences: ${file} matches the ${base}`);
    }
    ctx.out(
      [
        `--- ${base}`,
        `+++ ${file}`,
        ...changes.map(renderChange),
        `${changes.length} difference(s); \`switchyard policy put ${file}\` applies the file`,
      ].join('\n'),
    );
  },
};
