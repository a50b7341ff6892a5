/**
 * /v1/policy: the routing policy document (YAML or JSON), its kept versions, their diff and
 * rollback; scope `policy:admin`. Writes take `If-Match: <revision>` (compare-and-set).
 */
import { describedRoutes, type DescribedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { MAX_POLICY_CHARS, parsePolicyYaml, policySchema } from '../../policy/schema.js';
import { HISTORY_LIMIT, rollbackSchema } from '../../policy/requests.js';
import { SIMULATE_QUERY, windowQuery } from './policy-simulate.js';

const IF_MATCH = {
  name: 'If-Match',
  schema: { type: 'string' },
  description:
    'the revision you read (GET /v1/policy: `revision`, or its ETag); another one in force: 409',
};
const REVISION = { type: 'integer', minimum: 1 };

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
    async (c) => {
      const stored = await policy.get(c.get('principal'));
      c.header('ETag', `"${stored.revision}"`);
      return c.json(stored);
    },
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
      headers: [IF_MATCH],
      query: [
        {
          name: 'dryRun',
          schema: { type: 'boolean', default: false },
          description:
            'true: store nothing, answer what the policy would change (a PolicySimulation)',
        },
        ...SIMULATE_QUERY,
      ],
      responses: {
        200: {
          description: 'the stored policy; with dryRun=true a PolicySimulation',
          schema: {
            oneOf: [
              { $ref: '#/components/schemas/StoredPolicy' },
              { $ref: '#/components/schemas/PolicySimulation' },
            ],
          },
        },
      },
      errors: [400, 409],
    },
    async (c) => {
      const dryRun = c.req.query('dryRun');
      const body = await readPolicyBody(c.req.raw);
      if (dryRun !== undefined && dryRun !== 'false') {
        const ifMatch = c.req.header('if-match');
        const run = { dryRun, ifMatch, ...windowQuery(c) };
        return c.json(await deps.policySimulator.dryRun(c.get('principal'), body, run));
      }
      const stored = await policy.put(c.get('principal'), body, c.req.header('if-match'));
      deps.onCapacityChanged?.();
      return c.json(stored);
    },
  );
  historyRoutes(deps, r);
  return r;
}

function historyRoutes(deps: AppDeps, r: DescribedRoutes<AppEnv>) {
  r.add(
    {
      method: 'get',
      path: '/history',
      id: 'listPolicyVersions',
      summary: 'Every kept policy version, newest first: who, when, what changed',
      scope: 'policy:admin',
      query: [
        {
          name: 'limit',
          schema: { type: 'integer', minimum: 1, maximum: HISTORY_LIMIT.max, default: 20 },
          description: 'page size',
        },
        {
          name: 'cursor',
          schema: { type: 'string' },
          description: '`nextCursor` of the last page',
        },
      ],
      responses: { 200: { description: 'a page of versions', schema: 'PolicyHistory' } },
      errors: [400],
    },
    async (c) =>
      c.json(
        await deps.policy.history(c.get('principal'), {
          limit: c.req.query('limit'),
          cursor: c.req.query('cursor'),
        }),
      ),
  );
  r.add(
    {
      method: 'get',
      path: '/versions/:version',
      id: 'getPolicyVersion',
      summary: 'One kept policy version with its document',
      scope: 'policy:admin',
      responses: { 200: { description: 'the version', schema: 'StoredPolicy' } },
      errors: [400, 404],
    },
    async (c) => c.json(await deps.policy.version(c.get('principal'), c.req.param('version'))),
  );
  r.add(
    {
      method: 'get',
      path: '/diff',
      id: 'diffPolicyVersions',
      summary: 'Rule-level changes between two kept policy versions',
      scope: 'policy:admin',
      query: [
        { name: 'from', schema: REVISION, description: 'the older version (required)' },
        {
          name: 'to',
          schema: REVISION,
          description: 'the newer version; default: the one in force',
        },
      ],
      responses: { 200: { description: 'what changed', schema: 'PolicyDiff' } },
      errors: [400, 404],
    },
    async (c) =>
      c.json(
        await deps.policy.diff(c.get('principal'), {
          from: c.req.query('from'),
          to: c.req.query('to'),
        }),
      ),
  );
}

/** `POST /v1/policy:rollback`: a new version equal to a kept one (mounted at /v1). */
export function policyRollbackRoute(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('policy');
  // `:` starts a path parameter in Hono, so the colon form is matched with a pattern.
  r.add(
    {
      method: 'post',
      path: '/:op{policy:rollback}',
      id: 'rollbackPolicy',
      summary: "Roll back: store a new version equal to a kept version's document",
      scope: 'policy:admin',
      body: { name: 'PolicyRollback', schema: rollbackSchema },
      headers: [IF_MATCH],
      responses: { 200: { description: 'the new version in force', schema: 'StoredPolicy' } },
      errors: [404, 409],
    },
    async (c) => {
      const body = await readJson(c.req.raw);
      const stored = await deps.policy.rollback(c.get('principal'), body, c.req.header('if-match'));
      deps.onCapacityChanged?.();
      return c.json(stored);
    },
  );
  return r;
}
