/** Turning a schema's complaints into the field list every INVALID_* / BAD_REQUEST error carries. */
import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

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
