/** `tokens list|create|revoke`: partner API tokens. */
import {
  expectPositionals,
  parseDuration,
  parseList,
  str,
  UsageError,
  type Command,
} from '../args.js';
import { age, fields, json, table } from '../format.js';

interface TokenView {
  id: string;
  tenantId: string;
  scopes: string[];
  projects: string[];
  description: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  status: string;
}

export const tokensListCommand: Command = {
  name: 'tokens list',
  summary: "list a tenant's tokens (never the tokens themselves)",
  usage: `Usage: switchyard tokens list [--tenant T]

List a tenant's API tokens, newest first (GET /v1/tokens; needs tokens:admin).

Options:
  --tenant T   that tenant's tokens (default: yours; another needs an admin-tenant token)`,
  options: { tenant: { type: 'string' } },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx.api().request<{ items: TokenView[] }>('GET', '/v1/tokens', {
      query: { tenant: str(values, 'tenant') },
    });
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0) return ctx.out('no tokens');
    ctx.out(
      table(
        ['ID', 'TENANT', 'STATUS', 'SCOPES', 'PROJECTS', 'EXPIRES', 'DESCRIPTION'],
        body.items.map((t) => [
          t.id,
          t.tenantId,
          t.status,
          t.scopes.join(','),
          t.projects.join(','),
          t.expiresAt.slice(0, 10),
          t.description || '-',
        ]),
      ),
    );
  },
};

export const tokensCreateCommand: Command = {
  name: 'tokens create',
  summary: 'mint a token (shown once)',
  usage: `Usage: switchyard tokens create --scopes a,b --projects p,q [--tenant T] [--ttl 30d]
                               [--description TEXT]

Mint an API token (POST /v1/tokens; needs tokens:admin). The token is printed once, alone on
stdout (so TOKEN=$(switchyard tokens create …) works); its details go to stderr.

Options:
  --scopes a,b       jobs:submit, jobs:read, jobs:cancel, schedules:write, tokens:admin, …
  --projects p,q     project names, or * for all
  --tenant T         the tenant (default: yours; another needs an admin-tenant token)
  --ttl D            lifetime: 3600s, 12h, 30d (default: the server's, 30 days)
  --description T    a note shown by tokens list`,
  options: {
    tenant: { type: 'string' },
    scopes: { type: 'string' },
    projects: { type: 'string' },
    ttl: { type: 'string' },
    description: { type: 'string' },
  },
  async run(ctx, values, positionals) {
    expectPositionals(positionals, []);
    const scopes = parseList(str(values, 'scopes') ?? '');
    const projects = parseList(str(values, 'projects') ?? '');
    if (scopes.length === 0) throw new UsageError('--scopes is required');
    if (projects.length === 0) throw new UsageError('--projects is required');
    const ttl = str(values, 'ttl');
    const tenant = str(values, 'tenant');
    const description = str(values, 'description');
    const { body } = await ctx.api().request<TokenView & { token: string }>('POST', '/v1/tokens', {
      body: {
        scopes,
        projects,
        ...(tenant ? { tenantId: tenant } : {}),
        ...(ttl ? { ttlSeconds: parseDuration('--ttl', ttl) } : {}),
        ...(description ? { description } : {}),
      },
    });
    if (ctx.json) return ctx.out(json(body));
    ctx.err(
      fields([
        ['id', body.id],
        ['tenant', body.tenantId],
        ['scopes', body.scopes.join(', ')],
        ['projects', body.projects.join(', ')],
        ['expires', body.expiresAt],
      ]) + '\nthe token is shown only this once; store it now:',
    );
    ctx.out(body.token);
  },
};

export const tokensRevokeCommand: Command = {
  name: 'tokens revoke',
  summary: 'revoke a token at once (with --cascade, also the tokens it minted)',
  usage: `Usage: switchyard tokens revoke ID [--cascade]

Revoke a token; it stops working at once (DELETE /v1/tokens/ID; needs tokens:admin). Says how
many live tokens it minted (directly or through them).

Options:
  --cascade          revoke those too`,
  options: { cascade: { type: 'boolean' } },
  async run(ctx, values, positionals) {
    const [id] = expectPositionals(positionals, ['ID']);
    const query = values.cascade === true ? '?cascade=true' : '';
    const { body } = await ctx
      .api()
      .request<TokenView & { minted: { live: number; revoked: number } }>(
        'DELETE',
        `/v1/tokens/${encodeURIComponent(id!)}${query}`,
      );
    if (ctx.json) return ctx.out(json(body));
    const { live, revoked } = body.minted;
    ctx.out(
      `token ${body.id} is ${body.status}` +
        (revoked > 0 ? `; revoked ${revoked} token(s) it minted` : '') +
        (live > 0 ? `; ${live} token(s) it minted are still live (--cascade revokes them)` : ''),
    );
  },
};

interface SigningKeyView {
  kid: string;
  alg: string;
  createdAt: string;
  signing: boolean;
}

export const signingKeysCommand: Command = {
  name: 'signing-keys',
  summary: 'list the keys that sign and verify API tokens (admin tenant)',
  usage: `Usage: switchyard signing-keys

List the token signing keys, the one that signs new tokens first (GET /v1/signing-keys; needs
tokens:admin on an admin-tenant token). Older keys still verify the tokens they signed until
they are retired.`,
  async run(ctx, _values, positionals) {
    expectPositionals(positionals, []);
    const { body } = await ctx
      .api()
      .request<{ items: SigningKeyView[] }>('GET', '/v1/signing-keys');
    if (ctx.json) return ctx.out(json(body));
    if (body.items.length === 0) return ctx.out('no signing keys yet (one is made on first use)');
    const now = ctx.now();
    ctx.out(
      table(
        ['KID', 'ALG', 'ROLE', 'CREATED', 'AGE'],
        body.items.map((k) => [
          k.kid,
          k.alg,
          k.signing ? 'signing' : 'verify only',
          k.createdAt,
          age(k.createdAt, now),
        ]),
      ),
    );
  },
};
