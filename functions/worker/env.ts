/**
 * The Worker's environment (wrangler.toml vars and secrets), parsed once per isolate with
 * messages that name what is missing.
 */
import { z } from 'zod';
import { issuesOf, fieldsError } from '../../shared/base/validation.js';

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const workerEnvSchema = z
  .object({
    SWITCHYARD_STORE: z.enum(['dynamodb', 'memory']).default('dynamodb'),
    /** `cloudflare`: publish through the `SY_QUEUE_<NAME>` producer bindings (wrangler.toml). */
    SWITCHYARD_QUEUE: z.enum(['pubsub', 'memory', 'cloudflare']).default('pubsub'),
    /** The Cloudflare queue the `queue` handler consumes as the dead-letter queue. */
    CF_DEAD_LETTER_QUEUE: z.string().min(1).default('switchyard-dead-letter'),
    DYNAMODB_TABLE: z.string().min(3).default('switchyard'),
    DYNAMODB_REGION: z.string().min(1).default('us-east-1'),
    /** Only for DynamoDB Local; production uses the regional endpoint. */
    DYNAMODB_ENDPOINT: z.url().optional(),
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    PUBSUB_PROJECT: z.string().min(1).optional(),
    /** Only for the Pub/Sub emulator, e.g. http://127.0.0.1:8085. */
    PUBSUB_BASE_URL: z.url().optional(),
    PUBSUB_PREFIX: z.string().default('switchyard'),
    /** The service-account key JSON (a secret) that may publish to the topics. */
    GCP_SERVICE_ACCOUNT_KEY: z.string().optional(),
    AUTH_ISSUER: z.string().default('switchyard'),
    AUTH_AUDIENCE: z.string().default('switchyard-api'),
    ADMIN_TENANT: z.string().default('admin'),
    /** Hosts status webhooks may reach despite the SSRF rules (development only). */
    WEBHOOK_ALLOW_HOSTS: csv,
    /** Create the table and topics when missing (local development). */
    AUTO_CREATE: z.enum(['true', 'false']).default('false'),
    HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().int().min(5).default(60),
    /** The public base URL for error `docs` links; default: the origin each request came to. */
    PUBLIC_URL: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    if (
      env.SWITCHYARD_STORE === 'dynamodb' &&
      !env.DYNAMODB_ENDPOINT &&
      (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['AWS_ACCESS_KEY_ID'],
        message:
          'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (wrangler secret put) for DynamoDB',
      });
    }
    if (env.SWITCHYARD_QUEUE === 'pubsub' && !env.PUBSUB_PROJECT) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBSUB_PROJECT'],
        message: 'set PUBSUB_PROJECT to the Google Cloud project of the queues',
      });
    }
    if (env.SWITCHYARD_QUEUE === 'pubsub' && !env.PUBSUB_BASE_URL && !env.GCP_SERVICE_ACCOUNT_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['GCP_SERVICE_ACCOUNT_KEY'],
        message:
          'set GCP_SERVICE_ACCOUNT_KEY (wrangler secret put) to a service-account key that may publish',
      });
    }
  });

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export function parseWorkerEnv(raw: Record<string, unknown>): WorkerEnv {
  const strings = Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string'));
  const result = workerEnvSchema.safeParse(strings);
  if (!result.success) {
    const fields = issuesOf(result.error);
    throw fieldsError('INVALID_CONFIG', 'the Worker is not configured', fields);
  }
  return result.data;
}
