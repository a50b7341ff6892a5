/**
 * The routing policy as stored: one current document in the state store, read by every edge
 * instance (cached briefly, so a change is in force everywhere within seconds), replaced with
 * `PUT /v1/policy` or a rollback, optionally compare-and-set on the revision read (`If-Match`).
 * Every accepted version is kept (./versions.ts) with a summary of what changed (./diff.ts).
 * Every decision records the version it used.
 */
import type { Principal } from '../domain/principal.js';
import { requireScope } from '../domain/principal.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { compilePolicy, EMPTY_POLICY, type CompiledPolicy } from './compile.js';
import { parsePolicy, type Policy } from './schema.js';
import { AppError } from '../base/errors.js';
import { diffPolicies, ruleChanges, summarizeChanges } from './diff.js';
import {
  readCurrent,
  readHistory,
  readVersion,
  writeVersion,
  type PolicyVersion,
} from './versions.js';
import { parseIfMatch, parseLimit, parseRevision, parseRollback } from './requests.js';

const CACHE_MS = 2_000;

/** The policy in force: its latest version. */
export type StoredPolicy = PolicyVersion;
type Doc = Record<string, unknown>;

export function createPolicyService(ctx: CoreContext) {
  interface Loaded {
    stored: StoredPolicy | undefined;
    compiled: CompiledPolicy;
  }
  // One read per period however many requests want the policy at once.
  let cache: { at: number; loaded: Promise<Loaded> } | undefined;

  const settings = ctx.store.settings;
  const current = () => readCurrent(settings);

  async function load(previous: Promise<Loaded> | undefined): Promise<Loaded> {
    const stored = await current();
    const before = await previous?.catch(() => undefined);
    if (stored && before && stored.revision === before.stored?.revision) return before;
    return { stored, compiled: stored ? compilePolicy(stored.document) : EMPTY_POLICY };
  }

  /** Stores `document` as the next version (If-Match: only over that revision). */
  async function store(
    principal: Principal,
    document: Policy,
    ifMatch: string | undefined,
    rollbackOf?: number,
  ): Promise<StoredPolicy> {
    const expect = parseIfMatch(ifMatch);
    const stored = await writeVersion(
      settings,
      (previous) => {
        const changes = diffPolicies((previous?.document as Doc | undefined) ?? null, document);
        const what = previous ? summarizeChanges(changes) : 'first version';
        return {
          document,
          revision: (previous?.revision ?? 0) + 1,
          updatedAt: nowIso(ctx),
          updatedBy: principal.tokenId,
          summary: rollbackOf === undefined ? what : `rollback to revision ${rollbackOf}: ${what}`,
          ...(rollbackOf === undefined ? {} : { rollbackOf }),
        };
      },
      expect,
    );
    cache = undefined;
    ctx.log.info('routing policy replaced', {
      version: String(document.version),
      revision: stored.revision,
      ...(rollbackOf === undefined ? {} : { rollbackOf }),
    });
    return stored;
  }

  async function mustRead(revision: number): Promise<PolicyVersion> {
    const found = await readVersion(settings, revision);
    if (found) return found;
    const now = (await current())?.revision ?? 0;
    throw new AppError(
      'NOT_FOUND',
      now === 0
        ? `no routing policy version ${revision}: none was ever stored (PUT /v1/policy stores one)`
        : `no routing policy version ${revision}: versions run from 1 to ${now} (the history ` +
            'starts where versions were first kept); GET /v1/policy/history lists them',
      { details: { revision, currentRevision: now } },
    );
  }

  return {
    /** The compiled policy in force (the empty policy when none was set). */
    async compiled(): Promise<CompiledPolicy> {
      const now = ctx.clock.now();
      if (!cache || now - cache.at >= CACHE_MS) {
        const loaded = load(cache?.loaded);
        const entry = { at: now, loaded };
        cache = entry;
        loaded.catch(() => {
          if (cache === entry) cache = undefined;
        });
      }
      return (await cache.loaded).compiled;
    },

    async get(principal: Principal): Promise<StoredPolicy | { document: null; revision: 0 }> {
      requireScope(principal, 'policy:admin');
      return (await current()) ?? { document: null, revision: 0 };
    },

    /** Replaces the policy; `ifMatch` (the If-Match header): only if that revision is in force. */
    async put(principal: Principal, doc: unknown, ifMatch?: string): Promise<StoredPolicy> {
      requireScope(principal, 'policy:admin');
      return store(principal, parsePolicy(doc), ifMatch);
    },

    /** A new version equal to version `body.version`'s document; the history keeps growing. */
    async rollback(principal: Principal, body: unknown, ifMatch?: string): Promise<StoredPolicy> {
      requireScope(principal, 'policy:admin');
      const { version } = parseRollback(body);
      const old = await mustRead(version);
      return store(principal, old.document, ifMatch, version);
    },

    /** Versions newest first, without their documents; `cursor`: a page's `nextCursor`. */
    async history(principal: Principal, q: { limit?: string; cursor?: string }) {
      requireScope(principal, 'policy:admin');
      const limit = parseLimit(q.limit);
      const before = q.cursor === undefined ? undefined : parseRevision(q.cursor, 'cursor');
      const page = await readHistory(settings, limit, before);
      return {
        items: page.items.map(({ document, ...meta }) => ({
          ...meta,
          policyVersion: document.version,
        })),
        nextCursor: page.next === undefined ? null : String(page.next),
      };
    },

    async version(principal: Principal, revision: string): Promise<StoredPolicy> {
      requireScope(principal, 'policy:admin');
      return mustRead(parseRevision(revision, 'the version'));
    },

    /** Rule-level changes from version `from` to version `to` (default: the one in force). */
    async diff(principal: Principal, q: { from?: string; to?: string }) {
      requireScope(principal, 'policy:admin');
      const from = parseRevision(q.from, 'from');
      const to =
        q.to === undefined ? ((await current())?.revision ?? 0) : parseRevision(q.to, 'to');
      const [a, b] = await Promise.all([mustRead(from), mustRead(to || from)]);
      const changes = diffPolicies(a.document as Doc, b.document as Doc);
      const { other, ...rules } = ruleChanges(changes);
      const summary = summarizeChanges(changes);
      return { from, to: b.revision, summary, rules, otherFields: other, changes };
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
