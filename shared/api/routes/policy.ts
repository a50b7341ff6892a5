/** /v1/policy: the routing policy document (YAML or JSON), scope `policy:admin`. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { MAX_POLICY_CHARS, parsePolicyYaml } from '../../policy/schema.js';

async function readPolicyBody(req: Request): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^(application|text)\/(x-)?yaml\b/i.test(type)) {
    return readJson(req, { maxChars: MAX_POLICY_CHARS, what: 'the policy' });
  }
  return parsePolicyYaml(await req.text());
}

export function policyRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  const policy = deps.policy;
  r.get('/', async (c) => c.json(await policy.get(c.get('principal'))));
  r.put('/', async (c) => {
    const stored = await policy.put(c.get('principal'), await readPolicyBody(c.req.raw));
    deps.onCapacityChanged?.();
    return c.json(stored);
  });
  return r;
}
