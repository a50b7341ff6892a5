/**
 * The OpenAPI 3.1 description of the routes the app mounts, served at `GET /openapi.json`. There
 * is no table of routes here: each route declares its own description next to its handler
 * (../../http/route-def.ts) and app.ts hands the mounted ones to `openApiDocument`. Request bodies
 * are the routes' own zod schemas; error responses are the one envelope of ../envelope.ts,
 * grouped by status with their codes. Edge-safe: no `node:` imports.
 */
import { codeToStatus, ERROR_CODES } from '../../base/errors.js';
import { openApiPath, type MountedRoute } from '../../http/route-def.js';
import type { JsonSchema } from './schemas.js';
import { componentSchemas, fromZod, ref } from './schemas.js';
import { policyVersionSchemas } from './policy-schemas.js';
import { policySimulateSchemas } from './policy-simulate-schemas.js';
import { jobAttemptSchemas } from './job-attempt-schemas.js';
import { maintenanceSchemas } from './maintenance-schemas.js';

const json = (schema: string | JsonSchema) => (typeof schema === 'string' ? ref(schema) : schema);

/** Component response names by status; each lists the error codes that status carries. */
const STATUS_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Unprocessable',
  429: 'RateLimited',
  500: 'Internal',
  503: 'Unavailable',
};

function errorResponses(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, name] of Object.entries(STATUS_NAMES)) {
    const codes = ERROR_CODES.filter((c) => codeToStatus(c) === Number(status));
    out[name] = {
      description: `error: ${codes.map((c) => `\`${c}\``).join(', ')}`,
      ...(status === '429'
        ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } }
        : {}),
      content: { 'application/json': { schema: ref('ErrorEnvelope') } },
    };
  }
  return out;
}

/** The statuses an operation can answer with: its own, and those its shape implies. */
function errorStatuses(op: MountedRoute, path: string): number[] {
  const s = new Set<number>([500, ...(op.errors ?? [])]);
  if (path.startsWith('/v1/')) s.add(429).add(413).add(503);
  if (op.auth !== 'none') s.add(401);
  if (op.auth === 'bearer' && op.scope !== null) s.add(403);
  if (path.includes('{')) s.add(404);
  if (op.body) s.add(400);
  if (op.body && op.auth !== 'signature') s.add(415);
  return [...s].sort((a, b) => a - b);
}

function operation(op: MountedRoute, path: string): Record<string, unknown> {
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const parameters = [
    ...pathParams,
    ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: false })),
    ...(op.headers ?? []).map((h) => ({ ...h, in: 'header', required: false })),
  ];
  const scopeText =
    op.auth === 'none'
      ? 'Public: no token.'
      : op.auth === 'signature'
        ? 'Authenticated by the webhook signature of the hook (Standard Webhooks or GitHub `X-Hub-Signature-256`), not a token.'
        : op.scope
          ? `Requires scope \`${op.scope}\`${op.also ? `; ${op.also}` : ''}.`
          : `Any valid token${op.also ? `; ${op.also}` : ''}.`;
  const responses: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(op.responses)) {
    responses[status] = {
      description: a.description,
      ...(a.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(a.headers).map(([k, schema]) => [k, { schema }]),
            ),
          }
        : {}),
      ...(a.schema !== undefined
        ? { content: { [a.contentType ?? 'application/json']: { schema: json(a.schema) } } }
        : {}),
    };
  }
  for (const status of errorStatuses(op, path)) {
    responses[String(status)] = { $ref: `#/components/responses/${STATUS_NAMES[status]}` };
  }
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    description: scopeText,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required ?? true,
            content: Object.fromEntries(
              ['application/json', ...(op.body.alsoAs ?? [])].map((t) => [
                t,
                { schema: ref(op.body!.name) },
              ]),
            ),
          },
        }
      : {}),
    responses,
    security:
      op.auth === 'bearer'
        ? [{ bearer: [] }]
        : op.auth === 'signature'
          ? [{ standardWebhooks: [] }, { githubSignature: [] }]
          : [],
    'x-required-scope': op.auth === 'bearer' ? (op.scope ?? null) : null,
  };
}

/**
 * The request body components: each route's zod schema, published once under its name (two
 * routes may share one, as `POST /v1/jobs` and `POST /v1/jobs:explain` do, but not a name).
 */
function requestSchemas(routes: readonly MountedRoute[], c: Record<string, JsonSchema>): void {
  const seen = new Map<string, unknown>();
  for (const { body, id } of routes) {
    if (!body) continue;
    const earlier = seen.get(body.name);
    if (earlier === undefined) {
      seen.set(body.name, body.schema);
      c[body.name] = fromZod(body.name, body.schema, 'input', c);
    } else if (earlier !== body.schema) {
      throw new Error(`${id}: request schema name ${body.name} is taken by another schema`);
    }
  }
}

/** Builds the document from the mounted routes' own descriptions. */
export function buildOpenApiDocument(routes: readonly MountedRoute[]): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {};
  requestSchemas(routes, schemas);
  Object.assign(
    schemas,
    componentSchemas(),
    policyVersionSchemas(),
    policySimulateSchemas(),
    jobAttemptSchemas(),
  );
  Object.assign(schemas, maintenanceSchemas());
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of routes) {
    const path = openApiPath(op.path);
    const item = (paths[path] ??= {});
    if (item[op.method]) throw new Error(`${op.method} ${path} is described twice`);
    item[op.method] = operation(op, path);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: '1',
      description:
        'One endpoint for every GPU cluster: submit jobs, routed by policy to a cluster. Errors are always the `ErrorEnvelope`.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      responses: errorResponses(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An API token (EdDSA or ES256 JWT, `typ: at+jwt`) bound to a tenant, scopes and projects; keys at `/.well-known/jwks.json`.',
        },
        standardWebhooks: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the hook secret over `id.timestamp.body`).',
        },
        githubSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Hub-Signature-256',
          description:
            'GitHub style: `sha256=<hex HMAC-SHA256 of the raw body>`, with the message id in `X-GitHub-Delivery`.',
        },
      },
    },
  };
}

const built = new WeakMap<readonly MountedRoute[], Record<string, unknown>>();

/** The document for this list of routes, built on first use. */
export function openApiDocument(routes: readonly MountedRoute[]): Record<string, unknown> {
  let doc = built.get(routes);
  if (!doc) built.set(routes, (doc = buildOpenApiDocument(routes)));
  return doc;
}
