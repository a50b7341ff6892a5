/**
 * The response schemas of the routing policy and its kept versions (shared/policy/versions.ts):
 * the version in force, a page of history, a rule-level diff (shared/policy/diff.ts). Edge-safe.
 */
import { arr, bool, int, nullable, obj, ref, str, time } from './schemas.js';
import type { JsonSchema } from './schemas.js';

const VERSION_META = {
  revision: int({ minimum: 1, description: 'one more with every accepted change (1, 2, 3, …)' }),
  updatedAt: time(),
  updatedBy: str({ description: 'the id of the token that stored it' }),
  summary: str({ description: 'what changed against the previous version' }),
  rollbackOf: int({ minimum: 1, description: 'the version a rollback copied' }),
};
const OPTIONAL = ['summary', 'rollbackOf'];

export function policyVersionSchemas(): Record<string, JsonSchema> {
  const c: Record<string, JsonSchema> = {};
  c.StoredPolicy = {
    oneOf: [
      obj({ document: ref('Policy'), ...VERSION_META }, OPTIONAL),
      obj({ document: { type: 'null' }, revision: { const: 0 } }),
    ],
  };
  c.PolicyHistory = obj({
    items: arr(
      obj(
        {
          ...VERSION_META,
          policyVersion: {
            type: ['string', 'integer'],
            description: "the document's own `version` field",
          },
        },
        OPTIONAL,
      ),
    ),
    nextCursor: nullable(str({ description: 'pass as `cursor` for older versions' })),
  });
  const change = obj(
    {
      op: { type: 'string', enum: ['+', '-', '~'] },
      path: str({ description: '`rules[name].field`, `weights.cost`, `rules (order)`, …' }),
      from: {},
      to: {},
    },
    ['from', 'to'],
  );
  c.PolicyDiff = obj({
    from: int({ minimum: 1 }),
    to: int({ minimum: 1 }),
    summary: str(),
    rules: obj({
      added: arr(str()),
      removed: arr(str()),
      changed: arr(obj({ name: str(), fields: arr(str()) })),
      reordered: bool(),
    }),
    otherFields: arr(str({ description: 'changed paths outside the rules' })),
    changes: arr(change),
  });
  return c;
}
