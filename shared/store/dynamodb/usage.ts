/**
 * Usage counters (item `pk = USAGE, sk = <key>`, number `v`) and the transaction that writes a job
 * together with its counter changes and its deliveries (the outbox): the job Put (conditional on
 * its version, or on its absence for a create), one Update per counter and one unconditional Put
 * per delivery, so all of them change or none does. Increases need no read; decreases that may
 * pass 0 (and several deltas to one key) are computed from a strongly consistent read by the
 * port's rule (`nextUsage`) and written conditional on the value read, retrying on a race.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  GetItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AlreadyExistsError,
  AppError,
  QuotaExceededError,
  VersionConflictError,
} from '../../base/errors.js';
import type { Job } from '../../domain/job.js';
import { nextUsage } from '../cursor.js';
import type { Delivery, UsageDelta, UsageTable } from '../port.js';
import type { Item } from './client.js';
import { cancellationCodes, errorName, N, num, queryAll, S, str } from './client.js';
import type { Ctx } from './items.js';
import { deliveryItem } from './records.js';
import { ITEM_SK, K } from './table-spec.js';

const USAGE_RETRIES = 20;
/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACT_ITEMS = 100;

/** The deltas of each counter, in the order given. */
function groupDeltas(usage: readonly UsageDelta[]): Map<string, UsageDelta[]> {
  const byKey = new Map<string, UsageDelta[]>();
  for (const d of usage) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d]);
  return byKey;
}

/** A counter changed by one increase needs no read: `ADD` guarded by `v <= max - delta`. */
const isBlindIncrease = (deltas: UsageDelta[]): boolean =>
  deltas.length === 1 && deltas[0]!.delta >= 0;

function increase(ctx: Ctx, d: UsageDelta): TransactWriteItem {
  const bound = d.max === undefined ? undefined : d.max - d.delta;
  return {
    Update: {
      TableName: ctx.table,
      Key: { pk: S(K.usage), sk: S(d.key) },
      UpdateExpression: 'ADD #v :d',
      ExpressionAttributeNames: { '#v': 'v' },
      ExpressionAttributeValues: {
        ':d': N(d.delta),
        ...(bound === undefined ? {} : { ':m': N(bound) }),
      },
      // A missing counter is 0: it passes only if 0 <= max - delta.
      ...(bound === undefined
        ? {}
        : {
            ConditionExpression: bound >= 0 ? 'attribute_not_exists(#v) OR #v <= :m' : '#v <= :m',
          }),
    },
  };
}

/**
 * Any other change was worked out from `current` (read just before). A plain decrease is an `ADD`
 * guarded by `v >= -delta`, which tolerates concurrent changes; one that floors at 0, or several
 * deltas to one key, is a `SET` guarded on the value read.
 */
function change(ctx: Ctx, key: string, deltas: UsageDelta[], current: number): TransactWriteItem {
  const Key = { pk: S(K.usage), sk: S(key) };
  const names = { '#v': 'v' };
  const final = deltas.reduce(nextUsage, current);
  const only = deltas.length === 1 ? deltas[0] : undefined;
  if (only && only.max === undefined && final === current + only.delta) {
    return {
      Update: {
        TableName: ctx.table,
        Key,
        UpdateExpression: 'ADD #v :d',
        ConditionExpression: '#v >= :abs',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':d': N(only.delta), ':abs': N(-only.delta) },
      },
    };
  }
  return {
    Update: {
      TableName: ctx.table,
      Key,
      UpdateExpression: 'SET #v = :final',
      ConditionExpression: current === 0 ? 'attribute_not_exists(#v) OR #v = :cur' : '#v = :cur',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':final': N(final), ':cur': N(current) },
    },
  };
}

async function readCounters(ctx: Ctx, keys: readonly string[]): Promise<Record<string, number>> {
  const values: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Item[] | undefined = unique
      .slice(i, i + 100)
      .map((k) => ({ pk: S(K.usage), sk: S(k) }));
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** round)));
      const out = await ctx.send(
        new BatchGetItemCommand({
          RequestItems: { [ctx.table]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of (out.Responses?.[ctx.table] ?? []) as Item[]) {
        values[str(item, 'sk') ?? ''] = num(item, 'v') ?? 0;
      }
      pending = out.UnprocessedKeys?.[ctx.table]?.Keys as Item[] | undefined;
    }
  }
  return values;
}

/**
 * The job Put of a transaction with counter changes: its condition, and what its failing means.
 * `fails` tells from the stored job's version (`undefined` if there is none) whether the condition
 * would fail, so a stale or duplicate job takes precedence over a quota computed from a read.
 */
interface JobWrite {
  jobId: string;
  put: TransactWriteItem;
  fails(storedVersion: number | undefined): boolean;
  error(): Error;
}

/**
 * Creates the job (only if its id is absent), changes the counters and puts the deliveries in one
 * transaction.
 */
