/**
 * A fast check for the common job submission: the plain fields only (no kind, nodes, options,
 * callback, constraints or retry), every one valid. It returns what `jobSubmissionSchema` would
 * (the same values, the same key order, defaults filled in), or `undefined` for anything else,
 * which then goes through the schema for its result or its errors. It never accepts what the
 * schema refuses (test/unit/spec-fast.test.ts compares the two); zod was ≈ 4% of the submit path's
 * CPU. Edge-safe.
 */
import type { JobSpec } from './job.js';
import {
  ACCELERATOR_TYPE,
  DEFAULT_PRIORITY,
  ENV_NAME,
  LABEL_KEY,
  LABEL_VALUE,
  MAX_DEADLINE_SECONDS,
  MAX_PRIORITY,
  NAME,
  OCI_REFERENCE,
  QUANTITY,
} from './spec-patterns.js';

type Plain = Record<string, unknown>;

/** The top-level keys this check handles, in the schema's order (the output's key order). */
const TOP = [
  'name',
  'project',
  'image',
  'command',
  'args',
  'env',
  'resources',
  'priority',
  'labels',
  'deadlineSeconds',
] as const;
const HANDLED: ReadonlySet<string> = new Set(TOP);
const REQUIRED: ReadonlySet<string> = new Set(['name', 'project', 'image', 'resources']);

function plain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

const int = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

const dnsName = (v: unknown) => typeof v === 'string' && v.length <= 63 && NAME.test(v);

/** A copy of a string list, or undefined when it is not one within the bounds. */
function strings(v: unknown, maxItems: number): string[] | undefined {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return undefined;
  if (v.length > maxItems) return undefined;
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string' || s.length > 4096) return undefined;
  }
  return v.slice() as string[];
}

/** A copy of a string record whose keys and values pass, or undefined. */
function record(
  v: unknown,
  maxEntries: number,
  key: (k: string) => boolean,
  value: (s: string) => boolean,
): Record<string, string> | undefined {
  if (!plain(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length > maxEntries) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const s = v[k];
    if (k === '__proto__' || typeof s !== 'string' || !key(k) || !value(s)) return undefined;
    out[k] = s;
  }
  return out;
}

const envName = (k: string) => ENV_NAME.test(k);
const envValue = (s: string) => s.length <= 32_768;
const labelKey = (k: string) => k.length <= 253 && LABEL_KEY.test(k);
const labelValue = (s: string) => s.length <= 63 && LABEL_VALUE.test(s);
const quantity = (v: unknown) => typeof v === 'string' && QUANTITY.test(v);

function resources(v: unknown): JobSpec['resources'] | undefined {
  if (!plain(v)) return undefined;
  const out: JobSpec['resources'] = {};
  let seen = 0;
  const acc = v.accelerator;
  if (acc !== undefined) {
    if (!plain(acc) || Object.keys(acc).length !== 2) return undefined;
    const { type, count } = acc;
    if (typeof type !== 'string' || !ACCELERATOR_TYPE.test(type) || !int(count, 1, 64)) {
      return undefined;
    }
    out.accelerator = { type, count };
    seen++;
  }
  if (v.cpu !== undefined) {
    if (!quantity(v.cpu)) return undefined;
    out.cpu = v.cpu as string;
    seen++;
  }
  if (v.memory !== undefined) {
    if (!quantity(v.memory)) return undefined;
    out.memory = v.memory as string;
    seen++;
  }
  return Object.keys(v).length === seen ? out : undefined;
}

/** Each top-level field's check and copy; `undefined` when the value is not valid. */
const FIELDS: Record<(typeof TOP)[number], (v: unknown) => unknown> = {
  name: (v) => (dnsName(v) ? v : undefined),
  project: (v) => (dnsName(v) ? v : undefined),
  image: (v) =>
    typeof v === 'string' && v.length >= 1 && v.length <= 512 && OCI_REFERENCE.test(v)
      ? v
      : undefined,
  command: (v) => strings(v, 64),
  args: (v) => strings(v, 256),
  env: (v) => record(v, 128, envName, envValue),
  resources,
  priority: (v) => (int(v, 0, MAX_PRIORITY) ? v : undefined),
  labels: (v) => record(v, 32, labelKey, labelValue),
  deadlineSeconds: (v) => (int(v, 1, MAX_DEADLINE_SECONDS) ? v : undefined),
};

const DEFAULTS: Partial<Record<(typeof TOP)[number], () => unknown>> = {
  env: () => ({}),
  priority: () => DEFAULT_PRIORITY,
  labels: () => ({}),
};

/** The schema's result for a valid common submission; `undefined` for anything else. */
export function commonSpec(body: unknown): JobSpec | undefined {
  if (!plain(body)) return undefined;
  for (const k of Object.keys(body)) {
    if (!HANDLED.has(k) || body[k] === undefined) return undefined;
  }
  const out: Plain = {};
  for (const k of TOP) {
    const given = body[k];
    if (given === undefined) {
      if (REQUIRED.has(k)) return undefined;
      const fill = DEFAULTS[k];
      if (fill) out[k] = fill();
      continue;
    }
    const value = FIELDS[k](given);
    if (value === undefined) return undefined;
    out[k] = value;
  }
  return out as unknown as JobSpec;
}
