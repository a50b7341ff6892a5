/**
 * /v1/hooks: manage inbound hooks (bearer token), and `POST /v1/hooks/:hookId`, the signed
 * intake, which is authenticated by the webhook signature instead of a token.
 */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { sourceAddress, type HookLimits } from '../hook-limits.js';

const INTAKE = /^\/v1\/hooks\/([^/]+)\/?$/;

/** The hook id when this request is a signed intake (no bearer token expected), else undefined. */
export function hookIntakeId(method: string, path: string): string | undefined {
  return method === 'POST' ? INTAKE.exec(path)?.[1] : undefined;
}

export function hookRoutes(deps: AppDeps, limits: HookLimits) {
  const r = new Hono<AppEnv>();

  r.post('/', async (c) =>
    c.json(await deps.hooks.create(c.get('principal'), await readJson(c.req.raw)), 201),
  );
  r.get('/', async (c) => c.json({ items: await deps.hooks.list(c.get('principal')) }));
  r.get('/:id', async (c) => c.json(await deps.hooks.get(c.get('principal'), c.req.param('id'))));
  r.delete('/:id', async (c) => {
    await deps.hooks.delete(c.get('principal'), c.req.param('id'));
    return c.body(null, 204);
  });
  r.post('/:id/rotate-secret', async (c) =>
    c.json(await deps.hooks.rotateSecret(c.get('principal'), c.req.param('id'))),
  );

  // The signed intake: raw bytes in (the app's body limit has already capped them); rate limits
  // are charged around the signature check (see hook-limits.ts).
  r.post('/:id', async (c) => {
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
  });
  return r;
}
