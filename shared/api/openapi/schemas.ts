/**
 * The JSON Schemas of the API description. Request bodies are the zod schemas the routes declare
 * (converted by `fromZod`, input side, so defaulted fields are optional, in ./document.ts);
 * response bodies are written out beside this file by what they describe (./job-schemas.ts,
 * ./cluster-schemas.ts, ./admin-schemas.ts), next to the views in ../views.ts that produce them;
 * the drainer protocol's few answers stay here. Edge-safe.
 */
import { adminSchemas } from './admin-schemas.js';
import { clusterSchemas } from './cluster-schemas.js';
import { jobSchemas } from './job-schemas.js';
import { bool, obj, str, type JsonSchema } from './schema-builders.js';

export type { JsonSchema } from './schema-builders.js';
export {
  arr,
  bool,
  fromZod,
  int,
  listOf,
  nullable,
  obj,
  ref,
  str,
  time,
} from './schema-builders.js';

/** Builds every component schema once, in document order. */
export function componentSchemas(): Record<string, JsonSchema> {
  const c: Record<string, JsonSchema> = {};
  jobSchemas(c);
  clusterSchemas(c);
  adminSchemas(c);

  // The drainer protocol's answers, and the health check.
  c.ClaimAnswer = obj({ proceed: bool(), reason: str() }, ['reason']);
  c.ReportAnswer = obj({ action: { type: 'string', enum: ['delete'] } }, ['action']);
  c.Health = obj({ status: { const: 'ok' }, store: str(), queue: str() });
  return c;
}
