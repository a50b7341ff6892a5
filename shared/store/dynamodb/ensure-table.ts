/**
 * Creates the store's table when it is missing (on-demand billing, every index, TTL on) and waits
 * until it and its indexes are ACTIVE. For local use and tests; production tables come from
 * infra/terraform.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { AppError } from '../../base/errors.js';
import { errorName } from './client.js';
import { createTableInput, TABLE_SPEC } from './table-spec.js';

const WAIT_MS = 60_000;

/** What `ensureTable` did: `created` a new table, or found it `existing`. */
export type EnsureTableResult = 'created' | 'existing';

async function isActive(client: DynamoDBClient, tableName: string): Promise<boolean | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    return Table?.TableStatus === 'ACTIVE' && indexes.every((i) => i.IndexStatus === 'ACTIVE');
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<EnsureTableResult> {
  let result: EnsureTableResult = 'existing';
  if ((await isActive(client, tableName)) === undefined) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      result = 'created';
    } catch (e) {
      // Someone else created it in the meantime: fine.
      if (errorName(e) !== 'ResourceInUseException') throw e;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (!(await isActive(client, tableName))) {
    if (Date.now() > deadline) {
      throw new AppError(
        'UNAVAILABLE',
        `DynamoDB table ${tableName} is not ACTIVE after 60 s: retry`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_SPEC.ttlAttribute, Enabled: true },
      }),
    );
  }
  return result;
}
