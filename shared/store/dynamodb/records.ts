/**
 * Clusters, tenants, tokens, idempotency records, deliveries, claims and settings on the single
 * table. Idempotency records and claims carry the TTL attribute `expiresAt` (epoch seconds) so
 * DynamoDB removes them eventually; until it does (and always on DynamoDB Local, which never
 * expires items) their ISO expiry `exp` is compared with `now` inside the write's condition, so an
 * expired record counts as absent.
 */
import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Cluster } from '../../domain/cluster.js';
import { AlreadyExistsError, AppError } from '../../base/errors.js';
import type {
  ClaimTable,
  ClusterTable,
  Delivery,
  DeliveryTable,
  IdempotencyRecord,
  IdempotencyTable,
  SettingsTable,
  Tenant,
  TenantTable,
  TokenRecord,
  TokenTable,
} from '../port.js';
import { checkLimit } from '../cursor.js';
import type { Item } from './client.js';
import { N, record, S, str } from './client.js';
import type { Ctx } from './items.js';
import {
  createItem,
  deleteItem,
  getItem,
  getRecord,
  isConditionFailure,
  listIndex,
  recordItem,
  updateVersioned,
} from './items.js';
import { K, timeId } from './table-spec.js';

/** Epoch seconds for the TTL attribute; rounded up so DynamoDB never deletes early. */
export const ttlSeconds = (iso: string): Item => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? { expiresAt: N(Math.ceil(ms / 1000)) } : {};
};

