/**
 * The response schemas of a tenant's administration: schedules, API tokens and signing keys (with
 * the public JWKS), and inbound hooks. Split from ./schemas.ts by what they describe. Edge-safe.
 */
import { SCOPES } from '../../domain/principal.js';
import { SIGNING_ALGORITHMS } from '../../auth/tokens.js';
import {
  anyObject,
  arr,
  bool,
  int,
  listOf,
  nullable,
  obj,
  ref,
  str,
  time,
  type JsonSchema,
} from './schema-builders.js';

/** Adds these component schemas to `c`, in document order (nested zod definitions land there too). */
export function adminSchemas(c: Record<string, JsonSchema>): void {
  c.Schedule = obj(
    {
      id: str(),
      tenantId: str(),
      name: str(),
      cron: str(),
      timezone: str(),
      template: {
        ...anyObject(),
        description: 'the job template; `callback.secret` shows as `secretSet`/`secretSetAt`',
      },
      concurrencyPolicy: { type: 'string', enum: ['Allow', 'Forbid', 'Replace'] },
      maxCatchUp: int(),
      suspended: bool(),
      nextFireAt: time(),
      lastFiredSlot: time(),
      activeJobIds: arr(str()),
      recentRuns: {
        ...arr(obj({ slot: time(), jobId: nullable(str()) })),
        description: 'the latest slots handled, newest first; jobId null: skipped (Forbid)',
      },
      createdBy: str(),
      createdAt: time(),
      updatedAt: time(),
      nextFireTimes: { ...arr(time()), description: 'the next five slots; empty when suspended' },
    },
    ['lastFiredSlot'],
  );
  c.ScheduleList = listOf('Schedule');

  const scope = { type: 'string', enum: [...SCOPES] };
  c.Token = obj({
    id: str(),
    tenantId: str(),
    scopes: arr(scope),
    projects: arr(str()),
    description: str(),
    createdAt: time(),
    expiresAt: time(),
    revokedAt: nullable(time()),
    mintedBy: nullable(str({ description: 'the token that minted this one' })),
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  });
  c.RevokedToken = {
    allOf: [
      ref('Token'),
      obj({
        minted: obj(
          {
            live: int({ description: 'live tokens it minted (directly or not), left live' }),
            revoked: int({ description: 'of those, how many this call revoked (cascade)' }),
          },
          [],
          'the tokens this one minted',
        ),
      }),
    ],
  };
  c.IssuedToken = {
    allOf: [
      ref('Token'),
      obj({ token: str({ description: 'the JWT; shown in this answer only' }) }),
    ],
  };
  c.TokenList = listOf('Token');
  c.SigningKey = obj({
    kid: str(),
    alg: { type: 'string', enum: [...SIGNING_ALGORITHMS] },
    createdAt: time(),
    signing: bool(),
  });
  c.SigningKeyList = listOf('SigningKey');
  c.SigningKeyRotated = obj({ kid: str(), keys: arr(ref('SigningKey')) });
  c.SigningKeyRetired = obj({ retired: str(), keys: arr(ref('SigningKey')), warnings: arr(str()) });
  c.Jwks = obj({
    keys: arr(
      obj({ kty: str(), crv: str(), x: str(), y: str(), kid: str(), alg: str(), use: str() }, [
        'crv',
        'x',
        'y',
      ]),
    ),
  });

  c.Hook = obj({
    id: str(),
    project: str(),
    description: str(),
    scheme: { type: 'string', enum: ['standard-webhooks', 'github'] },
    template: {
      ...anyObject(),
      description: 'the job template; `callback.secret` shows as `secretSet`/`secretSetAt`',
    },
    path: str({ description: 'where senders POST signed payloads' }),
    secrets: int({ description: 'how many secrets verify (2 during rotation)' }),
    createdBy: str(),
    createdAt: time(),
    updatedAt: time(),
  });
  c.HookWithSecret = {
    allOf: [
      ref('Hook'),
      obj({ secret: str({ description: 'the signing secret; shown in this answer only' }) }),
    ],
  };
  c.HookList = listOf('Hook');
  c.HookAccepted = {
    oneOf: [
      obj({ jobId: str(), state: ref('JobState'), replayed: bool() }),
      obj({ ok: { const: true }, ping: { const: true } }),
    ],
  };
}
