/**
 * Every accepted routing policy version, kept in the settings table so no store needs a new
 * method: the version in force lives under `routing.policy` (what every instance reads, as before
 * history was kept) and each version also under `routing.policy.v.<revision>`. A writer first
 * makes sure the version it replaces is kept, then moves `routing.policy` with compare-and-set
 * (`replace`), then keeps its own copy. So every version below the one in force is always kept,
 * and a writer that dies half-way leaves only the in-force copy missing, which reads fall back to
 * and the next writer restores. Edge-safe.
 */
import { AppError } from '../base/errors.js';
import type { SettingsTable } from '../store/port.js';
import type { Policy } from './schema.js';

export const CURRENT_KEY = 'routing.policy';
export const versionKey = (revision: number): string => `${CURRENT_KEY}.v.${revision}`;

/** One accepted version: who (token id) stored it, when, the document, what changed. */
export interface PolicyVersion {
  document: Policy;
  /** 1, 2, 3, …: one more with every accepted change (a rollback too). */
  revision: number;
  updatedAt: string;
  updatedBy: string;
  /** What changed against the previous version; absent on a version stored before history. */
  summary?: string;
  /** The revision a rollback copied. */
  rollbackOf?: number;
}

const ATTEMPTS = 10;

/** 409 VERSION_CONFLICT: the caller's If-Match names a revision that is no longer in force. */
export function staleRevision(expected: number, current: number): AppError {
  return new AppError(
    'VERSION_CONFLICT',
    `the routing policy is at revision ${current}, not ${expected} as If-Match says: someone ` +
      'changed it since you read it; GET /v1/policy again, re-apply your change and retry',
    { details: { currentRevision: current, expectedRevision: expected } },
  );
}

/**
 * Stores `make(current)` as the next version, over exactly the version read. With
 * `expectRevision` (If-Match) a different revision in force is a 409 instead of a retry.
 */
export async function writeVersion(
  settings: SettingsTable,
  make: (current: PolicyVersion | undefined) => PolicyVersion,
  expectRevision?: number,
): Promise<PolicyVersion> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await settings.get<PolicyVersion>(CURRENT_KEY);
    const revision = current?.revision ?? 0;
    if (expectRevision !== undefined && expectRevision !== revision) {
      throw staleRevision(expectRevision, revision);
    }
    if (current) await settings.putIfAbsent(versionKey(current.revision), current);
    const next = make(current);
    const moved = current
      ? await settings.replace(CURRENT_KEY, current, next)
      : await settings.putIfAbsent(CURRENT_KEY, next);
    if (moved) {
      await settings.putIfAbsent(versionKey(next.revision), next);
      return next;
    }
  }
  throw new AppError(
    'CONFLICT',
    'the routing policy kept changing while this request updated it: retry',
    { retryable: true },
  );
}

export async function readCurrent(settings: SettingsTable): Promise<PolicyVersion | undefined> {
  return settings.get<PolicyVersion>(CURRENT_KEY);
}

/** The version `revision`, or undefined if it was never stored (or predates the history). */
export async function readVersion(
  settings: SettingsTable,
  revision: number,
): Promise<PolicyVersion | undefined> {
  const kept = await settings.get<PolicyVersion>(versionKey(revision));
  if (kept) return kept;
  const current = await readCurrent(settings);
  return current?.revision === revision ? current : undefined;
}

export interface HistoryPage {
  items: PolicyVersion[];
  /** The revision to continue below (`before`), when older versions are kept. */
  next?: number;
}

/**
 * Up to `limit` versions, newest first, below revision `before` (default: from the one in force).
 * A version stored before history was kept ends the list.
 */
export async function readHistory(
  settings: SettingsTable,
  limit: number,
  before?: number,
): Promise<HistoryPage> {
  const current = await readCurrent(settings);
  if (!current) return { items: [] };
  const top = Math.min(before === undefined ? current.revision : before - 1, current.revision);
  const revisions: number[] = [];
  for (let r = top; r >= 1 && revisions.length < limit; r--) revisions.push(r);
  const found = await Promise.all(
    revisions.map((r) =>
      r === current.revision ? current : settings.get<PolicyVersion>(versionKey(r)),
    ),
  );
  const items: PolicyVersion[] = [];
  for (const v of found) {
    if (!v) return { items };
    items.push(v);
  }
  const lowest = items.at(-1)?.revision ?? 1;
  return lowest > 1 ? { items, next: lowest } : { items };
}
