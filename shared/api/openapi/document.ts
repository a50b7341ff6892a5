/**
 * The OpenAPI 3.1 description of every route the app serves, served at `GET /openapi.json`.
 * Built on first use and cached. Request bodies come from the routes' own zod schemas; error
 * responses are the one envelope of ../envelope.ts, grouped by status with their codes.
 * Edge-safe: no `node:` imports.
 */
import type { Scope } from '../../domain/principal.js';
import { codeToStatus, ERROR_CODES } from '../../base/errors.js';
import { JOB_STATES } from '../../domain/job.js';
import type { JsonSchema } from './schemas.js';
import { componentSchemas, ref } from './schemas.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** `bearer`: an API token; `none`: public; `signature`: a webhook signature (hook intake). */
type Auth = 'bearer' | 'none' | 'signature';

interface Body {
  schema: string;
  required?: boolean;
  /** Extra media types accepted with the same schema (JSON is always accepted). */
  alsoAs?: string[];
}

interface Answer {
  description: string;
  /** A component schema name, or an inline schema; absent: no body. */
  schema?: string | JsonSchema;
  contentType?: string;
  headers?: Record<string, JsonSchema>;
}

interface Op {
  method: Method;
  /** OpenAPI form: `{id}` for path parameters. */
  path: string;
  id: string;
  tag: string;
  summary: string;
  auth: Auth;
  /** The scope a bearer token needs; `null`: any valid token. */
  scope?: Scope | null;
  /** An extra condition beyond the scope. */
  also?: string;
  body?: Body;
  query?: Array<{ name: string; schema: JsonSchema; description: string }>;
  headers?: Array<{ name: string; schema: JsonSchema; description: string }>;
  ok: Record<number, Answer>;
  /** Statuses this route can answer with besides those its auth, body and path imply. */
  errors?: number[];
}

const json = (schema: string | JsonSchema) => (typeof schema === 'string' ? ref(schema) : schema);

