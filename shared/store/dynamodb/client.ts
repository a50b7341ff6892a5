/**
 * The thin layer between the DynamoDB store and the SDK: one `send` that turns the SDK's
 * operational errors (missing table, bad credentials, throttling that outlasted the retries) into
 * `AppError`s that say what to do, plus the attribute-value helpers and a paging query loop.
 * Throttling itself is retried by the SDK's `standard` retry strategy (exponential backoff with
 * jitter, `maxAttempts`), which treats ProvisionedThroughputExceeded, Throttling and
 * RequestLimitExceeded as retryable.
 */
import type { AttributeValue, DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { AppError } from '../../base/errors.js';

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

export function str(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && 'S' in value ? value.S : undefined;
}

export function num(item: Item, name: string): number | undefined {
  const value = item[name];
  return value && 'N' in value && value.N !== undefined ? Number(value.N) : undefined;
}

/** The JSON record an item holds, with its version taken from the `ver` attribute when present. */
export function record<T>(item: Item): T {
  const data = JSON.parse(str(item, 'data') ?? 'null') as T;
  const ver = num(item, 'ver');
  return ver === undefined ? data : { ...data, version: ver };
}

/** Errors callers handle themselves (a failed condition is an answer, not a fault). */
const PASS_THROUGH = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
]);

export interface ErrorContext {
  tableName: string;
  endpoint?: string;
}

/** Maps an SDK error to an `AppError` that says what to do; returns other errors unchanged. */
export function toStoreError(e: unknown, ctx: ErrorContext): unknown {
  if (!(e instanceof Error) || e instanceof AppError || PASS_THROUGH.has(e.name)) return e;
  const where = ctx.endpoint ? ` at ${ctx.endpoint}` : '';
  if (e.name === 'ResourceNotFoundException') {
    return new AppError(
      'UNAVAILABLE',
      `DynamoDB table ${ctx.tableName} does not exist${where}: run npm run dev:tables (local) ` +
        'or apply infra/terraform (AWS), and check SWITCHYARD_DYNAMODB_TABLE and the region',
      { retryable: false, cause: e, details: { table: ctx.tableName } },
    );
  }
  if (CREDENTIAL_ERRORS.has(e.name) || /signature|security token|credential/i.test(e.message)) {
    return new AppError(
      'UNAVAILABLE',
      `DynamoDB${where} refused the credentials (${e.name}): set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones) or AWS_PROFILE, check ' +
        `the region, and grant the role access to table ${ctx.tableName} (infra/terraform)`,
      { retryable: false, cause: e, details: { table: ctx.tableName } },
    );
  }
  if (THROTTLING_ERRORS.has(e.name)) {
    return new AppError(
      'UNAVAILABLE',
      `DynamoDB table ${ctx.tableName} is throttling requests (${e.name}) even after retries ` +
        'with backoff: retry later, or raise the table’s capacity',
      { retryable: true, cause: e },
    );
  }
  if (e.name === 'ValidationException' && /item size/i.test(e.message)) {
    return new AppError(
      'PAYLOAD_TOO_LARGE',
      'the record is larger than DynamoDB’s 400 KB item limit: make the job smaller',
      { cause: e },
    );
  }
  const code = (e as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || e.name === 'TimeoutError') {
    return new AppError(
      'UNAVAILABLE',
      `DynamoDB${where} cannot be reached (${code ?? e.name}): check the endpoint and network; ` +
        'for local use start DynamoDB Local and run npm run dev:tables',
      { cause: e },
    );
  }
  return e;
}

/** The error's name, e.g. `ConditionalCheckFailedException`. */
export const errorName = (e: unknown): string => (e instanceof Error ? e.name : '');

/** Cancellation reason codes of a `TransactionCanceledException`, in request order. */
export function cancellationCodes(e: unknown): string[] {
  const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code ?? 'None');
}

export type Send = DynamoDBClient['send'];

/**
 * Runs a query across pages until it is exhausted or `enough` items (after any filter) are in.
 * Always strongly ordered by the index's sort key.
 */
export async function queryAll(
  send: Send,
  input: QueryCommandInput,
  enough = Number.POSITIVE_INFINITY,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const pageSize = Number.isFinite(enough) ? Math.min(1000, enough - items.length + 1) : 1000;
    const out = await send(
      new QueryCommand({ ...input, Limit: pageSize, ExclusiveStartKey: start }),
    );
    items.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start !== undefined && items.length < enough);
  return items.slice(0, Number.isFinite(enough) ? enough : undefined);
}

/**
 * Counts a query's items across pages with `Select: COUNT`: no item leaves DynamoDB, though each
 * page still reads (and bills) up to 1 MB of the index.
 */
export async function countAll(send: Send, input: QueryCommandInput): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const out = await send(
      new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as Item | undefined;
  } while (start !== undefined);
  return count;
}
