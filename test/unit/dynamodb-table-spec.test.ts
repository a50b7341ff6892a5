// The DynamoDB table is defined twice: by the driver (TABLE_SPEC, used by ensureTable and
// `npm run dev:tables`) and by infra/terraform/dynamodb.tf (production). These tests read the
// Terraform file and fail when the two disagree on keys, attribute types, indexes or the TTL.
// Also the mapping of the SDK's credential and table errors to messages that say what to do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { createTableInput, TABLE_SPEC, toStoreError } from '../../shared/store/dynamodb.js';

const TF = readFileSync(join(import.meta.dirname, '../../infra/terraform/dynamodb.tf'), 'utf8');

interface Block {
  type: string;
  body: string;
}

/** The body of `resource "<type>" "<name>" { … }`, braces matched. */
function resourceBody(text: string, type: string, name: string): string {
  const start = text.search(new RegExp(`resource\\s+"${type}"\\s+"${name}"\\s*\\{`));
  if (start < 0) throw new Error(`resource ${type}.${name} not found`);
  const open = text.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

/** Nested blocks without further nesting (`attribute { … }`, `ttl { … }`), in order. */
const blocks = (body: string): Block[] =>
  [...body.matchAll(/^\s*(\w+)\s*\{([^{}]*)\}/gm)].map((m) => ({ type: m[1]!, body: m[2]! }));

/** `name = "value"` or `name = true` arguments of a block body (nested blocks removed). */
function args(body: string): Record<string, string> {
  const flat = body.replace(/\w+\s*\{[^{}]*\}/g, '');
  return Object.fromEntries(
    [...flat.matchAll(/^\s*(\w+)\s*=\s*(?:"([^"]*)"|(\w+))\s*$/gm)].map((m) => [
      m[1]!,
      m[2] ?? m[3]!,
    ]),
  );
}

const table = resourceBody(TF.replace(/#.*$/gm, ''), 'aws_dynamodb_table', 'state');
const top = args(table);
const nested = blocks(table);

describe('infra/terraform/dynamodb.tf agrees with the driver’s TABLE_SPEC', () => {
  it('has the same hash and range keys and billing mode', () => {
    expect({ hash: top.hash_key, range: top.range_key, billing: top.billing_mode }).toEqual({
      hash: TABLE_SPEC.hashKey,
      range: TABLE_SPEC.rangeKey,
      billing: TABLE_SPEC.billingMode,
    });
  });

  it('declares exactly the driver’s key attributes with the same types', () => {
    const attributes = nested
      .filter((b) => b.type === 'attribute')
      .map((b) => args(b.body))
      .map((a) => [a.name, a.type]);
    expect(Object.fromEntries(attributes)).toEqual(TABLE_SPEC.attributeTypes);
    expect(attributes).toHaveLength(Object.keys(TABLE_SPEC.attributeTypes).length);
  });

  it('has every global secondary index with the same keys and projection, and no other', () => {
    const indexes = nested
      .filter((b) => b.type === 'global_secondary_index')
      .map((b) => args(b.body))
      .map((a) => ({
        name: a.name,
        hashKey: a.hash_key,
        rangeKey: a.range_key,
        projection: a.projection_type,
      }));
    const byName = (x: { name?: string }, y: { name?: string }) =>
      (x.name ?? '') < (y.name ?? '') ? -1 : 1;
    expect(indexes.sort(byName)).toEqual([...TABLE_SPEC.indexes].sort(byName));
  });

  it('enables TTL on the driver’s TTL attribute', () => {
    const ttl = nested.filter((b) => b.type === 'ttl').map((b) => args(b.body));
    expect(ttl).toEqual([{ attribute_name: TABLE_SPEC.ttlAttribute, enabled: 'true' }]);
  });

  it('the CreateTable request ensureTable sends matches the spec too', () => {
    const input = createTableInput('t');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(
      TABLE_SPEC.indexes.map((i) => i.name),
    );
    expect(input.AttributeDefinitions).toHaveLength(Object.keys(TABLE_SPEC.attributeTypes).length);
  });

  it('the parser really reads the file (guards against a vacuous pass)', () => {
    expect(nested.filter((b) => b.type === 'global_secondary_index').length).toBeGreaterThan(0);
    expect(args('a = "x"\nb = true\nc { d = "y" }')).toEqual({ a: 'x', b: 'true' });
  });
});

describe('toStoreError', () => {
  const ctx = { tableName: 'switchyard', endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' };
  const sdkError = (name: string, message = name, extra: object = {}) =>
    Object.assign(new Error(message), { name, ...extra });

  it.each([
    ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
    ['InvalidSignatureException', 'The request signature we calculated does not match'],
    ['AccessDeniedException', 'User is not authorized to perform: dynamodb:GetItem'],
    ['ExpiredTokenException', 'The security token included in the request is expired'],
    ['CredentialsProviderError', 'Could not load credentials from any providers'],
  ])('%s → UNAVAILABLE saying how to fix the credentials, not retryable', (name, message) => {
    const err = toStoreError(sdkError(name, message), ctx);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    expect((err as Error).message).toBe(
      `DynamoDB at ${ctx.endpoint} refused the credentials (${name}): set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones) or AWS_PROFILE, check ' +
        'the region, and grant the role access to table switchyard (infra/terraform)',
    );
  });

  it('ResourceNotFoundException → UNAVAILABLE naming the table and npm run dev:tables', () => {
    const err = toStoreError(
      sdkError('ResourceNotFoundException', 'Requested resource not found'),
      {
        tableName: 'jobs-x',
      },
    );
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    expect((err as Error).message).toMatch(
      /^DynamoDB table jobs-x does not exist: run npm run dev:tables \(local\) or apply infra\/terraform/,
    );
  });

  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
  ])('%s that outlasted the retries → retryable UNAVAILABLE', (name) => {
    expect(toStoreError(sdkError(name), ctx)).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
  });

  it('a refused connection → UNAVAILABLE naming the endpoint', () => {
    const err = toStoreError(
      sdkError('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
      ctx,
    );
    expect((err as Error).message).toContain(`DynamoDB at ${ctx.endpoint} cannot be reached`);
  });

  it('leaves condition failures and unknown errors alone', () => {
    for (const name of [
      'ConditionalCheckFailedException',
      'TransactionCanceledException',
      'Weird',
    ]) {
      const original = sdkError(name);
      expect(toStoreError(original, ctx)).toBe(original);
    }
  });
});
