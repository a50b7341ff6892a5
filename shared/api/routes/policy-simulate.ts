/**
 * What-if replay of a draft routing policy (issue #18): `POST /v1/policy:simulate`, and the query
 * parameters it shares with `PUT /v1/policy?dryRun=true`. Scope `policy:admin`; nothing is stored.
 */
import { describedRoutes, type Param } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { MAX_POLICY_CHARS } from '../../policy/schema.js';
import { SIMULATE_LIMITS, simulateSchema } from '../../policy/simulate-requests.js';

const { jobs, sinceMinutes, changes } = SIMULATE_LIMITS;

/** The window of recent jobs to replay, and how many changed jobs to list. */
export const SIMULATE_QUERY: Param[] = [
  {
    name: 'limit',
    schema: { type: 'integer', minimum: 1, maximum: jobs.max, default: jobs.default },
    description: `replay the tenant's newest N jobs (default ${jobs.default}; ${jobs.max} with only sinceMinutes)`,
  },
  {
    name: 'sinceMinutes',
    schema: { type: 'integer', minimum: 1, maximum: sinceMinutes.max },
    description: 'only jobs submitted within this many minutes',
  },
  {
    name: 'maxChanges',
    schema: { type: 'integer', minimum: 0, maximum: changes.max, default: changes.default },
    description: 'list at most this many changed jobs (all are counted in the summary)',
  },
];

export const windowQuery = (c: { req: { query(name: string): string | undefined } }) => ({
  limit: c.req.query('limit'),
  sinceMinutes: c.req.query('sinceMinutes'),
  maxChanges: c.req.query('maxChanges'),
});

/** `POST /v1/policy:simulate` (mounted at /v1). */
export function policySimulateRoute(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('policy');
  r.add(
    {
      method: 'post',
      path: '/:op{policy:simulate}',
      id: 'simulatePolicy',
      summary:
        "What-if: replay the tenant's recent jobs under a draft policy (or a kept version) and the one in force",
      scope: 'policy:admin',
      body: { name: 'PolicySimulateRequest', schema: simulateSchema },
      query: SIMULATE_QUERY,
      responses: { 200: { description: 'what would change', schema: 'PolicySimulation' } },
      errors: [404],
    },
    async (c) => {
      const body = await readJson(c.req.raw, {
        maxChars: MAX_POLICY_CHARS + 64,
        what: 'the draft',
      });
      return c.json(await deps.policySimulator.simulate(c.get('principal'), body, windowQuery(c)));
    },
  );
  return r;
}
