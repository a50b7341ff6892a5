/**
 * Issuing, listing and revoking API tokens, and managing the signing-key ring, for callers with
 * `tokens:admin`. The rules (see docs/security.md):
 *
 * - a caller mints only for its own tenant, unless it belongs to the admin tenant (which may mint
 *   for any tenant, creating the tenant on first use);
 * - a minted token's scopes are a subset of the caller's, its projects a subset of the caller's
 *   (`*` only from a caller that has `*`), its lifetime at most the maximum token age and never
 *   past the caller's own expiry;
 * - platform-wide scopes (`clusters:admin`, `policy:admin`, `drainer`, `metrics:*`) go only
 *   on tokens of the admin tenant, since they act on (or show) every tenant;
 * - listing shows records, never a token (the admin tenant may list any tenant's); revoking is effective at once, says how many tokens the
 *   revoked one minted (directly or through them) are still live, and with `cascade` revokes them;
 * - another tenant's token is "not found"; signing keys are the admin tenant's alone.
 */
import * as jose from 'jose';
import { z } from 'zod';
import { AppError, AlreadyExistsError, notFound } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { issuesOf, fieldsError } from '../base/validation.js';
import type { TokenRecord } from '../store/port.js';
import type { Principal } from '../domain/principal.js';
import { canUseProject, requireScope, SCOPES } from '../domain/principal.js';
import type { SigningAlg, TokenService } from './tokens.js';
import { SIGNING_ALGORITHMS } from './tokens.js';

const TENANT_ID = /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/;
const PROJECT = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\*)$/;
/** Scopes that act on the whole platform, not one tenant: only admin-tenant tokens hold them. */
const PLATFORM_SCOPES: readonly string[] = [
  'clusters:admin',
  'policy:admin',
  'drainer',
  'metrics:read',
  'metrics:tenants',
];

export interface TokenAdminOptions {
  ctx: CoreContext;
  tokens: TokenService;
  adminTenant: string;
  /** Longest lifetime a minted token may have. Default 400 days. */
  maxTtlSeconds?: number;
  /** Lifetime when the request names none. Default 30 days. */
  defaultTtlSeconds?: number;
  /** The token an embedded install keeps for its CLI and dashboard, to warn before it breaks. */
  localAdminToken?: LocalAdminToken;
}

/** Where the local admin token lives, and a reader of it (undefined when there is none). */
export interface LocalAdminToken {
  path: string;
  read(): string | undefined;
}

/** The kid in a JWT's header, or undefined when `token` is not a JWT. */
export function kidOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    return jose.decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

/** What the API shows of a token record: never the token. */
export function tokenView(r: TokenRecord, now: number) {
  const status = r.revokedAt ? 'revoked' : Date.parse(r.expiresAt) <= now ? 'expired' : 'active';
  return {
    id: r.id,
    tenantId: r.tenantId,
    scopes: r.scopes,
    projects: r.projects,
    description: r.description,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt ?? null,
    mintedBy: r.mintedBy ?? null,
    status,
  };
}

/** Parses with a strict schema; unknown fields are a 400 naming them. */
export function parseStrict<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = issuesOf(result.error);
    throw fieldsError('BAD_REQUEST', `the ${what} has ${issues.length} invalid field(s)`, issues);
  }
  return result.data;
}

/** A token request (POST /v1/tokens); `ttlSeconds` is further bounded by the configured maximum. */
export const tokenIssueSchema = z.strictObject({
  tenantId: z
    .string()
    .regex(TENANT_ID, 'tenantId: 3-63 lower-case letters, digits and -')
    .optional(),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  projects: z.array(z.string().max(63).regex(PROJECT, 'a project name, or *')).min(1).max(100),
  ttlSeconds: z.int().min(60).optional(),
  description: z.string().max(200).default(''),
});

/** A signing-key rotation (POST /v1/signing-keys). */
export const signingKeyRotateSchema = z.strictObject({
  alg: z.enum(SIGNING_ALGORITHMS).optional(),
});

