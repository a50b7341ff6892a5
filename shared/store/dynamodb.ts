/**
 * The DynamoDB state store: one table (single-table design, docs/dynamodb-single-table.md), every
 * state change a conditional write, a job write that reserves usage one transaction. Edge-safe: it
 * imports only `@aws-sdk/client-dynamodb`, which uses fetch in Workers (`nodejs_compat`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateStore } from './port.js';
import type { Send } from './dynamodb/client.js';
import { toStoreError } from './dynamodb/client.js';
import type { EnsureTableResult } from './dynamodb/ensure-table.js';
import { ensureTable } from './dynamodb/ensure-table.js';
import type { Ctx } from './dynamodb/items.js';
import { createJobTable } from './dynamodb/jobs.js';
import { createLogTable } from './dynamodb/logs.js';
import { createUsageTable } from './dynamodb/usage.js';
import {
  createClaimTable,
  createClusterTable,
  createDeliveryTable,
  createIdempotencyTable,
  createSettingsTable,
  createTenantTable,
  createTokenTable,
} from './dynamodb/records.js';
import { createMaintenanceTable } from './dynamodb/maintenance.js';
import { createHookTable, createScheduleTable } from './dynamodb/schedules.js';

export { TABLE_SPEC, createTableInput } from './dynamodb/table-spec.js';
export { toStoreError } from './dynamodb/client.js';

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Default `us-east-1` when neither this nor the SDK's environment names one. */
  region?: string;
  /** e.g. `http://127.0.0.1:8000` for DynamoDB Local. */
  endpoint?: string;
  /** Defaults to the SDK's credential chain (environment, profile, role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A client to use instead of building one; the store does not destroy it on close. */
  client?: DynamoDBClient;
  /**
   * Attempts per request, including the first, under the SDK's `standard` retry strategy
   * (exponential backoff with jitter on throttling and 5xx). Default 8.
   */
  maxRetries?: number;
}

export type DynamoDbStore = StateStore & {
  /** Creates the table if it is missing and waits until it is ACTIVE. */
  ensureTable(): Promise<EnsureTableResult>;
};

/** Creates a store on the table `options.tableName`; the client is built on first use. */
export function createDynamoDbStore(options: DynamoDbStoreOptions): DynamoDbStore {
  let client = options.client;
  const getClient = (): DynamoDBClient =>
    (client ??= new DynamoDBClient({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      retryMode: 'standard',
      maxAttempts: options.maxRetries ?? 8,
    }));
  const errorContext = { tableName: options.tableName, endpoint: options.endpoint };
  const send = ((command: Parameters<Send>[0]) =>
    getClient()
      .send(command)
      .catch((e: unknown) => {
        throw toStoreError(e, errorContext);
      })) as Send;
  const ctx: Ctx = { table: options.tableName, send };

  return {
    driver: 'dynamodb',
    jobs: createJobTable(ctx),
    usage: createUsageTable(ctx),
    clusters: createClusterTable(ctx),
    tenants: createTenantTable(ctx),
    tokens: createTokenTable(ctx),
    idempotency: createIdempotencyTable(ctx),
    deliveries: createDeliveryTable(ctx),
    settings: createSettingsTable(ctx),
    schedules: createScheduleTable(ctx),
    hooks: createHookTable(ctx),
    claims: createClaimTable(ctx),
    logs: createLogTable(ctx),
    maintenance: createMaintenanceTable(ctx),
    async ensureTable() {
      try {
        return await ensureTable(getClient(), options.tableName);
      } catch (e) {
        throw toStoreError(e, errorContext);
      }
    },
    async close() {
      // Only a client this store built is ours to destroy.
      if (!options.client) client?.destroy();
      client = undefined;
    },
  } satisfies DynamoDbStore;
}
