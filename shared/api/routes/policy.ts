/** /v1/policy: the routing policy document (YAML or JSON), scope `policy:admin`. */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { MAX_POLICY_CHARS, parsePolicyYaml, policySchema } from '../../policy/schema.js';

async function readPolicyBody(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^(application|text)\/(x-)?yaml\b/i.test(type)) {
    return readJson(req, { maxChars: MAX_POLICY_CHARS, what: 'the policy' });
  }
  return parsePolicyYaml(await req.text());
}

export function policyRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('policy');
  const policy = deps.policy;
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'getPolicy',
      summary: 'The routing policy',
      scope: 'policy:admin',
      responses: {
        200: { description: 'the stored policy (revision 0: none yet)', schema: 'StoredPolicy' },
      },
    },
    async (c) => c.json(await policy.get(c.get('principal'))),
  );
  r.add(
    {
      method: 'put',
      path: '/',
      id: 'putPolicy',
      summary: 'Replace the routing policy (JSON or YAML)',
      scope: 'policy:admin',
      body: {
        name: 'PolicyDocument',
        schema: policySchema,
        alsoAs: ['application/yaml', 'text/yaml'],
      },
      responses: { 200: { description: 'the stored policy', schema: 'StoredPolicy' } },
      errors: [409],
    },
    async (c) => {
      const stored = await policy.put(c.get('principal'), await readPolicyBody(c.req.raw));
      deps.onCapacityChanged?.();
      return c.json(stored);
    },
  );
  return r;
}
