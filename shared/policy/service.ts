/**
 * The routing policy as stored: one current document in the state store, read by every edge
 * instance (cached briefly, so a change is in force everywhere within seconds), replaced with
 * `PUT /v1/policy`. Every decision records the version it used.
 */
import type { Principal } from '../domain/principal.js';
import { requireScope } from '../domain/principal.js';
import type { CoreContext } from '../context/core-context.js';
import { nowIso } from '../context/core-context.js';
import { compilePolicy, EMPTY_POLICY, type CompiledPolicy } from './compile.js';
import { parsePolicy, type Policy } from './schema.js';
import { updateSetting } from '../store/settings.js';

const SETTING = 'routing.policy';
const CACHE_MS = 2_000;

export interface StoredPolicy {
  document: Policy;
  /** Increases by one with every change. */
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export function createPolicyService(ctx: CoreContext) {
  interface Loaded {
    stored: StoredPolicy | undefined;
    compiled: CompiledPolicy;
  }
  // One read per period however many requests want the policy at once.
  let cache: { at: number; loaded: Promise<Loaded> } | undefined;

  async function current(): Promise<StoredPolicy | undefined> {
    return ctx.store.settings.get<StoredPolicy>(SETTING);
  }

  async function load(previous: Promise<Loaded> | undefined): Promise<Loaded> {
    const stored = await current();
    const before = await previous?.catch(() => undefined);
    if (stored && before && stored.revision === before.stored?.revision) return before;
    return { stored, compiled: stored ? compilePolicy(stored.document) : EMPTY_POLICY };
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

    async put(principal: Principal, doc: unknown): Promise<StoredPolicy> {
      requireScope(principal, 'policy:admin');
      const document = parsePolicy(doc);
      // Each change gets the next revision, also when two changes race (instances compare
      // revisions to know whether their compiled copy is current).
      const stored = await updateSetting<StoredPolicy>(
        ctx.store.settings,
        SETTING,
        (previous) => ({
          document,
          revision: (previous?.revision ?? 0) + 1,
          updatedAt: nowIso(ctx),
          updatedBy: principal.tokenId,
        }),
        'the routing policy',
      );
      cache = undefined;
      ctx.log.info('routing policy replaced', {
        version: String(document.version),
        revision: stored.revision,
      });
      return stored;
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
