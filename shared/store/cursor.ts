/**
 * Helpers every store driver shares, so they page, sort and count the same way: the opaque job
 * cursor, the record orderings, the `limit` check and the usage-counter rule. Edge-safe:
 * Web-standard APIs only.
 */
import { AppError, QuotaExceededError } from '../base/errors.js';
import type { Job } from '../domain/job.js';
import type { UsageDelta } from './port.js';

/** The last job of a page; the next page starts strictly after it (newest-first order). */
export interface JobCursor {
  createdAt: string;
  id: string;
}

const BAD_CURSOR = 'cursor is not valid: pass the nextCursor of a previous page';

/** base64url of UTF-8 JSON, without padding. */
export function encodeCursor(value: JobCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ c: value.createdAt, i: value.id }));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Throws `BAD_REQUEST` for anything that is not a cursor this module produced. */
export function decodeCursor(cursor: string): JobCursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (typeof parsed === 'object' && parsed !== null) {
      const { c, i } = parsed as Record<string, unknown>;
      if (typeof c === 'string' && typeof i === 'string') return { createdAt: c, id: i };
    }
  } catch (cause) {
    throw new AppError('BAD_REQUEST', BAD_CURSOR, { cause });
  }
  throw new AppError('BAD_REQUEST', BAD_CURSOR);
}

/** Code-unit order, the same as SQLite's BINARY collation for the ASCII keys used here. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first: `createdAt`, then id. */
export function compareOldestFirst(
  a: { createdAt: string; id: string },
  b: { createdAt: string; id: string },
): number {
  return compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id);
}

/** Newest first: `createdAt` descending, then id descending (the order of `JobTable.list`). */
export function compareNewestFirst(
  a: { createdAt: string; id: string },
  b: { createdAt: string; id: string },
): number {
  return compareOldestFirst(b, a);
}

/** Whether `job` comes after the cursor position in newest-first order. */
export function isAfterCursor(job: Pick<Job, 'createdAt' | 'id'>, cursor: JobCursor): boolean {
  return compareNewestFirst(job, cursor) > 0;
}

/** Checks a page size against the port's 1..max range. */
export function checkLimit(limit: number, max = 500): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new AppError('BAD_REQUEST', `limit must be an integer from 1 to ${max}; got ${limit}`);
  }
  return limit;
}

/** Schedules in `listDue` order: `nextFireAt`, then id. */
export function compareDue(
  a: { nextFireAt: string; id: string },
  b: { nextFireAt: string; id: string },
): number {
  return compareText(a.nextFireAt, b.nextFireAt) || compareText(a.id, b.id);
}

/** Records in id order (the order of every `listByTenant` sorted by id). */
export function compareById(a: { id: string }, b: { id: string }): number {
  return compareText(a.id, b.id);
}

/**
 * The value a usage counter takes after `change`: never below 0, and `QuotaExceededError` naming
 * the key if it would end above `change.max`.
 */
export function nextUsage(current: number, change: UsageDelta): number {
  const next = Math.max(0, current + change.delta);
  if (change.max !== undefined && next > change.max) throw new QuotaExceededError(change.key);
  return next;
}
