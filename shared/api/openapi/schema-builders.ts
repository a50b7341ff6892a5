/**
 * Builders of the API description's JSON Schemas: a zod schema converted for OpenAPI 3.1
 * (`fromZod`), references to components, and the small constructors the hand-written response
 * schemas are made of. Edge-safe.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/** A reference to a component schema. */
export const ref = (name: string): JsonSchema => ({ $ref: `${COMPONENT_PREFIX}${name}` });

/**
 * A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema: no `$schema`, and any `$defs`
 * hoisted into components under `<name>_<def>` so every `$ref` resolves in the document.
 */
export function fromZod(
  name: string,
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const { $schema: _s, $defs, ...rest } = raw as JsonSchema & { $defs?: Record<string, unknown> };
  const rename = (def: string) => `${name}_${def}`;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') {
        out[k] = x.startsWith('#/$defs/')
          ? `${COMPONENT_PREFIX}${rename(x.slice('#/$defs/'.length))}`
          : x === '#'
            ? `${COMPONENT_PREFIX}${name}`
            : x;
      } else out[k] = rewrite(x);
    }
    return out;
  };
  for (const [def, s] of Object.entries($defs ?? {})) {
    components[rename(def)] = rewrite(s) as JsonSchema;
  }
  return rewrite(rest) as JsonSchema;
}

// Small builders for the hand-written response schemas.
export const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const time = (): JsonSchema => str({ format: 'date-time' });
export const int = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
export const num = (): JsonSchema => ({ type: 'number' });
export const bool = (): JsonSchema => ({ type: 'boolean' });
export const arr = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
export const map = (values: JsonSchema): JsonSchema => ({
  type: 'object',
  additionalProperties: values,
});
export const anyObject = (): JsonSchema => ({ type: 'object', additionalProperties: {} });
/** An object whose listed properties are all required unless named in `optional`. */
export function obj(
  properties: Record<string, JsonSchema>,
  optional: string[] = [],
  description?: string,
): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}
/** `{ items: [...] }`, with `nextCursor` for paged lists. */
export const listOf = (item: string, paged = false): JsonSchema =>
  obj({
    items: arr(ref(item)),
    ...(paged
      ? { nextCursor: nullable(str({ description: 'pass as `cursor` for the next page' })) }
      : {}),
  });
