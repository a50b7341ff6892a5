/**
 * Builds the Worker's drivers from its parsed environment: DynamoDB over fetch, Pub/Sub over REST,
 * or Cloudflare Queues through the `SY_QUEUE_<NAME>` producer bindings on the raw env.
 */
import { AppError } from '../../shared/base/errors.js';
import {
  createCloudflareQueue,
  isProducerBinding,
  producerBindingName,
} from '../../shared/queue/cloudflare.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createPubSubRestQueue } from '../../shared/queue/pubsub-rest.js';
import type { Queue } from '../../shared/queue/port.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { StateStore } from '../../shared/store/port.js';
import type { WorkerEnv } from './env.js';

export function buildStore(env: WorkerEnv): StateStore & { ensureTable?: () => Promise<unknown> } {
  if (env.SWITCHYARD_STORE === 'memory') return createMemoryStore();
  return createDynamoDbStore({
    tableName: env.DYNAMODB_TABLE,
    region: env.DYNAMODB_REGION,
    ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  });
}

function serviceAccount(json: string): { clientEmail: string; privateKeyPem: string } {
  try {
    const key = JSON.parse(json) as { client_email?: string; private_key?: string };
    if (key.client_email && key.private_key)
      return { clientEmail: key.client_email, privateKeyPem: key.private_key };
  } catch {
    /* reported below */
  }
  throw new AppError(
    'INVALID_CONFIG',
    'GCP_SERVICE_ACCOUNT_KEY must be a service-account key JSON with client_email and private_key',
  );
}

/**
 * The Cloudflare Queues driver over the Worker's producer bindings. Bindings are objects on the raw
 * env (`parseWorkerEnv` keeps only strings), so they are looked up here, by queue name.
 */
export function buildCloudflareQueue(raw: Record<string, unknown>): Queue {
  const bound = Object.keys(raw).filter(
    (k) => k.startsWith('SY_QUEUE_') && isProducerBinding(raw[k]),
  );
  if (bound.length === 0) {
    throw new AppError(
      'INVALID_CONFIG',
      'SWITCHYARD_QUEUE is "cloudflare" but the Worker has no Cloudflare Queues producer ' +
        'binding: add a [[queues.producers]] entry per queue to wrangler.toml, named ' +
        `SY_QUEUE_<NAME> (e.g. ${producerBindingName('aws')} for queue aws)`,
      { details: { fields: [{ path: producerBindingName('aws'), message: 'binding missing' }] } },
    );
  }
  return createCloudflareQueue({
    producers: (queue) => {
      const binding = raw[producerBindingName(queue)];
      return isProducerBinding(binding) ? binding : undefined;
    },
  });
}

export function buildQueue(env: WorkerEnv, raw: Record<string, unknown> = {}): Queue {
  if (env.SWITCHYARD_QUEUE === 'memory') return createMemoryQueue();
  if (env.SWITCHYARD_QUEUE === 'cloudflare') return buildCloudflareQueue(raw);
  return createPubSubRestQueue({
    projectId: env.PUBSUB_PROJECT!,
    prefix: env.PUBSUB_PREFIX,
    autoCreate: env.AUTO_CREATE === 'true',
    ...(env.PUBSUB_BASE_URL ? { baseUrl: env.PUBSUB_BASE_URL } : {}),
    ...(env.GCP_SERVICE_ACCOUNT_KEY
      ? { credentials: serviceAccount(env.GCP_SERVICE_ACCOUNT_KEY) }
      : {}),
  });
}
