/**
 * The inputs of the what-if replay (`POST /v1/policy:simulate`, `PUT /v1/policy?dryRun=true`):
 * the draft (`{ "document": {...} }` or `{ "version": N }`) and the window of recent jobs
 * (`limit`, `sinceMinutes`, `maxChanges` in the query). Each bad one is a 400 naming the field and
 * what to send. Edge-safe.
 */
import { z } from 'zod';
import { AppError } from '../base/errors.js';
import { issuesOf, fieldsError } from '../base/validation.js';

export const SIMULATE_LIMITS = {
  jobs: { default: 1_000, max: 10_000 },
  /** A week. */
  sinceMinutes: { max: 7 * 24 * 60 },
  changes: { default: 100, max: 1_000 },
} as const;

/** The draft to replay: a document, or a kept version (exactly one). */
export const simulateSchema = z
  .strictObject({
    document: z
      .record(z.string(), z.unknown(), { error: 'document must be a policy document (an object)' })
      .optional(),
    version: z
      .int({ error: 'version must be a whole number' })
      .min(1, { error: 'version is a policy revision from 1 up (GET /v1/policy/history)' })
      .optional(),
  })
  .refine((b) => (b.document === undefined) !== (b.version === undefined), {
    error: 'send exactly one of document (a draft policy) or version (a kept revision)',
    path: ['document'],
  });

export type SimulateBody = z.output<typeof simulateSchema>;

export function parseSimulateBody(body: unknown): SimulateBody {
  const result = simulateSchema.safeParse(body);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  throw fieldsError(
    'BAD_REQUEST',
    'the simulation needs { "document": {...} } (a draft policy) or { "version": N } (a kept revision)',
    issues,
  );
}

export interface SimulateWindow {
  /** The newest `limit` jobs of the tenant… */
  limit: number;
  /** …submitted within this many minutes (absent: any age). */
  sinceMinutes?: number;
  /** Changed jobs listed at most (all are counted). */
  maxChanges: number;
}

function wholeNumber(
  value: string | undefined,
  field: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (n >= min && n <= max) return n;
  throw new AppError(
    'BAD_REQUEST',
    `${field} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value.slice(0, 40))}`,
    {
      details: {
        field,
        fields: [{ path: field, message: `a whole number from ${min} to ${max}` }],
      },
    },
  );
}

/** `?limit=&sinceMinutes=&maxChanges=`; with only `sinceMinutes`, up to 10,000 jobs. */
export function parseSimulateWindow(q: {
  limit?: string | undefined;
  sinceMinutes?: string | undefined;
  maxChanges?: string | undefined;
}): SimulateWindow {
  const { jobs, sinceMinutes, changes } = SIMULATE_LIMITS;
  const limit = wholeNumber(q.limit, 'limit', 1, jobs.max);
  const since = wholeNumber(q.sinceMinutes, 'sinceMinutes', 1, sinceMinutes.max);
  const maxChanges = wholeNumber(q.maxChanges, 'maxChanges', 0, changes.max);
  return {
    limit: limit ?? (since === undefined ? jobs.default : jobs.max),
    ...(since !== undefined && { sinceMinutes: since }),
    maxChanges: maxChanges ?? changes.default,
  };
}

/** `?dryRun=true|false` on PUT /v1/policy. */
export function parseDryRun(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new AppError('BAD_REQUEST', 'dryRun must be true or false', {
    details: { field: 'dryRun', fields: [{ path: 'dryRun', message: 'true or false' }] },
  });
}
