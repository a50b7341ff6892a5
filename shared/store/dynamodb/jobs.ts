/**
 * Jobs on the single table. A job item holds its JSON in `data` and its version in `ver`; every
 * write is conditional on `ver` (a create on the item's absence). A write with usage deltas or
 * deliveries (the outbox) goes through `createWithUsage` / `updateWithUsage` (one transaction:
 * the job Put, the counter Updates, the delivery Puts); one with neither is a single conditional
 * PutItem. Listing uses the index whose partition holds only matching jobs.
 */
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { AlreadyExistsError, VersionConflictError } from '../../base/errors.js';
import type { Job } from '../../domain/job.js';
import { checkLimit, compareOldestFirst, decodeCursor, encodeCursor } from '../cursor.js';
import type { JobTable } from '../port.js';
import type { Item } from './client.js';
import type { Ctx } from './items.js';
import { countAll, errorName, N, queryAll, record, S } from './client.js';
import { createWithUsage, updateWithUsage } from './usage.js';
import { ITEM_SK, K, timeId } from './table-spec.js';

function jobItem(job: Job, version: number): Item {
  const sortKey = timeId(job.createdAt, job.id);
  return {
    pk: S(K.job(job.id)),
    sk: S(ITEM_SK),
    data: S(JSON.stringify({ ...job, version })),
    ver: N(version),
    state: S(job.state),
    gsi1pk: S(K.jobsOfTenant(job.tenantId)),
    gsi1sk: S(sortKey),
    gsi2pk: S(K.jobsOfProject(job.tenantId, job.spec.project)),
    gsi2sk: S(sortKey),
    gsi3pk: S(K.jobsOfTenantInState(job.tenantId, job.state)),
    gsi3sk: S(sortKey),
    gsi4pk: S(K.jobsInState(job.state)),
    gsi4sk: S(sortKey),
  };
}

export function createJobTable(ctx: Ctx): JobTable {
  return {
    async create(job, usage = [], deliveries = []) {
      if (usage.length > 0 || deliveries.length > 0) {
        return createWithUsage(ctx, job, jobItem(job, job.version), usage, deliveries);
      }
      try {
        await ctx.send(
          new PutItemCommand({
            TableName: ctx.table,
            Item: jobItem(job, job.version),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (e) {
        if (errorName(e) === 'ConditionalCheckFailedException')
          throw new AlreadyExistsError(`job ${job.id}`);
        throw e;
      }
    },

    async get(id) {
      const out = await ctx.send(
        new GetItemCommand({
          TableName: ctx.table,
          Key: { pk: S(K.job(id)), sk: S(ITEM_SK) },
          ConsistentRead: true,
        }),
      );
      return out.Item ? record<Job>(out.Item as Item) : undefined;
    },

    async update(job, usage = [], deliveries = []) {
      if (usage.length > 0 || deliveries.length > 0) {
        return updateWithUsage(ctx, job, jobItem(job, job.version + 1), usage, deliveries);
      }
      const next = job.version + 1;
      try {
        await ctx.send(
          new PutItemCommand({
            TableName: ctx.table,
            Item: jobItem(job, next),
            ConditionExpression: '#ver = :ver',
            ExpressionAttributeNames: { '#ver': 'ver' },
            ExpressionAttributeValues: { ':ver': N(job.version) },
          }),
        );
      } catch (e) {
        if (errorName(e) === 'ConditionalCheckFailedException')
          throw new VersionConflictError(`job ${job.id}`);
        throw e;
      }
      return { ...structuredClone(job), version: next };
    },

    async list(query) {
      const limit = checkLimit(query.limit);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      // Pick the partition that already holds only matching jobs; project + state filters the
      // project partition on state. Either way the query walks the index in order and stops once
      // limit + 1 matches are in, so pages are full, and the cursor (the last job returned) keeps
      // them free of gaps and duplicates.
      const [index, pk] =
        query.project !== undefined
          ? (['gsi2', K.jobsOfProject(query.tenantId, query.project)] as const)
          : query.state !== undefined
            ? (['gsi3', K.jobsOfTenantInState(query.tenantId, query.state)] as const)
            : (['gsi1', K.jobsOfTenant(query.tenantId)] as const);
      const stateFilter = query.project !== undefined && query.state !== undefined;
      const items = await queryAll(
        ctx.send,
        {
          TableName: ctx.table,
          IndexName: index,
          KeyConditionExpression: after ? '#pk = :pk AND #sk < :after' : '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': `${index}pk`,
            ...(after ? { '#sk': `${index}sk` } : {}),
            ...(stateFilter ? { '#state': 'state' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': S(pk),
            ...(after ? { ':after': S(timeId(after.createdAt, after.id)) } : {}),
            ...(stateFilter ? { ':state': S(query.state!) } : {}),
          },
          ...(stateFilter ? { FilterExpression: '#state = :state' } : {}),
          ScanIndexForward: false,
        },
        limit + 1,
      );
      const jobs = items.slice(0, limit).map((i) => record<Job>(i));
      const last = jobs[jobs.length - 1];
      return items.length > limit && last
        ? { items: jobs, nextCursor: encodeCursor(last) }
        : { items: jobs };
    },

    async listByState(states, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      const perState = await Promise.all(
        [...new Set(states)].map((state) =>
          queryAll(
            ctx.send,
            {
              TableName: ctx.table,
              IndexName: 'gsi4',
              KeyConditionExpression: 'gsi4pk = :pk',
              ExpressionAttributeValues: { ':pk': S(K.jobsInState(state)) },
            },
            limit,
          ),
        ),
      );
      return perState
        .flat()
        .map((i) => record<Job>(i))
        .sort(compareOldestFirst)
        .slice(0, limit);
    },
    // The state index is keyed by creation time, so this reads the state's jobs page by page and
    // keeps the stale ones (no index on the write time here, unlike SQLite's).
    async listStale(state, updatedBefore, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      const stale: Job[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = (await ctx.send(
          new QueryCommand({
            TableName: ctx.table,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :pk',
            ExpressionAttributeValues: { ':pk': S(K.jobsInState(state)) },
            Limit: 500,
            ExclusiveStartKey: start as never,
          }),
        )) as QueryCommandOutput;
        for (const item of (out.Items ?? []) as Item[]) {
          const job = record<Job>(item);
          if (job.updatedAt < updatedBefore) stale.push(job);
        }
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
      return stale
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || compareOldestFirst(a, b))
        .slice(0, limit);
    },

    async countByState(states) {
      const unique = [...new Set(states)];
      const counts = await Promise.all(
        unique.map((state) =>
          countAll(ctx.send, {
            TableName: ctx.table,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :pk',
            ExpressionAttributeValues: { ':pk': S(K.jobsInState(state)) },
          }),
        ),
      );
      return Object.fromEntries(unique.map((state, i) => [state, counts[i]!]));
    },
  };
}
