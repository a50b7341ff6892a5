/**
 * The response schema of a job's runs (`attempts` in the job view, shared/domain/retry.ts
 * `attemptsView`): where each ran, when, and how it ended. Edge-safe.
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
  return c;
}
