/**
 * The item operations every record kind shares: get one item, create it only if absent, replace
 * it only if its version is the one read, delete it, and list a gsi partition in order.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { AlreadyExistsError, VersionConflictError } from '../../base/errors.js';
import type { Item, Send } from './client.js';
import { errorName, N, queryAll, record, S } from './client.js';
import { ITEM_SK } from './table-spec.js';

export interface Ctx {
  table: string;
  send: Send;
}

export const isConditionFailure = (e: unknown): boolean =>
  errorName(e) === 'ConditionalCheckFailedException';

/** The raw item at (`pk`, `sk`), strongly consistent. */
export async function getItem(ctx: Ctx, pk: string, sk = ITEM_SK): Promise<Item | undefined> {
  const out = await ctx.send(
    new GetItemCommand({
      TableName: ctx.table,
      Key: { pk: S(pk), sk: S(sk) },
      ConsistentRead: true,
    }),
  );
  return out.Item as Item | undefined;
}

/** The record at (`pk`, `sk`), strongly consistent. */
export async function getRecord<T>(ctx: Ctx, pk: string, sk = ITEM_SK): Promise<T | undefined> {
  const item = await getItem(ctx, pk, sk);
  return item ? record<T>(item) : undefined;
}

/** Puts `item` only if no item has its key; `AlreadyExistsError` naming `what` otherwise. */
export async function createItem(ctx: Ctx, item: Item, what: string): Promise<void> {
  try {
    await ctx.send(
      new PutItemCommand({
        TableName: ctx.table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (e) {
    if (isConditionFailure(e)) throw new AlreadyExistsError(what);
    throw e;
  }
}

/**
 * Replaces a versioned record if the stored `ver` equals `value.version`; returns it with
 * `version + 1`. `toItem` builds the item for the new version.
 */
export async function updateVersioned<T extends { id: string; version: number }>(
  ctx: Ctx,
  value: T,
  toItem: (value: T) => Item,
  what: string,
): Promise<T> {
  const next = { ...structuredClone(value), version: value.version + 1 };
  try {
    await ctx.send(
      new PutItemCommand({
        TableName: ctx.table,
        Item: { ...toItem(next), ver: N(next.version) },
        ConditionExpression: '#ver = :ver',
        ExpressionAttributeNames: { '#ver': 'ver' },
        ExpressionAttributeValues: { ':ver': N(value.version) },
      }),
    );
  } catch (e) {
    if (isConditionFailure(e)) throw new VersionConflictError(`${what} ${value.id}`);
    throw e;
  }
  return next;
}

/** Deletes the item; resolves whether it existed. */
export async function deleteItem(ctx: Ctx, pk: string): Promise<boolean> {
  const out = await ctx.send(
    new DeleteItemCommand({
      TableName: ctx.table,
      Key: { pk: S(pk), sk: S(ITEM_SK) },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes !== undefined;
}

/** Every record in partition `pk` of index `index`, in sort-key order. */
export async function listIndex<T>(
  ctx: Ctx,
  index: string,
  pk: string,
  options: { before?: string; limit?: number } = {},
): Promise<T[]> {
  const { before, limit } = options;
  const items = await queryAll(
    ctx.send,
    {
      TableName: ctx.table,
      IndexName: index,
      KeyConditionExpression: before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames: {
        '#pk': `${index}pk`,
        ...(before === undefined ? {} : { '#sk': `${index}sk` }),
      },
      ExpressionAttributeValues: {
        ':pk': S(pk),
        ...(before === undefined ? {} : { ':before': S(before) }),
      },
    },
    limit,
  );
  return items.map((i) => record<T>(i));
}

/** The item of a record that lives alone in its partition. */
export function recordItem(pk: string, value: unknown, extra: Item = {}): Item {
  return { pk: S(pk), sk: S(ITEM_SK), data: S(JSON.stringify(value)), ...extra };
}
