/**
 * Hono's default router with its answers for static paths remembered. The API's routes make Hono
 * fall back from its RegExpRouter to the TrieRouter, which walks the tree on every request; a path
 * whose match has no parameters (`POST /v1/jobs`, `GET /healthz`) always matches the same
 * handlers, so that answer is kept (Hono only reads a match result). A path with a parameter
 * (`/v1/jobs/:id`) is matched every time, so ids never fill the memo, which is bounded anyway.
 * Edge-safe: Hono only.
 */
import type { ParamIndexMap, Params, Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/** Paths remembered at most; past it the memo starts over (unmatched paths are static too). */
const MAX_PATHS = 256;

function hasParams(entries: ReadonlyArray<readonly [unknown, ParamIndexMap | Params]>): boolean {
  for (let i = 0; i < entries.length; i++) {
    for (const _ in entries[i]![1]) return true;
  }
  return false;
}

export class StaticMemoRouter<T> implements Router<T> {
  readonly #inner: Router<T>;
  readonly #memo = new Map<string, Result<T>>();

  /** `inner`: Hono's default, the SmartRouter over RegExpRouter and TrieRouter. */
  constructor(inner?: Router<T>) {
    this.#inner =
      inner ?? new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });
  }

  get name(): string {
    return `StaticMemo(${this.#inner.name})`;
  }

  add(method: string, path: string, handler: T): void {
    this.#memo.clear();
    this.#inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    const known = this.#memo.get(key);
    if (known) return known;
    const result = this.#inner.match(method, path);
    if (!hasParams(result[0])) {
      if (this.#memo.size >= MAX_PATHS) this.#memo.clear();
      this.#memo.set(key, result);
    }
    return result;
  }
}
