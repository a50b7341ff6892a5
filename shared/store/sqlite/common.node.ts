/**
 * What every SQLite table of the store shares: rows are a JSON `body` plus indexed columns, and a
 * primary-key violation on insert means the record already exists.
 */
import { AlreadyExistsError } from '../../base/errors.js';

export type Row = { body: string };

export const parse = <T>(row: unknown): T | undefined =>
  row === undefined ? undefined : (JSON.parse((row as Row).body) as T);

export const parseAll = <T>(rows: unknown[]): T[] =>
  (rows as Row[]).map((r) => JSON.parse(r.body) as T);

const isUniqueViolation = (e: unknown): boolean =>
  e instanceof Error && 'code' in e && String(e.code).startsWith('SQLITE_CONSTRAINT');

/** Runs an INSERT, turning a primary-key violation into `AlreadyExistsError`. */
export function insertOnce(what: string, run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (isUniqueViolation(e)) throw new AlreadyExistsError(what);
    throw e;
  }
}
