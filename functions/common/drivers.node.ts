/** Builds the configured state store and queue drivers for the Node entry points. */
import { join } from 'node:path';
import { systemClock, type Clock } from '../../shared/base/clock.js';
import type { SwitchyardConfig } from '../../shared/config/schema.js';
import type { Queue } from '../../shared/queue/port.js';
import { createPubSubQueue } from '../../shared/queue/pubsub.node.js';
import { createSqliteQueue } from '../../shared/queue/sqlite.node.js';
import type { JobPublish } from '../../shared/queue/job-publish.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { StateStore } from '../../shared/store/port.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { secureDataDir } from './data-dir.node.js';

export async function buildStore(
  config: SwitchyardConfig,
  dataDir: string,
  clock: Clock,
): Promise<StateStore> {
  switch (config.store.driver) {
    case 'memory':
      return createMemoryStore({ clock });
    case 'sqlite':
      secureDataDir(dataDir); // it holds the signing keys
      return createSqliteStore({ path: join(dataDir, 'state.db') });
    case 'dynamodb': {
      const d = config.store.dynamodb;
      const local = d.endpoint !== undefined;
      const store = createDynamoDbStore({
        tableName: d.table,
        region: d.region,
        ...(d.endpoint ? { endpoint: d.endpoint } : {}),
        // DynamoDB Local accepts any credentials; AWS uses the SDK's credential chain.
        ...(local && !process.env.AWS_ACCESS_KEY_ID
          ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
          : {}),
      });
      if (d.createTable) await store.ensureTable();
      return store;
    }
  }
}

/**
 * The queue drivers. `consumer` names the Pub/Sub subscription; the default, `drainer`, is the one
 * Terraform (and autoCreate) makes per queue, shared by a queue's drainer replicas.
 */
export function buildQueue(
  config: SwitchyardConfig,
  dataDir: string,
  clock: Clock,
  consumer = 'drainer',
): Queue {
  switch (config.queue.driver) {
    case 'sqlite':
      secureDataDir(dataDir);
      // The queue's table lives in the store's database (see buildDrivers).
      return createSqliteQueue({
        path: join(dataDir, 'state.db'),
        maxAttempts: config.queue.maxAttempts,
        clock,
      });
    case 'pubsub': {
      const p = config.queue.pubsub;
      // The emulator has no metadata server; skip the client's probe for one.
      if (p.emulatorHost) process.env.METADATA_SERVER_DETECTION ??= 'none';
      return createPubSubQueue({
        projectId: p.project,
        prefix: p.prefix,
        consumer,
        maxAttempts: config.queue.maxAttempts,
        autoCreate: p.autoCreate,
        ...(p.emulatorHost ? { apiEndpoint: p.emulatorHost } : {}),
      });
    }
  }
}

/**
 * The store and queue together. When both are SQLite they are one database and one connection
 * (`state.db`; an older `queue.db` is moved in), and a new job commits with its message.
 */
export async function buildDrivers(
  config: SwitchyardConfig,
  dataDir: string,
  clock: Clock,
  /** The embedded pair's consumer writes in the group commit (default true; bench baseline: false). */
  batchConsumerWrites?: boolean,
): Promise<{ store: StateStore; queue: Queue; jobPublish?: JobPublish }> {
  if (config.store.driver === 'sqlite' && config.queue.driver === 'sqlite') {
    secureDataDir(dataDir);
    // The writer thread keeps time by the system clock; a test's own clock keeps writes inline.
    const writer = clock === systemClock ? config.store.sqlite.writer : 'inline';
    const pair = createSqlitePair({
      path: join(dataDir, 'state.db'),
      maxAttempts: config.queue.maxAttempts,
      clock,
      legacyQueuePath: join(dataDir, 'queue.db'),
      batchConsumerWrites,
      writer,
    });
    await pair.ready;
    return pair;
  }
  return {
    store: await buildStore(config, dataDir, clock),
    queue: buildQueue(config, dataDir, clock),
  };
}
