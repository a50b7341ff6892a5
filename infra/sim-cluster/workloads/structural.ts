/**
 * Structural schemas (the openAPIV3Schema subset CustomResourceDefinitions use) and the check a
 * real API server runs on a custom resource: unknown fields are pruned (reported for
 * `fieldValidation`), wrong types, enums, minimums and required fields become 422 causes.
 */
import type { StatusCause } from '../errors.js';

export interface Structural {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Structural>;
  additionalProperties?: Structural;
  items?: Structural;
  required?: string[];
  enum?: string[];
  minimum?: number;
  maximum?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

export const str: Structural = { type: 'string' };
export const int: Structural = { type: 'integer', format: 'int32' };
export const int64: Structural = { type: 'integer', format: 'int64' };
export const bool: Structural = { type: 'boolean' };
export const free: Structural = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
export const strMap: Structural = { type: 'object', additionalProperties: str };
export const intOrString: Structural = { 'x-kubernetes-int-or-string': true };
export const quantityMap: Structural = { type: 'object', additionalProperties: intOrString };
export const arr = (items: Structural): Structural => ({ type: 'array', items });
export const oneOf = (...values: string[]): Structural => ({ type: 'string', enum: values });
export const min = (base: Structural, minimum: number): Structural => ({ ...base, minimum });
export const obj = (properties: Record<string, Structural>, required?: string[]): Structural => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
export const names = (list: string, schema: Structural): Record<string, Structural> =>
  Object.fromEntries(list.split(' ').map((n) => [n, schema]));

export interface CheckResult {
  /** Paths of pruned unknown fields, e.g. `spec.foo`. */
  unknown: string[];
  causes: StatusCause[];
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(schema: Structural, v: unknown): boolean {
  if (schema['x-kubernetes-int-or-string'])
    return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  if (!schema.type) return true;
  const actual = typeOf(v);
  if (schema.type === 'number') return actual === 'number' || actual === 'integer';
  return actual === schema.type;
}

function scalarChecks(schema: Structural, v: unknown, path: string, out: CheckResult): void {
  if (schema.enum && typeof v === 'string' && !schema.enum.includes(v)) {
    out.causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
      field: path,
    });
  }
  if (schema.minimum !== undefined && typeof v === 'number' && v < schema.minimum) {
    out.causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${v}: ${path} in body should be greater than or equal to ${schema.minimum}`,
      field: path,
    });
  }
  if (schema.maximum !== undefined && typeof v === 'number' && v > schema.maximum) {
    out.causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${v}: ${path} in body should be less than or equal to ${schema.maximum}`,
      field: path,
    });
  }
}

/** Walks `value` (mutating it: unknown fields and nulls are dropped) and returns what it found. */
export function checkStructural(schema: Structural, value: unknown): CheckResult {
  const out: CheckResult = { unknown: [], causes: [] };
  walk(schema, value, '', out);
  return out;
}

function walk(schema: Structural, v: unknown, path: string, out: CheckResult): void {
  if (!typeOk(schema, v)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type;
    out.causes.push({
      reason: 'FieldValueTypeInvalid',
      message: `Invalid value: ${JSON.stringify(typeOf(v))}: ${path} in body must be of type ${expected}: ${JSON.stringify(typeOf(v))}`,
      field: path,
    });
    return;
  }
  scalarChecks(schema, v, path, out);
  if (Array.isArray(v)) {
    if (schema.items) v.forEach((item, i) => walk(schema.items!, item, `${path}[${i}]`, out));
    return;
  }
  if (v === null || typeof v !== 'object') return;
  const record = v as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const childPath = path ? `${path}.${key}` : key;
    if (record[key] === null) {
      delete record[key];
      continue;
    }
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (child) walk(child, record[key], childPath, out);
    else if (!schema['x-kubernetes-preserve-unknown-fields']) {
      out.unknown.push(childPath);
      delete record[key];
    }
  }
  for (const key of schema.required ?? []) {
    if (record[key] === undefined) {
      const field = path ? `${path}.${key}` : key;
      out.causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
    }
  }
}
