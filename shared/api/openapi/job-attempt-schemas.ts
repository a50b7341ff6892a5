/**
 * The response schema of a job's runs (`attempts` in the job view, shared/domain/retry.ts
 * `attemptsView`): where each ran, when, and how it ended; and of its replicas (`replicas`,
 * shared/domain/replica.ts). Edge-safe.
 */
import { int, nullable, obj, str, time } from './schemas.js';
import type { JsonSchema } from './schemas.js';

export function jobAttemptSchemas(): Record<string, JsonSchema> {
  const c: Record<string, JsonSchema> = {};
  c.JobAttempt = obj(
    {
      attempt: int({ minimum: 1 }),
      clusterId: str(),
      placedAt: time(),
      startedAt: time(),
      endedAt: nullable(time()),
      outcome: {
        type: 'string',
        enum: ['active', 'retried', 'succeeded', 'failed', 'cancelled'],
        description: 'retried: it failed and the job ran again; active: not ended yet',
      },
      reason: str(),
      exitCode: nullable(int()),
      message: str(),
    },
    ['placedAt', 'startedAt'],
  );
  c.JobReplica = obj(
    {
      role: str({
        description:
          'master/worker (PyTorchJob), the replicated Job (JobSet), head/worker (RayJob)',
      }),
      index: int({ minimum: 0 }),
      pod: str(),
      node: str({ description: 'absent while the pod is not scheduled' }),
      phase: str({ description: 'the pod phase: Pending, Running, Succeeded, Failed, Unknown' }),
      exitCode: int(),
      reason: str({ description: 'once its container ended: Completed, Error, OOMKilled…' }),
    },
    ['role', 'node', 'exitCode', 'reason'],
    'one pod of a multi-node job as its drainer last reported it (empty for a one-pod job)',
  );
  return c;
}
