/**
 * /v1/hooks: manage inbound hooks (bearer token), and `POST /v1/hooks/:hookId`, the signed
 * intake, which is authenticated by the webhook signature instead of a token.
 */
import { z } from 'zod';
import { hookCreateSchema } from '../../hooks/service.js';
import { describedRoutes, type Param } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { sourceAddress, type HookLimits } from '../hook-limits.js';

const INTAKE = /^\/v1\/hooks\/([^/]+)\/?$/;

/** The hook id when this request is a signed intake (no bearer token expected), else undefined. */
export function hookIntakeId(method: string, path: string): string | undefined {
  return method === 'POST' ? INTAKE.exec(path)?.[1] : undefined;
}

/** What the intake accepts: any JSON (the service parses the raw bytes once the signature holds). */
const hookPayloadSchema = z
  .unknown()
  .describe("any JSON the sender signs; it fills the hook template's placeholders");

const str = { type: 'string' };
const SIGNATURE_HEADERS: Param[] = [
  { name: 'webhook-id', schema: str, description: 'Standard Webhooks message id' },
  {
    name: 'webhook-timestamp',
    schema: str,
    description: 'Standard Webhooks: Unix seconds, within 5 minutes',
  },
  {
    name: 'webhook-signature',
    schema: str,
    description: 'Standard Webhooks: `v1,<base64 HMAC-SHA256>` (space-separated list)',
  },
  {
    name: 'X-Hub-Signature-256',
    schema: { type: 'string', pattern: '^sha256=[0-9a-fA-F]{64}$' },
    description: 'GitHub scheme: HMAC-SHA256 of the raw body',
  },
  {
    name: 'X-GitHub-Delivery',
    schema: str,
    description: 'GitHub message id (not signed: replays are recognised by the body)',
  },
  { name: 'X-GitHub-Event', schema: str, description: 'GitHub event (`ping`)' },
];

const WITH_SECRET = 'HookWithSecret';

export function hookRoutes(deps: AppDeps, limits: HookLimits) {
  const r = describedRoutes<AppEnv>('hooks');

  r.add(
    {
      method: 'post',
      path: '/',
      id: 'createHook',
      summary: 'Create an inbound hook (its secret is shown once)',
      scope: 'jobs:submit',
      body: { name: 'HookCreate', schema: hookCreateSchema },
      responses: { 201: { description: 'the hook and its secret', schema: WITH_SECRET } },
    },
    async (c) =>
      c.json(await deps.hooks.create(c.get('principal'), await readJson(c.req.raw)), 201),
  );
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listHooks',
      summary: "The tenant's hooks",
      scope: 'jobs:read',
      responses: { 200: { description: 'the hooks', schema: 'HookList' } },
    },
    async (c) => c.json({ items: await deps.hooks.list(c.get('principal')) }),
  );
  r.add(
    {
      method: 'get',
      path: '/:id',
      id: 'getHook',
      summary: 'One hook',
      scope: 'jobs:read',
      responses: { 200: { description: 'the hook', schema: 'Hook' } },
    },
    async (c) => c.json(await deps.hooks.get(c.get('principal'), c.req.param('id'))),
  );
  r.add(
    {
      method: 'delete',
      path: '/:id',
      id: 'deleteHook',
      summary: 'Delete a hook',
      scope: 'jobs:submit',
      responses: { 204: { description: 'deleted' } },
    },
    async (c) => {
      await deps.hooks.delete(c.get('principal'), c.req.param('id'));
      return c.body(null, 204);
    },
  );
  r.add(
    {
      method: 'post',
      path: '/:id/rotate-secret',
      id: 'rotateHookSecret',
      summary: 'Add a new secret; the previous one verifies until the next rotation',
      scope: 'jobs:submit',
      responses: { 200: { description: 'the hook and its new secret', schema: WITH_SECRET } },
    },
    async (c) => c.json(await deps.hooks.rotateSecret(c.get('principal'), c.req.param('id'))),
  );

  // The signed intake: raw bytes in (the app's body limit has already capped them); rate limits
  // are charged around the signature check (see hook-limits.ts).
  r.add(
    {
      method: 'post',
      path: '/:id',
      id: 'receiveHook',
      summary: 'Signed intake: the payload fills the hook template and submits a job',
      auth: 'signature',
      body: { name: 'HookPayload', schema: hookPayloadSchema },
      headers: SIGNATURE_HEADERS,
      responses: {
        200: { description: 'a GitHub ping', schema: 'HookAccepted' },
        202: {
          description: 'the job (the same one for a replayed message id, or GitHub body)',
          schema: 'HookAccepted',
          headers: { 'Idempotent-Replayed': { type: 'string', enum: ['true'] } },
        },
      },
      errors: [400, 409, 422],
    },
    async (c) => {
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const guard = limits.guard(sourceAddress(c));
      const result = await deps.hooks.receive(c.req.param('id'), c.req.raw.headers, raw, guard);
      if ('ping' in result) return c.json({ ok: true, ping: true });
      if (result.created) {
        deps.metrics.inc('switchyard_jobs_submitted_total', 'Jobs accepted', {
          state: result.job.state,
        });
      } else c.header('idempotent-replayed', 'true');
      return c.json(
        { jobId: result.job.id, state: result.job.state, replayed: !result.created },
        202,
      );
    },
  );
  return r;
}