export async function createWithUsage(
  ctx: Ctx,
  job: Job,
  jobItem: Item,
  usage: readonly UsageDelta[],
  deliveries: readonly Delivery[] = [],
): Promise<void> {
  await writeWithUsage(
    ctx,
    {
      jobId: job.id,
      put: {
        Put: {
          TableName: ctx.table,
          Item: jobItem,
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      fails: (stored) => stored !== undefined,
      error: () => new AlreadyExistsError(`job ${job.id}`),
    },
    usage,
    deliveries,
  );
}

/**
 * Writes the job (conditional on its version), the counters and the deliveries in one
 * transaction.
 */
export async function updateWithUsage(
  ctx: Ctx,
  job: Job,
  jobItem: Item,
  usage: readonly UsageDelta[],
  deliveries: readonly Delivery[] = [],
): Promise<Job> {
  await writeWithUsage(
    ctx,
    {
      jobId: job.id,
      put: {
        Put: {
          TableName: ctx.table,
          Item: jobItem,
          ConditionExpression: '#ver = :ver',
          ExpressionAttributeNames: { '#ver': 'ver' },
          ExpressionAttributeValues: { ':ver': N(job.version) },
        },
      },
      fails: (stored) => stored !== job.version,
      error: () => new VersionConflictError(`job ${job.id}`),
    },
    usage,
    deliveries,
  );
  return { ...structuredClone(job), version: job.version + 1 };
}

/**
 * A Put per delivery, replacing any stored one with its id. One transaction may not touch an item
 * twice, so of several deliveries with one id the last wins (as a sequence of puts would).
 */
function deliveryPuts(ctx: Ctx, deliveries: readonly Delivery[]): TransactWriteItem[] {
  const byId = new Map<string, Delivery>();
  for (const d of deliveries) byId.set(d.id, d);
  return [...byId.values()].map((d) => ({ Put: { TableName: ctx.table, Item: deliveryItem(d) } }));
}

/**
 * The job Put, one Update per counter and one Put per delivery in one transaction, retried while
 * counters race. The deliveries come last, so a cancellation's codes line up with the job and the
 * counters as before; their Puts carry no condition, so they never fail one.
 */
async function writeWithUsage(
  ctx: Ctx,
  write: JobWrite,
  usage: readonly UsageDelta[],
  deliveries: readonly Delivery[],
): Promise<void> {
  const groups = [...groupDeltas(usage)];
  const outbox = deliveryPuts(ctx, deliveries);
  const actions = 1 + groups.length + outbox.length;
  if (actions > MAX_TRANSACT_ITEMS) {
    throw new AppError(
      'INTERNAL',
      `job ${write.jobId}: one write may hold at most ${MAX_TRANSACT_ITEMS} items in a DynamoDB ` +
        `transaction, but this one has ${actions} (the job, ${groups.length} usage counters and ` +
        `${outbox.length} deliveries): write fewer deliveries with the job`,
      { retryable: false },
    );
  }
  const toRead = groups.filter(([, ds]) => !isBlindIncrease(ds)).map(([key]) => key);
  for (let attempt = 0; ; attempt++) {
    const current = toRead.length > 0 ? await readCounters(ctx, toRead) : {};
    let items: TransactWriteItem[];
    try {
      items = groups.map(([key, ds]) =>
        isBlindIncrease(ds) ? increase(ctx, ds[0]!) : change(ctx, key, ds, current[key] ?? 0),
      );
    } catch (e) {
      // Over quota on what was read; a failing job condition still takes precedence.
      if (e instanceof QuotaExceededError && write.fails(await storedVersion(ctx, write.jobId))) {
        throw write.error();
      }
      throw e;
    }
    try {
      await ctx.send(
        new TransactWriteItemsCommand({ TransactItems: [write.put, ...items, ...outbox] }),
      );
      return;
    } catch (e) {
      if (errorName(e) !== 'TransactionCanceledException') throw e;
      const codes = cancellationCodes(e);
      if (codes[0] === 'ConditionalCheckFailed') throw write.error();
      const over = groups.find(
        ([, ds], i) => isBlindIncrease(ds) && codes[i + 1] === 'ConditionalCheckFailed',
      );
      if (over) throw new QuotaExceededError(over[0]);
      // A read-based change raced another writer, or the transaction met a concurrent one.
      if (attempt >= USAGE_RETRIES) {
        throw new AppError(
          'UNAVAILABLE',
          `usage counters of job ${write.jobId} are contended: retry`,
          { cause: e },
        );
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** Math.min(attempt, 7)));
    }
  }
}

async function storedVersion(ctx: Ctx, id: string): Promise<number | undefined> {
  const out = await ctx.send(
    new GetItemCommand({
      TableName: ctx.table,
      Key: { pk: S(K.job(id)), sk: S(ITEM_SK) },
      ConsistentRead: true,
      ProjectionExpression: 'ver',
    }),
  );
  return out.Item ? num(out.Item as Item, 'ver') : undefined;
}

export function createUsageTable(ctx: Ctx): UsageTable {
  return {
    async get(keys) {
      return readCounters(ctx, keys);
    },
    async list(prefix) {
      const items = await queryAll(ctx.send, {
        TableName: ctx.table,
        KeyConditionExpression:
          prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': S(K.usage),
          ...(prefix === '' ? {} : { ':prefix': S(prefix) }),
        },
        ConsistentRead: true,
      });
      return Object.fromEntries(items.map((i) => [str(i, 'sk') ?? '', num(i, 'v') ?? 0]));
    },
  };
}
