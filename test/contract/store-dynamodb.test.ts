/**
 * Runs the StateStore contract against the DynamoDB driver on DynamoDB Local (started by the
 * global setup). Every `make()` gets a fresh, uniquely named table; they are deleted at the end.
 * Also checks the error a missing table gives.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';
import { testStoreDriver } from './store.contract.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const endpoint = inject('dynamodbEndpoint');
const local = {
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};
const run = crypto.randomUUID().slice(0, 8);
let n = 0;
const tables: string[] = [];

describe.skipIf(!endpoint)('DynamoDB driver (DynamoDB Local)', () => {
  const client = new DynamoDBClient(local);
  const tableNames = new WeakMap<object, string>();

  afterAll(async () => {
    await Promise.all(
      tables
        .splice(0)
        .map((TableName) =>
          client.send(new DeleteTableCommand({ TableName })).catch(() => undefined),
        ),
    );
    client.destroy();
  });

  testStoreDriver(
    'dynamodb',
    async () => {
      const tableName = `switchyard-test-${run}-${n++}`;
      tables.push(tableName);
      const store = createDynamoDbStore({ tableName, ...local });
      await store.ensureTable();
      tableNames.set(store, tableName);
      return store;
    },
    {
      // Another client on the same table: conditional writes must hold across clients.
      openPeer: (store) => createDynamoDbStore({ tableName: tableNames.get(store)!, ...local }),
    },
  );

  it('a missing table gives an UNAVAILABLE error that says how to create it', async () => {
    const store = createDynamoDbStore({ tableName: `switchyard-missing-${run}`, ...local });
    const err = await store.jobs.get('job-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    expect((err as Error).message).toMatch(
      /^DynamoDB table switchyard-missing-\S+ does not exist at http:\/\/127\.0\.0\.1:\d+: run npm run dev:tables \(local\) or apply infra\/terraform/,
    );
    await store.close();
  });

  it('ensureTable is idempotent', async () => {
    const tableName = `switchyard-test-${run}-${n++}`;
    tables.push(tableName);
    const store = createDynamoDbStore({ tableName, ...local });
    expect(await store.ensureTable()).toBe('created');
    expect(await store.ensureTable()).toBe('existing');
    await store.close();
  });
});