export function createTokenAdmin(options: TokenAdminOptions) {
  const { ctx, tokens, adminTenant } = options;
  const maxTtl = options.maxTtlSeconds ?? 400 * 86_400;
  const defaultTtl = Math.min(options.defaultTtlSeconds ?? 30 * 86_400, maxTtl);
  const issueSchema = tokenIssueSchema.extend({
    ttlSeconds: z.int().min(60).max(maxTtl).optional(),
  });
  const rotateSchema = signingKeyRotateSchema;

  const isAdmin = (p: Principal) => p.tenantId === adminTenant;

  function requireAdminTenant(p: Principal): void {
    requireScope(p, 'tokens:admin');
    if (!isAdmin(p)) {
      throw new AppError('FORBIDDEN', `only the ${adminTenant} tenant manages signing keys`);
    }
  }

  async function ensureTenant(tenantId: string): Promise<void> {
    if (await ctx.store.tenants.get(tenantId)) return;
    try {
      await ctx.store.tenants.create({ id: tenantId, name: tenantId, createdAt: nowIso(ctx) });
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  }

  /** `ttl`, shortened so the minted token expires no later than the caller's own token. */
  function cappedTtl(caller: Principal, ttl: number): number {
    if (caller.expiresAt === undefined) return ttl;
    const left = Math.floor((Date.parse(caller.expiresAt) - ctx.clock.now()) / 1000);
    if (left < 1)
      throw new AppError('UNAUTHENTICATED', 'your token has expired: ask for a new one');
    return Math.min(ttl, left);
  }

  async function revokeOne(record: TokenRecord): Promise<TokenRecord> {
    tokens.forget(record.id);
    if (record.revokedAt) return record;
    const revoked = { ...record, revokedAt: nowIso(ctx) };
    await ctx.store.tokens.put(revoked);
    return revoked;
  }

  /**
   * The live tokens `root` minted, directly or through tokens it minted, in its tenant. (A token
   * the admin tenant minted for another tenant lives in that tenant and is revoked there.)
   */
  async function liveDescendants(root: TokenRecord): Promise<TokenRecord[]> {
    const now = ctx.clock.now();
    const all = await ctx.store.tokens.listByTenant(root.tenantId);
    const children = new Map<string, TokenRecord[]>();
    for (const r of all) {
      if (r.mintedBy === undefined) continue;
      children.set(r.mintedBy, [...(children.get(r.mintedBy) ?? []), r]);
    }
    const found: TokenRecord[] = [];
    const seen = new Set([root.id]);
    const queue = [root.id];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const child of children.get(id) ?? []) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        queue.push(child.id);
        if (!child.revokedAt && Date.parse(child.expiresAt) > now) found.push(child);
      }
    }
    return found;
  }

  return {
    /** Mints a token; the token is in this answer only. */
    async issue(caller: Principal, body: unknown) {
      requireScope(caller, 'tokens:admin');
      const req = parseStrict(issueSchema, body, 'token request');
      const tenantId = req.tenantId ?? caller.tenantId;
      if (tenantId !== caller.tenantId && !isAdmin(caller)) {
        throw new AppError('FORBIDDEN', 'a token may only be minted for your own tenant', {
          details: { tenantId },
        });
      }
      const extraScopes = req.scopes.filter((s) => !caller.scopes.has(s));
      if (extraScopes.length > 0) {
        throw new AppError(
          'FORBIDDEN',
          `you cannot grant scopes you lack: ${extraScopes.join(', ')}`,
          {
            details: { scopes: extraScopes },
          },
        );
      }
      const extraProjects = req.projects.filter((p) =>
        p === '*' ? !caller.projects.includes('*') : !canUseProject(caller, p),
      );
      if (extraProjects.length > 0) {
        throw new AppError(
          'FORBIDDEN',
          `you cannot grant projects you lack: ${extraProjects.join(', ')}`,
          {
            details: { projects: extraProjects },
          },
        );
      }
      const platform = req.scopes.filter((s) => PLATFORM_SCOPES.includes(s));
      if (platform.length > 0 && tenantId !== adminTenant) {
        throw new AppError(
          'FORBIDDEN',
          `${platform.join(', ')} act on every tenant, so only ${adminTenant} tenant tokens may hold them`,
          { details: { scopes: platform } },
        );
      }
      await ensureTenant(tenantId);
      const { token, record } = await tokens.issue({
        tenantId,
        scopes: [...new Set(req.scopes)],
        projects: [...new Set(req.projects)],
        ttlSeconds: cappedTtl(caller, req.ttlSeconds ?? defaultTtl),
        description: req.description,
        mintedBy: caller.tokenId,
      });
      return { token, ...tokenView(record, ctx.clock.now()) };
    },

    /**
     * A tenant's tokens, newest first; never the tokens themselves. `tenant` defaults to the
     * caller's; only the admin tenant may name another (an unknown one is "not found").
     */
    async list(caller: Principal, tenant?: string) {
      requireScope(caller, 'tokens:admin');
      const tenantId = tenant ?? caller.tenantId;
      if (tenantId !== caller.tenantId) {
        if (!isAdmin(caller)) {
          throw new AppError(
            'FORBIDDEN',
            `only the ${adminTenant} tenant lists another tenant's tokens; leave out tenant= to list your own`,
            { details: { tenantId } },
          );
        }
        if (!TENANT_ID.test(tenantId)) {
          throw new AppError(
            'BAD_REQUEST',
            `tenant must be a tenant id (3-63 lower-case letters, digits and -), got ${JSON.stringify(tenantId.slice(0, 80))}`,
          );
        }
        if (!(await ctx.store.tenants.get(tenantId))) throw notFound(`tenant ${tenantId}`);
      }
      const records = await ctx.store.tokens.listByTenant(tenantId);
      const now = ctx.clock.now();
      return records
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
        )
        .map((r) => tokenView(r, now));
    },

    /**
     * Revokes at once; revoking a revoked token is a no-op. Another tenant's is not found. The
     * answer counts the live tokens it minted (directly or through them); `cascade` revokes them.
     */
    async revoke(caller: Principal, id: string, options: { cascade?: boolean } = {}) {
      requireScope(caller, 'tokens:admin');
      const record = await ctx.store.tokens.get(id);
      if (!record || (record.tenantId !== caller.tenantId && !isAdmin(caller))) {
        throw notFound(`token ${id}`);
      }
      const revoked = await revokeOne(record);
      const minted = await liveDescendants(record);
      if (options.cascade) for (const child of minted) await revokeOne(child);
      return {
        ...tokenView(revoked, ctx.clock.now()),
        minted: options.cascade
          ? { live: 0, revoked: minted.length }
          : { live: minted.length, revoked: 0 },
      };
    },

    async listKeys(caller: Principal) {
      requireAdminTenant(caller);
      return tokens.listKeys();
    },

    async rotateKey(caller: Principal, body: unknown) {
      requireAdminTenant(caller);
      const { alg } = parseStrict(rotateSchema, body ?? {}, 'rotation request');
      const kid = await tokens.rotate(alg as SigningAlg | undefined);
      return { kid, keys: await tokens.listKeys() };
    },

    /** Retires a verify-only key; `warnings` says which tokens stop working with it. */
    async retireKey(caller: Principal, kid: string) {
      requireAdminTenant(caller);
      const ring = await tokens.listKeys();
      const at = ring.findIndex((k) => k.kid === kid);
      await tokens.retire(kid);
      const warnings: string[] = [];
      const key = ring[at];
      if (key) {
        const until = ring[at - 1]?.createdAt ?? 'now';
        warnings.push(
          `tokens signed by key ${kid} (those issued from ${key.createdAt} until ${until}) stop working now; mint replacements with POST /v1/tokens`,
        );
      }
      const local = options.localAdminToken;
      if (local && kidOf(local.read()) === kid) {
        warnings.push(
          `the local admin token in ${local.path}, used by the CLI and the dashboard, was signed by key ${kid} and stops working; restart Switchyard (npm start issues a new one) or mint one with npm run admin:token`,
        );
      }
      return { retired: kid, keys: await tokens.listKeys(), warnings };
    },
  };
}

export type TokenAdmin = ReturnType<typeof createTokenAdmin>;