/** Puts `item` if its key is absent or its `exp` is at or before `now`; resolves whether it did. */
async function putUnlessHeld(
  ctx: Ctx,
  item: Item,
  now: string,
): Promise<{ stored: true } | { stored: false; held?: Item }> {
  try {
    await ctx.send(
      new PutItemCommand({
        TableName: ctx.table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR #exp <= :now',
        ExpressionAttributeNames: { '#exp': 'exp' },
        ExpressionAttributeValues: { ':now': S(now) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { stored: true };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    return { stored: false, held: (e as { Item?: Item }).Item };
  }
}

export function createClusterTable(ctx: Ctx): ClusterTable {
  const item = (c: Cluster): Item => ({
    pk: S(K.clusters),
    sk: S(c.id),
    data: S(JSON.stringify(c)),
  });
  return {
    async put(cluster) {
      // One atomic write: replace the body and bump the stored version.
      const out = await ctx.send(
        new UpdateItemCommand({
          TableName: ctx.table,
          Key: { pk: S(K.clusters), sk: S(cluster.id) },
          UpdateExpression: 'SET #data = :data ADD #ver :one',
          ExpressionAttributeNames: { '#data': 'data', '#ver': 'ver' },
          ExpressionAttributeValues: { ':data': S(JSON.stringify(cluster)), ':one': N(1) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return record<Cluster>(out.Attributes as Item);
    },
    async get(id) {
      return getRecord<Cluster>(ctx, K.clusters, id);
    },
    async list() {
      const items: Item[] = [];
      let start: Item | undefined;
      do {
        const out = await ctx.send(
          new QueryCommand({
            TableName: ctx.table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': S(K.clusters) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...((out.Items ?? []) as Item[]));
        start = out.LastEvaluatedKey as Item | undefined;
      } while (start);
      return items.map((i) => record<Cluster>(i));
    },
    async update(cluster) {
      return updateVersioned(ctx, cluster, item, 'cluster');
    },
  };
}

export function createTenantTable(ctx: Ctx): TenantTable {
  return {
    async create(tenant) {
      await createItem(ctx, recordItem(K.tenant(tenant.id), tenant), `tenant ${tenant.id}`);
    },
    async get(id) {
      return getRecord<Tenant>(ctx, K.tenant(id));
    },
  };
}

export function createTokenTable(ctx: Ctx): TokenTable {
  const item = (t: TokenRecord): Item =>
    recordItem(K.token(t.id), t, {
      gsi1pk: S(K.tokensOfTenant(t.tenantId)),
      gsi1sk: S(timeId(t.createdAt, t.id)),
    });
  return {
    async create(token) {
      await createItem(ctx, item(token), `token ${token.id}`);
    },
    async get(id) {
      return getRecord<TokenRecord>(ctx, K.token(id));
    },
    async listByTenant(tenantId) {
      return listIndex<TokenRecord>(ctx, 'gsi1', K.tokensOfTenant(tenantId));
    },
    async put(token) {
      await ctx.send(new PutItemCommand({ TableName: ctx.table, Item: item(token) }));
    },
  };
}

export function createIdempotencyTable(ctx: Ctx): IdempotencyTable {
  // `state` and `jobId` live in their own attributes so `complete` is one conditional update.
  const decode = (i: Item): IdempotencyRecord => {
    const jobId = str(i, 'jobId');
    return {
      ...record<IdempotencyRecord>(i),
      state: (str(i, 'state') ?? 'in-flight') as IdempotencyRecord['state'],
      ...(jobId === undefined ? {} : { jobId }),
    };
  };
  return {
    async claim(claim, now) {
      const { state, jobId, ...rest } = claim;
      const item = recordItem(K.idempotency(claim.tenantId, claim.key), rest, {
        state: S(state),
        ...(jobId === undefined ? {} : { jobId: S(jobId) }),
        exp: S(claim.expiresAt),
        ...ttlSeconds(claim.expiresAt),
      });
      for (let attempt = 0; attempt < 10; attempt++) {
        const result = await putUnlessHeld(ctx, item, now);
        if (result.stored) return undefined;
        // The holder's record was not returned: read it (it may have been released meanwhile).
        const held = result.held ?? (await getItem(ctx, K.idempotency(claim.tenantId, claim.key)));
        if (held && (str(held, 'exp') ?? '') > now) return decode(held);
      }
      throw new AppError('UNAVAILABLE', `idempotency key ${claim.key} is contended: retry`);
    },
    async complete(tenantId, key, jobId) {
      try {
        await ctx.send(
          new UpdateItemCommand({
            TableName: ctx.table,
            Key: { pk: S(K.idempotency(tenantId, key)), sk: S('ITEM') },
            UpdateExpression: 'SET #state = :done, #job = :job',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#state': 'state', '#job': 'jobId' },
            ExpressionAttributeValues: { ':done': S('done'), ':job': S(jobId) },
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    },
    async release(tenantId, key) {
      await deleteItem(ctx, K.idempotency(tenantId, key));
    },
  };
}

/**
 * The item of a delivery: listed under its job (gsi1) and, while pending, in the due list (gsi4).
 * Job writes put their outbox with it too (jobs.ts), so `listDue` and `listByJob` find those.
 */
export const deliveryItem = (d: Delivery): Item =>
  recordItem(K.delivery(d.id), d, {
    ver: N(d.version),
    gsi1pk: S(K.deliveriesOfJob(d.jobId)),
    gsi1sk: S(timeId(d.createdAt, d.id)),
    // Sparse: only pending deliveries are in the due list.
    ...(d.state === 'pending'
      ? {
          gsi4pk: S(K.deliveriesPending),
          gsi4sk: S(`${d.nextAttemptAt}#${timeId(d.createdAt, d.id)}`),
        }
      : {}),
  });

export function createDeliveryTable(ctx: Ctx): DeliveryTable {
  const item = deliveryItem;
  return {
    async create(delivery) {
      await createItem(ctx, item(delivery), `delivery ${delivery.id}`);
    },
    async update(delivery) {
      return updateVersioned(ctx, delivery, item, 'delivery');
    },
    async listDue(now, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      // `$` sorts right after the `#` separator: every key whose time is <= now is below it.
      return listIndex<Delivery>(ctx, 'gsi4', K.deliveriesPending, { before: `${now}$`, limit });
    },
    async listByJob(jobId) {
      return listIndex<Delivery>(ctx, 'gsi1', K.deliveriesOfJob(jobId));
    },
  };
}

export function createClaimTable(ctx: Ctx): ClaimTable {
  return {
    async claim(key, expiresAt, now) {
      const item = recordItem(
        K.claim(key),
        { key, expiresAt },
        { exp: S(expiresAt), ...ttlSeconds(expiresAt) },
      );
      return (await putUnlessHeld(ctx, item, now)).stored;
    },
  };
}

export function createSettingsTable(ctx: Ctx): SettingsTable {
  const item = (key: string, value: unknown): Item => ({
    ...recordItem(K.setting(key), null),
    data: S(JSON.stringify(value) ?? 'null'),
  });
  return {
    async get<T = unknown>(key: string) {
      return getRecord<T>(ctx, K.setting(key));
    },
    async putIfAbsent(key, value) {
      try {
        await createItem(ctx, item(key, value), `setting ${key}`);
        return true;
      } catch (e) {
        if (e instanceof AlreadyExistsError) return false;
        throw e;
      }
    },
    async put(key, value) {
      await ctx.send(new PutItemCommand({ TableName: ctx.table, Item: item(key, value) }));
    },
    async replace(key, expected, value) {
      try {
        await ctx.send(
          new PutItemCommand({
            TableName: ctx.table,
            Item: item(key, value),
            ConditionExpression: '#data = :was',
            ExpressionAttributeNames: { '#data': 'data' },
            ExpressionAttributeValues: { ':was': S(JSON.stringify(expected) ?? 'null') },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
  };
}
