/**
 * Job templates for inbound hooks: a job submission whose string values may hold
 * `{{payload.some.path}}` placeholders, filled from the webhook's JSON payload. Only own
 * properties are followed and only strings, numbers and booleans are inserted (as text); keys are
 * never templated. Filled submissions go through the normal job schema.
 */
import { AppError, type FieldIssue } from '../base/errors.js';

const PLACEHOLDER = /\{\{\s*payload((?:\.[A-Za-z0-9_-]{1,100}){1,16})\s*\}\}/g;
/** A filled value longer than this is refused (the job schema has its own limits too). */
const MAX_VALUE_CHARS = 4096;
const MAX_TEMPLATE_CHARS = 64 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every placeholder path in `template`, and every malformed `{{…}}`, by field path. */
export function templateIssues(template: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (JSON.stringify(template).length > MAX_TEMPLATE_CHARS) {
    return [{ path: 'template', message: `at most ${MAX_TEMPLATE_CHARS} characters of JSON` }];
  }
  walk(template, 'template', (value, path) => {
    const rest = value.replace(PLACEHOLDER, '');
    if (rest.includes('{{') || rest.includes('}}')) {
      issues.push({
        path,
        message:
          'placeholders look like {{payload.field}} or {{payload.a.b}}; nothing else is filled in',
      });
    }
    return value;
  });
  return issues;
}

/** `template` with each placeholder replaced by the same text, to validate its shape. */
export function sampleFill(template: Record<string, unknown>, sample = 'x'): unknown {
  return walk(template, 'template', (value) => value.replace(PLACEHOLDER, sample));
}

/** Fills `template` from `payload`; a missing or non-scalar value is a 400 naming the path. */
export function fillTemplate(template: Record<string, unknown>, payload: unknown): unknown {
  const missing: FieldIssue[] = [];
  const filled = walk(template, '', (value, path) =>
    value.replace(PLACEHOLDER, (_match, dotted: string) => {
      const found = lookup(payload, dotted.slice(1).split('.'));
      if (found === undefined) {
        missing.push({ path: `payload${dotted}`, message: `needed by ${path || 'the template'}` });
        return '';
      }
      return found;
    }),
  );
  if (missing.length > 0) {
    throw new AppError(
      'BAD_REQUEST',
      `the payload lacks value(s) the hook's job template needs: ${missing.map((m) => m.path).join(', ')}`,
      { details: { fields: missing } },
    );
  }
  return filled;
}

function lookup(root: unknown, keys: string[]): string | undefined {
  let at: unknown = root;
  for (const key of keys) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  if (typeof at === 'string') return at.length <= MAX_VALUE_CHARS ? at : undefined;
  if (typeof at === 'number' && Number.isFinite(at)) return String(at);
  if (typeof at === 'boolean') return String(at);
  return undefined;
}

/** Copies `value`, passing every string (with its path) through `onString`. */
function walk(value: unknown, path: string, onString: (s: string, path: string) => string): Json {
  if (typeof value === 'string') return onString(value, path);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}.${i}`, onString));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: walk(v, path ? `${path}.${k}` : k, onString),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value as Json;
}
