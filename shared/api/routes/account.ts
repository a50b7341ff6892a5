/**
 * `GET /v1/whoami` (any valid token: its tenant, projects and scopes, so a client such as the
 * dashboard can offer only what the token may do) and `GET /v1/usage` (the caller's GPU usage
 * against its tenant's and projects' quotas).
 */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';

export function accountRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('tokens');
  r.add(
    {
      method: 'get',
      path: '/whoami',
      id: 'whoami',
      summary: "The calling token's tenant, projects and scopes",
      scope: null,
      responses: { 200: { description: 'the caller', schema: 'Whoami' } },
    },
    (c) => {
      const p = c.get('principal');
      return c.json({
        tenantId: p.tenantId,
        tokenId: p.tokenId,
        projects: [...p.projects],
        scopes: [...p.scopes].sort(),
      });
    },
  );
  r.add(
    {
      method: 'get',
      path: '/usage',
      id: 'getUsage',
      tag: 'jobs',
      summary: "GPUs in use against quota: the caller's tenant and each project its token may use",
      scope: 'jobs:read',
      query: [
        {
          name: 'tenant',
          schema: { type: 'string' },
          description:
            "one tenant's usage; another tenant's only for an admin-tenant token for every project, which by default sees every tenant",
        },
      ],
      errors: [400, 403],
      responses: { 200: { description: 'usage per tenant and project', schema: 'Usage' } },
    },
    async (c) => c.json(await deps.views.usage(c.get('principal'), c.req.query('tenant'))),
  );
  return r;
}
