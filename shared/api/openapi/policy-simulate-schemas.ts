/**
 * The response schema of the what-if replay (shared/placement/replay.ts, served by
 * `POST /v1/policy:simulate` and `PUT /v1/policy?dryRun=true`). Edge-safe.
 */
import { arr, bool, int, nullable, obj, str, time } from './schemas.js';
import type { JsonSchema } from './schemas.js';

const num = (extra: JsonSchema = {}): JsonSchema => ({ type: 'number', ...extra });
const OUTCOME = { type: 'string', enum: ['placed', 'pending', 'rejected'] };
const counts = obj({ placed: int(), pending: int(), rejected: int() });
const move = obj({ from: str(), to: str(), jobs: int({ minimum: 1 }) });
const reasons = obj({ jobs: int(), reasons: arr(obj({ reason: str(), jobs: int() })) });
const outcome = obj(
  {
    outcome: OUTCOME,
    waitingFor: { type: 'string', enum: ['quota', 'budget', 'capacity'] },
    clusterId: str(),
    cloud: str(),
    region: str(),
    costPerHour: num({ description: "the cheapest pool's costPerGpuHour × GPUs" }),
    message: str(),
  },
  ['waitingFor', 'clusterId', 'cloud', 'region', 'costPerHour'],
);
const VERSION = { type: ['string', 'integer'], description: "the document's own `version`" };

export function policySimulateSchemas(): Record<string, JsonSchema> {
  return {
    PolicySimulation: obj(
      {
        dryRun: bool(),
        stored: bool(),
        tenantId: str(),
        evaluatedAt: time(),
        inForce: obj({ revision: int({ minimum: 0 }), policyVersion: nullable(VERSION) }),
        draft: obj({ policyVersion: VERSION, revision: int({ minimum: 1 }) }, ['revision']),
        window: obj(
          {
            limit: int(),
            sinceMinutes: int(),
            oldest: nullable(time()),
            newest: nullable(time()),
          },
          ['sinceMinutes'],
        ),
        clusters: int({ description: 'clusters in the snapshot both policies were placed on' }),
        summary: obj({
          replayed: int(),
          changed: int(),
          outcomes: obj({ before: counts, after: counts }),
          moves: obj({ clusters: arr(move), clouds: arr(move), regions: arr(move) }),
          newlyPending: reasons,
          newlyRejected: reasons,
          newlyPlaced: int(),
          costPerHour: obj({ before: num(), after: num(), change: num() }),
          budgetPressure: obj({
            waiting: obj({ before: int(), after: int() }),
            budgets: arr(
              obj({
                id: str({ description: '`tenant:<tenant>` or `project:<tenant>/<project>`' }),
                maxCostPerHour: num(),
                currency: str(),
                spendPerHour: num({ description: 'spend counted now, before any replayed job' }),
              }),
            ),
          }),
        }),
        changes: arr(
          obj(
            {
              jobId: str(),
              project: str(),
              submittedAt: time(),
              gpus: int(),
              accelerator: str(),
              before: outcome,
              after: outcome,
            },
            ['accelerator'],
          ),
        ),
        changesOmitted: int({ description: 'changed jobs beyond maxChanges, not listed' }),
      },
      ['dryRun', 'stored'],
      'what a draft policy would change for the replayed jobs',
    ),
  };
}