const OPS: Op[] = [
  // Meta and dashboard.
  {
    method: 'get',
    path: '/healthz',
    id: 'getHealth',
    tag: 'meta',
    summary: 'Health, with the store and queue drivers',
    auth: 'none',
    ok: { 200: { description: 'healthy', schema: 'Health' } },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    id: 'getJwks',
    tag: 'meta',
    summary: 'The public keys that verify API tokens',
    auth: 'none',
    ok: { 200: { description: 'a JSON Web Key Set', schema: 'Jwks' } },
  },
  {
    method: 'get',
    path: '/metrics',
    id: 'getMetrics',
    tag: 'meta',
    summary: 'Prometheus metrics (job figures only with a metrics:read token)',
    auth: 'none',
    ok: {
      200: {
        description: 'the Prometheus text format',
        schema: { type: 'string' },
        contentType: 'text/plain; version=0.0.4',
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    id: 'getOpenApi',
    tag: 'meta',
    summary: 'This description of the API',
    auth: 'none',
    ok: { 200: { description: 'an OpenAPI 3.1 document', schema: { type: 'object' } } },
  },
  {
    method: 'get',
    path: '/docs/errors',
    id: 'getErrorDocs',
    tag: 'meta',
    summary: 'Every error code: what it means, what to do (anchors #CODE; the envelope links here)',
    auth: 'none',
    ok: { 200: { description: 'the page', schema: { type: 'string' }, contentType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/',
    id: 'getDashboard',
    tag: 'dashboard',
    summary: 'The web dashboard',
    auth: 'none',
    ok: { 200: { description: 'the page', schema: { type: 'string' }, contentType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/dashboard.css',
    id: 'getDashboardCss',
    tag: 'dashboard',
    summary: "The dashboard's stylesheet",
    auth: 'none',
    ok: { 200: { description: 'CSS', schema: { type: 'string' }, contentType: 'text/css' } },
  },
  {
    method: 'get',
    path: '/dashboard.js',
    id: 'getDashboardJs',
    tag: 'dashboard',
    summary: "The dashboard's script",
    auth: 'none',
    ok: {
      200: {
        description: 'JavaScript',
        schema: { type: 'string' },
        contentType: 'text/javascript',
      },
    },
  },

  // Jobs.
  {
    method: 'post',
    path: '/v1/jobs',
    id: 'submitJob',
    tag: 'jobs',
    summary: 'Submit a job; it is placed by the routing policy',
    auth: 'bearer',
    scope: 'jobs:submit',
    also: 'the token must cover the job project',
    body: { schema: 'JobSubmission' },
    headers: [
      {
        name: 'Idempotency-Key',
        schema: { type: 'string', maxLength: 255 },
        description: 'the same key with the same body returns the same job',
      },
    ],
    ok: {
      202: {
        description: 'accepted (or replayed, with `Idempotent-Replayed: true`)',
        schema: 'Job',
        headers: { 'Idempotent-Replayed': { type: 'string', enum: ['true'] } },
      },
    },
    errors: [409, 422],
  },
  {
    method: 'post',
    path: '/v1/jobs:explain',
    id: 'explainJob',
    tag: 'jobs',
    summary: 'The placement decision for a submission, without submitting it',
    auth: 'bearer',
    scope: 'jobs:submit',
    body: { schema: 'JobSubmission' },
    ok: { 200: { description: 'the decision', schema: 'Decision' } },
  },
  {
    method: 'get',
    path: '/v1/jobs',
    id: 'listJobs',
    tag: 'jobs',
    summary: "The tenant's jobs, newest first",
    auth: 'bearer',
    scope: 'jobs:read',
    query: [
      { name: 'project', schema: { type: 'string' }, description: 'only this project' },
      {
        name: 'state',
        schema: { type: 'string', enum: [...JOB_STATES] },
        description: 'only this state',
      },
      {
        name: 'limit',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        description: 'page size',
      },
      {
        name: 'cursor',
        schema: { type: 'string' },
        description: '`nextCursor` of the previous page',
      },
    ],
    ok: { 200: { description: 'a page of jobs', schema: 'JobList' } },
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    id: 'getJob',
    tag: 'jobs',
    summary: 'One job with its decision and events',
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the job', schema: 'Job' } },
  },
  {
    method: 'post',
    path: '/v1/jobs/{id}/cancel',
    id: 'cancelJob',
    tag: 'jobs',
    summary: 'Cancel a job',
    auth: 'bearer',
    scope: 'jobs:cancel',
    ok: { 200: { description: 'the job', schema: 'Job' } },
    errors: [409],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/deliveries',
    id: 'listJobDeliveries',
    tag: 'jobs',
    summary: "The job's status webhook deliveries and dead letters",
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the deliveries', schema: 'DeliveryList' } },
  },

  // Tokens and signing keys.
  {
    method: 'post',
    path: '/v1/tokens',
    id: 'issueToken',
    tag: 'tokens',
    summary: 'Mint an API token (shown once)',
    auth: 'bearer',
    scope: 'tokens:admin',
    also: 'scopes and projects within the caller; another tenant only from the admin tenant',
    body: { schema: 'TokenIssue' },
    ok: { 201: { description: 'the token and its record', schema: 'IssuedToken' } },
  },
  {
    method: 'get',
    path: '/v1/tokens',
    id: 'listTokens',
    tag: 'tokens',
    summary: "The tenant's token records (never the tokens)",
    auth: 'bearer',
    scope: 'tokens:admin',
    also: 'another tenant (tenant=) only from the admin tenant',
    query: [
      {
        name: 'tenant',
        schema: { type: 'string' },
        description: "this tenant's tokens (default: yours; another needs the admin tenant)",
      },
    ],
    errors: [400, 404],
    ok: { 200: { description: 'the records', schema: 'TokenList' } },
  },
  {
    method: 'delete',
    path: '/v1/tokens/{id}',
    id: 'revokeToken',
    tag: 'tokens',
    summary: 'Revoke a token at once (and, with cascade, the tokens it minted)',
    auth: 'bearer',
    scope: 'tokens:admin',
    query: [
      {
        name: 'cascade',
        schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
        description: 'also revoke every live token this one minted, directly or through them',
      },
    ],
    ok: { 200: { description: 'the revoked record', schema: 'RevokedToken' } },
  },
  {
    method: 'get',
    path: '/v1/signing-keys',
    id: 'listSigningKeys',
    tag: 'tokens',
    summary: 'The signing keys',
    auth: 'bearer',
    scope: 'tokens:admin',
    also: 'admin tenant only',
    ok: { 200: { description: 'the keys, the signing one first', schema: 'SigningKeyList' } },
  },
  {
    method: 'post',
    path: '/v1/signing-keys',
    id: 'rotateSigningKey',
    tag: 'tokens',
    summary: 'Add a signing key; older keys keep verifying until retired',
    auth: 'bearer',
    scope: 'tokens:admin',
    also: 'admin tenant only',
    body: { schema: 'SigningKeyRotate', required: false },
    ok: { 201: { description: 'the new key id and the ring', schema: 'SigningKeyRotated' } },
  },
  {
    method: 'delete',
    path: '/v1/signing-keys/{kid}',
    id: 'retireSigningKey',
    tag: 'tokens',
    summary: 'Retire a signing key',
    auth: 'bearer',
    scope: 'tokens:admin',
    also: 'admin tenant only',
    ok: { 200: { description: 'the ring', schema: 'SigningKeyRetired' } },
    errors: [409],
  },

  // Hooks.
  {
    method: 'post',
    path: '/v1/hooks',
    id: 'createHook',
    tag: 'hooks',
    summary: 'Create an inbound hook (its secret is shown once)',
    auth: 'bearer',
    scope: 'jobs:submit',
    body: { schema: 'HookCreate' },
    ok: { 201: { description: 'the hook and its secret', schema: 'HookWithSecret' } },
  },
  {
    method: 'get',
    path: '/v1/hooks',
    id: 'listHooks',
    tag: 'hooks',
    summary: "The tenant's hooks",
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the hooks', schema: 'HookList' } },
  },
  {
    method: 'get',
    path: '/v1/hooks/{id}',
    id: 'getHook',
    tag: 'hooks',
    summary: 'One hook',
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the hook', schema: 'Hook' } },
  },
  {
    method: 'delete',
    path: '/v1/hooks/{id}',
    id: 'deleteHook',
    tag: 'hooks',
    summary: 'Delete a hook',
    auth: 'bearer',
    scope: 'jobs:submit',
    ok: { 204: { description: 'deleted' } },
  },
  {
    method: 'post',
    path: '/v1/hooks/{id}/rotate-secret',
    id: 'rotateHookSecret',
    tag: 'hooks',
    summary: 'Add a new secret; the previous one verifies until the next rotation',
    auth: 'bearer',
    scope: 'jobs:submit',
    ok: { 200: { description: 'the hook and its new secret', schema: 'HookWithSecret' } },
  },
  {
    method: 'post',
    path: '/v1/hooks/{id}',
    id: 'receiveHook',
    tag: 'hooks',
    summary: 'Signed intake: the payload fills the hook template and submits a job',
    auth: 'signature',
    body: { schema: 'HookPayload' },
    headers: [
      {
        name: 'webhook-id',
        schema: { type: 'string' },
        description: 'Standard Webhooks message id',
      },
      {
        name: 'webhook-timestamp',
        schema: { type: 'string' },
        description: 'Standard Webhooks: Unix seconds, within 5 minutes',
      },
      {
        name: 'webhook-signature',
        schema: { type: 'string' },
        description: 'Standard Webhooks: `v1,<base64 HMAC-SHA256>` (space-separated list)',
      },
      {
        name: 'X-Hub-Signature-256',
        schema: { type: 'string', pattern: '^sha256=[0-9a-fA-F]{64}$' },
        description: 'GitHub scheme: HMAC-SHA256 of the raw body',
      },
      {
        name: 'X-GitHub-Delivery',
        schema: { type: 'string' },
        description: 'GitHub message id (not signed: replays are recognised by the body)',
      },
      { name: 'X-GitHub-Event', schema: { type: 'string' }, description: 'GitHub event (`ping`)' },
    ],
    ok: {
      200: { description: 'a GitHub ping', schema: 'HookAccepted' },
      202: {
        description: 'the job (the same one for a replayed message id, or GitHub body)',
        schema: 'HookAccepted',
        headers: { 'Idempotent-Replayed': { type: 'string', enum: ['true'] } },
      },
    },
    errors: [400, 409, 422],
  },

  // Clusters.
  {
    method: 'get',
    path: '/v1/clusters',
    id: 'listClusters',
    tag: 'clusters',
    summary: 'Clusters, accelerators, free GPUs and status',
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the clusters', schema: 'ClusterList' } },
  },
  {
    method: 'get',
    path: '/v1/queues',
    id: 'listQueues',
    tag: 'clusters',
    summary:
      "Each queue, the clusters that drain it, and the caller's jobs waiting in it and started from it",
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the queues', schema: 'QueueList' } },
  },
  {
    method: 'get',
    path: '/v1/whoami',
    id: 'whoami',
    tag: 'tokens',
    summary: "The calling token's tenant, projects and scopes",
    auth: 'bearer',
    scope: null,
    ok: { 200: { description: 'the caller', schema: 'Whoami' } },
  },
  {
    method: 'get',
    path: '/v1/usage',
    id: 'getUsage',
    tag: 'jobs',
    summary: "GPUs in use against quota: the caller's tenant and each project its token may use",
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'usage per tenant and project', schema: 'Usage' } },
  },
  {
    method: 'get',
    path: '/v1/clusters/{id}',
    id: 'getCluster',
    tag: 'clusters',
    summary: 'One cluster',
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the cluster', schema: 'Cluster' } },
  },
  {
    method: 'put',
    path: '/v1/clusters/{id}',
    id: 'putCluster',
    tag: 'clusters',
    summary: 'Register or update a cluster',
    auth: 'bearer',
    scope: 'clusters:admin',
    body: { schema: 'ClusterBody' },
    ok: {
      200: { description: 'updated', schema: 'Cluster' },
      201: { description: 'registered', schema: 'Cluster' },
    },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/clusters/{id}/cordon',
    id: 'cordonCluster',
    tag: 'clusters',
    summary: 'Stop new work going to the cluster',
    auth: 'bearer',
    scope: 'clusters:admin',
    ok: { 200: { description: 'the cluster', schema: 'Cluster' } },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/clusters/{id}/uncordon',
    id: 'uncordonCluster',
    tag: 'clusters',
    summary: 'Take new work again',
    auth: 'bearer',
    scope: 'clusters:admin',
    ok: { 200: { description: 'the cluster', schema: 'Cluster' } },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/clusters/{id}/drain',
    id: 'drainCluster',
    tag: 'clusters',
    summary: 'Cordon, and move work not yet created there elsewhere',
    auth: 'bearer',
    scope: 'clusters:admin',
    ok: { 200: { description: 'what moved and what still runs there', schema: 'DrainReport' } },
    errors: [409],
  },

  // Drainer.
  {
    method: 'post',
    path: '/v1/drainer/claim',
    id: 'drainerClaim',
    tag: 'drainer',
    summary: 'Claim a dispatched job before creating it',
    auth: 'bearer',
    scope: 'drainer',
    body: { schema: 'DrainerClaim' },
    ok: { 200: { description: 'whether to proceed', schema: 'ClaimAnswer' } },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/drainer/report',
    id: 'drainerReport',
    tag: 'drainer',
    summary: "Report a Kubernetes Job's status",
    auth: 'bearer',
    scope: 'drainer',
    body: { schema: 'DrainerReport' },
    ok: { 200: { description: 'what to do with the Kubernetes Job', schema: 'ReportAnswer' } },
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/drainer/heartbeat',
    id: 'drainerHeartbeat',
    tag: 'drainer',
    summary: "Report a cluster's live GPU capacity",
    auth: 'bearer',
    scope: 'drainer',
    body: { schema: 'DrainerHeartbeat' },
    ok: { 204: { description: 'recorded' } },
    errors: [409],
  },

  // Policy.
  {
    method: 'get',
    path: '/v1/policy',
    id: 'getPolicy',
    tag: 'policy',
    summary: 'The routing policy',
    auth: 'bearer',
    scope: 'policy:admin',
    ok: {
      200: { description: 'the stored policy (revision 0: none yet)', schema: 'StoredPolicy' },
    },
  },
  {
    method: 'put',
    path: '/v1/policy',
    id: 'putPolicy',
    tag: 'policy',
    summary: 'Replace the routing policy (JSON or YAML)',
    auth: 'bearer',
    scope: 'policy:admin',
    body: { schema: 'PolicyDocument', alsoAs: ['application/yaml', 'text/yaml'] },
    ok: { 200: { description: 'the stored policy', schema: 'StoredPolicy' } },
    errors: [409],
  },

  // Schedules.
  {
    method: 'post',
    path: '/v1/schedules',
    id: 'createSchedule',
    tag: 'schedules',
    summary: 'Create a cron schedule that submits a job template',
    auth: 'bearer',
    scope: 'schedules:write',
    body: { schema: 'ScheduleCreate' },
    ok: { 201: { description: 'the schedule', schema: 'Schedule' } },
  },
  {
    method: 'get',
    path: '/v1/schedules',
    id: 'listSchedules',
    tag: 'schedules',
    summary: "The tenant's schedules",
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the schedules', schema: 'ScheduleList' } },
  },
  {
    method: 'get',
    path: '/v1/schedules/{id}',
    id: 'getSchedule',
    tag: 'schedules',
    summary: 'One schedule with its next fire times',
    auth: 'bearer',
    scope: 'jobs:read',
    ok: { 200: { description: 'the schedule', schema: 'Schedule' } },
  },
  {
    method: 'patch',
    path: '/v1/schedules/{id}',
    id: 'updateSchedule',
    tag: 'schedules',
    summary: 'Change a schedule',
    auth: 'bearer',
    scope: 'schedules:write',
    body: { schema: 'SchedulePatch' },
    ok: { 200: { description: 'the schedule', schema: 'Schedule' } },
    errors: [409],
  },
  {
    method: 'delete',
    path: '/v1/schedules/{id}',
    id: 'deleteSchedule',
    tag: 'schedules',
    summary: 'Delete a schedule',
    auth: 'bearer',
    scope: 'schedules:write',
    ok: { 204: { description: 'deleted' } },
  },
];

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
function errorStatuses(op: Op): number[] {
  const s = new Set<number>([500, ...(op.errors ?? [])]);
  if (op.path.startsWith('/v1/')) s.add(429).add(413).add(503);
  if (op.auth !== 'none') s.add(401);
  if (op.auth === 'bearer' && op.scope !== null) s.add(403);
  if (op.path.includes('{')) s.add(404);
  if (op.body) s.add(400);
  if (op.body && op.auth !== 'signature') s.add(415);
  return [...s].sort((a, b) => a - b);
}

function operation(op: Op): Record<string, unknown> {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
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
  for (const [status, a] of Object.entries(op.ok)) {
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
  for (const status of errorStatuses(op)) {
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
                { schema: ref(op.body!.schema) },
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

/** Builds the document. Prefer `openApiDocument()`, which builds it once. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const schemas = componentSchemas();
  schemas.HookPayload = {
    description: "any JSON the sender signs; it fills the hook template's placeholders",
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) (paths[op.path] ??= {})[op.method] = operation(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: '1',
      description:
        'One endpoint for every GPU cluster: submit jobs, routed by policy to a cluster. Errors are always the `ErrorEnvelope`.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(OPS.map((o) => o.tag))].map((name) => ({ name })),
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

let cached: Record<string, unknown> | undefined;

/** The document, built on first use. */
export function openApiDocument(): Record<string, unknown> {
  return (cached ??= buildOpenApiDocument());
}
