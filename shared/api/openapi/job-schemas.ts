/**
 * The response schemas of jobs (the stored spec, the job view with its events and placement
 * decision, lists) and their callback deliveries, with the error envelope every route answers with.
 * Split from ./schemas.ts by what they describe; written next to ../views.ts that produces them. Edge-safe.
 */
import { ERROR_CODES } from '../../base/errors.js';
import { JOB_STATES } from '../../domain/job.js';
import { jobSubmissionSchema } from '../../domain/spec.js';
import { policySchema } from '../../policy/schema.js';
import {
  anyObject,
  arr,
  bool,
  fromZod,
  int,
  listOf,
  nullable,
  num,
  obj,
  ref,
  str,
  time,
  type JsonSchema,
} from './schema-builders.js';

/** Adds these component schemas to `c`, in document order (nested zod definitions land there too). */
export function jobSchemas(c: Record<string, JsonSchema>): void {
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
  const traceId = {
    ...nullable(str({ pattern: '^[0-9a-f]{32}$' })),
    description:
      "the job's W3C trace id (the submit's `traceparent`, or one made): every log line about the job carries it (`grep <trace id>`); null for jobs from before traces",
  };
  c.JobEvent = obj(
    {
      at: time(),
      state: ref('JobState'),
      reason: str(),
      message: str(),
      traceId: { ...str({ pattern: '^[0-9a-f]{32}$' }), description: "the job's trace id" },
    },
    ['state', 'traceId'],
  );
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
      traceId,
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
}
