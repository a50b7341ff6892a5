/**
 * The JSON Schemas of the API description. Request bodies are the zod schemas the routes declare
 * (converted by `fromZod`, input side, so defaulted fields are optional, in ./document.ts);
 * response bodies are written out here, next to the views in ../views.ts that produce them. Edge-safe.
 */
import { SCOPES } from '../../domain/principal.js';
import { SIGNING_ALGORITHMS } from '../../auth/tokens.js';
import { ERROR_CODES } from '../../base/errors.js';
import { JOB_STATES } from '../../domain/job.js';
import { jobSubmissionSchema } from '../../domain/spec.js';
import { policySchema } from '../../policy/schema.js';

export type { JsonSchema } from './schema-builders.js';
export {
  arr,
  bool,
  fromZod,
  int,
  listOf,
  nullable,
  obj,
  ref,
  str,
  time,
} from './schema-builders.js';
import {
  anyObject,
  arr,
  bool,
  fromZod,
  int,
  listOf,
  map,
  nullable,
  num,
  obj,
  ref,
  str,
  time,
  type JsonSchema,
} from './schema-builders.js';

/** Builds every component schema once. */
export function componentSchemas(): Record<string, JsonSchema> {
  const c: Record<string, JsonSchema> = {};

  // What is stored, as validated (defaults filled in).
  const spec = fromZod('JobSpec', jobSubmissionSchema, 'output', c);
  const specProps = { ...(spec.properties as Record<string, JsonSchema>) };
  specProps.callback = obj(
    {
      url: str({ format: 'uri' }),
      secretSet: { ...bool(), description: 'whether a signing secret was given' },
      secretSetAt: { ...time(), description: 'when it was set' },
    },
    ['secretSetAt'],
    'the callback URL; its secret is never shown, only whether one is set and since when',
  );
  c.JobSpec = { ...spec, properties: specProps };
  c.Policy = fromZod('Policy', policySchema, 'output', c);

  c.ErrorCode = { type: 'string', enum: [...ERROR_CODES] };
  c.ErrorEnvelope = obj({
    error: obj(
      {
        code: ref('ErrorCode'),
        message: str({ description: 'what went wrong and what to do' }),
        details: {
          ...anyObject(),
          description: 'e.g. `fields`: every invalid field with its dotted path',
        },
        retryable: bool(),
        requestId: str(),
        docs: str({ format: 'uri' }),
      },
      ['details'],
    ),
  });
  c.FieldIssue = obj({ path: str(), message: str() });

  c.JobState = { type: 'string', enum: [...JOB_STATES] };
  c.JobEvent = obj({ at: time(), state: ref('JobState'), reason: str(), message: str() }, [
    'state',
  ]);
  c.Candidate = obj(
    {
      clusterId: str(),
      feasible: bool(),
      score: num(),
      reasons: arr(str()),
      terms: obj({ cost: num(), freeCapacity: num(), spread: num(), preference: num() }),
    },
    ['score', 'terms'],
  );
  c.Decision = obj(
    {
      outcome: { type: 'string', enum: ['placed', 'rejected', 'pending'] },
      waitingFor: {
        type: 'string',
        enum: ['quota', 'budget', 'capacity'],
        description:
          'when pending: a tenant or project GPU quota, a budget in money per hour, or room on a cluster',
      },
      clusterId: str(),
      message: str(),
      candidates: arr(ref('Candidate')),
      evaluatedAt: time(),
      policyVersion: str(),
      matchedRules: arr(str()),
      effectivePriority: int(),
      candidatesOmitted: int(),
      preemption: obj(
        {
          clusterId: str(),
          victims: arr(obj({ jobId: str(), priority: int(), gpus: int(), runSeconds: int() })),
          message: str(),
          done: bool(),
        },
        [],
        'the one cluster and the lower-priority jobs evicted there for this job (done), or that would be (explain, waiting)',
      ),
    },
    [
      'waitingFor',
      'clusterId',
      'policyVersion',
      'matchedRules',
      'effectivePriority',
      'candidatesOmitted',
      'preemption',
    ],
    'the placement decision with every candidate cluster and why',
  );
  c.Job = obj(
    {
      id: str(),
      state: ref('JobState'),
      name: str(),
      project: str(),
      spec: ref('JobSpec'),
      origin: obj(
        { kind: { type: 'string', enum: ['api', 'hook', 'schedule'] }, id: str() },
        [],
        'what submitted it: a token (api), an inbound hook or a schedule, with its id',
      ),
      clusterId: nullable(str()),
      kubernetes: nullable(obj({ namespace: str(), name: str(), attempt: int({ minimum: 1 }) })),
      targetJobId: {
        ...nullable(str()),
        description:
          "the target's own id of the job once its drainer reported it (a Slurm job id); null before, and on Kubernetes",
      },
      decision: nullable(ref('Decision')),
      result: {
        ...nullable(obj({ exitCode: nullable(int()), reason: str() })),
        description:
          'how the container ended once the job succeeded or failed on a cluster (exit code, and a reason such as Completed, Error, OOMKilled or DeadlineExceeded); null before',
      },
      attempts: {
        ...arr(ref('JobAttempt')),
        description:
          'every run of the job, oldest first: the runs that failed and were retried, then the current or last one',
      },
      replicas: arr(ref('JobReplica')),
      retryAt: {
        ...time(),
        description: 'while a retried job waits pending: when it may be placed again',
      },
      events: arr(ref('JobEvent')),
      createdAt: time(),
      updatedAt: time(),
      idempotencyKey: str(),
    },
    ['idempotencyKey', 'retryAt'],
  );
  c.JobList = listOf('Job', true);
  c.Delivery = obj({
    id: str(),
    eventType: str(),
    state: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
    deadLetter: bool(),
    url: str(),
    attempts: int(),
    lastStatus: nullable(int()),
    lastError: nullable(str()),
    nextAttemptAt: nullable(time()),
    lastAttemptAt: nullable(time()),
    redrivenAt: nullable(time()),
    createdAt: time(),
    updatedAt: time(),
  });
  c.DeliveryList = obj({ items: arr(ref('Delivery')), deadLetters: int() });
  c.DeliveryRedrive = obj({
    redriven: int(),
    ids: arr(str()),
    skipped: arr(obj({ id: str(), reason: str() })),
  });

  c.Cluster = obj({
    id: str(),
    cloud: str(),
    region: str(),
    labels: map(str()),
    queue: str(),
    kind: {
      type: 'string',
      enum: ['kubernetes', 'slurm'],
      description: 'what runs its jobs: a Kubernetes API, or a Slurm cluster through slurmrestd',
    },
    partition: {
      ...nullable(str()),
      description: 'the Slurm partition jobs go to (null: not Slurm)',
    },
    status: { type: 'string', enum: ['active', 'cordoned', 'draining', 'offline'] },
    accelerators: arr(
      obj({
        type: str(),
        nodes: int(),
        gpusPerNode: int(),
        totalGpus: int(),
        freeGpus: {
          ...nullable(int()),
          description: 'null while the cluster is offline: unknown until its next heartbeat',
        },
        costPerGpuHour: nullable(num()),
      }),
    ),
    kinds: {
      ...arr({ type: 'string', enum: ['job', 'jobset', 'pytorchjob', 'rayjob'] }),
      description:
        "workload kinds the cluster runs (job always; jobset, pytorchjob, rayjob where their operators are installed): from its drainer's last discovery, else its configuration; only job while kindsKnown is false",
    },
    kindsKnown: {
      ...bool(),
      description:
        'false while a Kubernetes cluster that declares no kinds has not reported yet: it runs Jobs, and a jobset, pytorchjob or rayjob placed on it waits for its report',
    },
    kueue: {
      ...obj({ installed: bool(), localQueue: nullable(str()) }),
      description:
        'whether the cluster serves kueue.x-k8s.io, and the LocalQueue configured for its workloads (null: none)',
    },
    capacityKnown: {
      ...bool(),
      description:
        'false while the cluster is offline (no heartbeat within the timeout): its GPUs are not placeable',
    },
    lastHeartbeat: nullable(time()),
    simulated: nullable(obj({ apiUrl: str() })),
  });
  c.ClusterList = listOf('Cluster');
  c.QueueList = obj({
    items: arr(
      obj({
        queue: str(),
        clusters: arr(str()),
        waiting: int(),
        oldestWaitingSince: nullable(time()),
        started: int(),
      }),
    ),
    pending: int(),
    truncated: { type: 'boolean' },
  });
  c.Whoami = obj({ tenantId: str(), tokenId: str(), projects: arr(str()), scopes: arr(str()) });
  c.Usage = obj({
    items: arr(
      obj({
        id: str(),
        kind: { type: 'string', enum: ['tenant', 'project'] },
        tenantId: str(),
        project: nullable(str()),
        gpus: arr(obj({ type: str(), inUse: int(), quota: nullable(int()) })),
        cost: obj({
          perHour: {
            type: 'number',
            description: "placed jobs' GPUs × their pool's costPerGpuHour",
          },
          budget: nullable({ type: 'number', description: "the policy's maxCostPerHour" }),
          currency: str(),
        }),
      }),
    ),
  });
  c.DrainReport = obj({
    cluster: ref('Cluster'),
    moved: arr(obj({ jobId: str(), state: str(), clusterId: nullable(str()) })),
    remaining: arr(obj({ jobId: str(), state: str() })),
  });

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

  c.ClaimAnswer = obj({ proceed: bool(), reason: str() }, ['reason']);
  c.ReportAnswer = obj({ action: { type: 'string', enum: ['delete'] } }, ['action']);
  c.Health = obj({ status: { const: 'ok' }, store: str(), queue: str() });
  return c;
}
