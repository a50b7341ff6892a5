/** Turning a schema's complaints into the field list every INVALID_* / BAD_REQUEST error carries. */
import type { z } from 'zod';
import { AppError, type ErrorCode, type FieldIssue } from './errors.js';

/** One entry per field path, its messages joined, in the order zod found them. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  const byPath = new Map<string, string[]>();
  for (const i of error.issues) {
    const path = i.path.map(String).join('.') || '(body)';
    const message =
      i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message;
    byPath.set(path, [...(byPath.get(path) ?? []), message]);
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
}

/** The fields as every error message lists them: `path: message; path: message`. */
export function listFields(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/**
 * The error for a body with bad fields: `${headline}: ${listFields(issues)}${tail}`, with the
 * fields in `details.fields` so a client can show each one where it belongs.
 */
export function fieldsError(
  code: ErrorCode,
  headline: string,
  issues: FieldIssue[],
  tail = '',
): AppError {
  return new AppError(code, `${headline}: ${listFields(issues)}${tail}`, {
    details: { fields: issues },
  });
}
