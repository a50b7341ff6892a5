/** Response schemas of `/v1/maintenance` (rolling fleet maintenance plans). Edge-safe. */
import { arr, int, obj, ref, str, time } from './schemas.js';
import type { JsonSchema } from './schemas.js';

const enumOf = (values: string[]): JsonSchema => ({ type: 'string', enum: values });
const strMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

const step = obj(
  {
    clusterId: str(),
    state: enumOf(['waiting', 'draining', 'upgrading', 'done', 'cancelled']),
    cordoned: { type: 'boolean', description: 'the plan cordoned it (cancel gives it back)' },
    drainStartedAt: time(),
    drainDeadline: time(),
    fromVersion: str(),
    upgradeRequestedAt: time(),
    toVersion: str(),
    doneBy: enumOf(['version', 'operator']),
    doneAt: time(),
    requeued: arr(str()),
  },
  [
    'cordoned',
    'drainStartedAt',
    'drainDeadline',
    'fromVersion',
    'upgradeRequestedAt',
    'toVersion',
    'doneBy',
    'doneAt',
    'requeued',
  ],
);

const event = obj({ at: time(), type: str(), clusterId: str(), message: str() }, ['clusterId']);

export function maintenanceSchemas(): Record<string, JsonSchema> {
  return {
    MaintenancePlan: obj({
      id: str(),
      tenantId: str(),
      description: str(),
      state: enumOf(['running', 'paused', 'succeeded', 'cancelled']),
      maxUnavailable: int({ minimum: 1 }),
      drainTimeoutSeconds: int({ minimum: 0 }),
      atDeadline: enumOf(['wait', 'requeue']),
      upgrade: obj(
        { webhook: obj({ url: str() }) },
        ['webhook'],
        'where "cluster X is drained: upgrade it" is sent (the secret is never shown)',
      ),
      selector: obj({ clusters: arr(str()), labels: strMap }, ['clusters', 'labels']),
      steps: arr(step),
      events: arr(event),
      createdBy: str(),
      createdAt: time(),
      updatedAt: time(),
      version: int(),
    }),
    MaintenancePlanList: obj({ items: arr(ref('MaintenancePlan')) }),
  };
}
