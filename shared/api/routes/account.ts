/**
 * `GET /v1/whoami` (any valid token: its tenant, projects and scopes, so a client such as the
 * dashboard can offer only what the token may do) and `GET /v1/usage` (the caller's GPU usage
 * against its tenant's and projects' quotas).
 */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';

export function accountRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.get('/whoami', (c) => {
    const p = c.get('principal');
    return c.json({
      tenantId: p.tenantId,
      tokenId: p.tokenId,
      projects: [...p.projects],
      scopes: [...p.scopes].sort(),
    });
  });
  r.get('/usage', async (c) => c.json(await deps.views.usage(c.get('principal'))));
  return r;
}
