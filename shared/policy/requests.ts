/**
 * The inputs of the policy history routes, checked after the scope (so a token without
 * `policy:admin` learns nothing from a 400): revisions in paths and queries, the page size, the
 * If-Match header and the rollback body. Each bad one is a 400 saying what to send. Edge-safe.
 */
import { z } from 'zod';
import { AppError } from '../base/errors.js';
import { issuesOf, fieldsError } from '../base/validation.js';

export const HISTORY_LIMIT = { default: 20, max: 100 } as const;

/** `{ "version": N }`: the revision to roll back to. */
export const rollbackSchema = z.strictObject({
  version: z.int({ error: 'version must be a whole number' }).min(1, {
    error: 'version is a policy revision from 1 up (GET /v1/policy/history lists them)',
  }),
});

const DIGITS = /^[1-9]\d{0,15}$/;

/** A revision given as text (path, query, cursor): a whole number from 1. */
export function parseRevision(value: string | undefined, what: string): number {
  if (value === undefined || !DIGITS.test(value)) {
    throw new AppError(
      'BAD_REQUEST',
      `${what} must be a policy revision, a whole number from 1 (GET /v1/policy/history lists ` +
        `them); got ${value === undefined ? 'nothing' : JSON.stringify(value.slice(0, 40))}`,
      { details: { field: what } },
    );
  }
  return Number(value);
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return HISTORY_LIMIT.default;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= HISTORY_LIMIT.max)) {
    throw new AppError(
      'BAD_REQUEST',
      `limit must be a whole number from 1 to ${HISTORY_LIMIT.max}`,
      {
        details: { field: 'limit' },
      },
    );
  }
  return n;
}

/**
 * `If-Match: 4` or `If-Match: "4"` (the ETag GET /v1/policy answers with) → 4; absent → no
 * condition. `0` asks that no policy be stored yet.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(0|[1-9]\d{0,15})"?\s*$/.exec(header);
  if (!m) {
    throw new AppError(
      'BAD_REQUEST',
      'If-Match must be the policy revision you read (the `revision` or ETag of GET /v1/policy, ' +
        `e.g. If-Match: "4"); got ${JSON.stringify(header.slice(0, 40))}`,
      { details: { field: 'If-Match' } },
    );
  }
  return Number(m[1]);
}

export function parseRollback(body: unknown): z.output<typeof rollbackSchema> {
  const result = rollbackSchema.safeParse(body);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  throw fieldsError(
    'BAD_REQUEST',
    'the rollback needs { "version": N }, N a revision from GET /v1/policy/history',
    issues,
  );
}
