/**
 * The DynamoDB log table. A job's log is one partition `LOG#<job id>`: a meta item (line counts per
 * stream, bytes kept and dropped, version) and one item per chunk (`C#<seq>`). An append is one
 * transaction — the new chunk, the meta conditional on the version read, and the deletes of the
 * oldest chunks when the job passes its cap — retried on a race. Every item carries the TTL
 * attribute, so DynamoDB removes expired logs; reads also skip what has expired.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { VersionConflictError } from '../../base/errors.js';
import { chunkBytes, dropCount, newLines } from '../log-common.js';
import type { LogAppend, LogLimits, LogTable } from '../log-port.js';
import { errorName, N, num, queryAll, S, str } from './client.js';
import type { Ctx } from './items.js';
import { getItem } from './items.js';
import { ttlSeconds } from './records.js';

const META = 'META'; // sorts after every `C#<seq>`, so one query reads both
const RETRIES = 10;
/** Oldest chunks one append may drop (a transaction holds at most 100 actions). */
const MAX_DROPS = 90;
const pkOf = (jobId: string) => `LOG#${jobId}`;
const skOf = (seq: number) => `C#${String(seq).padStart(12, '0')}`;

interface Meta {
  nextSeq: number;
  bytes: number;
  dropped: number;
  streams: Record<string, number>;
  exp: string;
}

async function oldestSizes(ctx: Ctx, jobId: string, limit: number) {
  const items = await queryAll(
    ctx.send,
    {
      TableName: ctx.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: { ':pk': S(pkOf(jobId)), ':c': S('C#') },
      ProjectionExpression: 'sk, bytes',
      ConsistentRead: true,
    },
    limit,
  );
  return items.map((i) => ({ sk: str(i, 'sk')!, bytes: num(i, 'bytes') ?? 0 }));
}

/** One try: reads the meta, writes chunk, meta and drops in one transaction. */
async function tryAppend(ctx: Ctx, entry: LogAppend, limits: LogLimits, now: string) {
  const pk = pkOf(entry.jobId);
  const item = await getItem(ctx, pk, META);
  const ver = item ? (num(item, 'ver') ?? 0) : 0;
  const old = item ? (JSON.parse(str(item, 'data')!) as Meta) : undefined;
  const meta: Meta =
    old && old.exp > now ? { ...old } : { nextSeq: 1, bytes: 0, dropped: 0, streams: {}, exp: '' };
  const { lines, nextLine } = newLines(entry, meta.streams[entry.stream] ?? 0);
  meta.streams = { ...meta.streams, [entry.stream]: nextLine };
  meta.exp = limits.expiresAt;
  const writes: TransactWriteItem[] = [];
  const ttl = ttlSeconds(limits.expiresAt);
  if (lines.length > 0) {
    const size = chunkBytes(lines);
    const chunk = { seq: meta.nextSeq, stream: entry.stream, replica: entry.replica, lines };
    writes.push({
      Put: {
        TableName: ctx.table,
        Item: {
          pk: S(pk),
          sk: S(skOf(meta.nextSeq++)),
          bytes: N(size),
          exp: S(limits.expiresAt),
          data: S(JSON.stringify(chunk)),
          ...ttl,
        },
      },
    });
    meta.bytes += size;
    if (meta.bytes > limits.capBytes) {
      // The new chunk is not stored yet: it is the newest and always stays.
      const sizes = [...(await oldestSizes(ctx, entry.jobId, MAX_DROPS)), { sk: '', bytes: size }];
      const drop = dropCount(sizes, meta.bytes, limits.capBytes);
      for (const { sk } of sizes.slice(0, drop.n)) {
        writes.push({ Delete: { TableName: ctx.table, Key: { pk: S(pk), sk: S(sk) } } });
      }
      meta.dropped += meta.bytes - drop.bytes;
      meta.bytes = drop.bytes;
    }
  }
  writes.push({
    Put: {
      TableName: ctx.table,
      Item: { pk: S(pk), sk: S(META), ver: N(ver + 1), data: S(JSON.stringify(meta)), ...ttl },
      ConditionExpression: item ? 'ver = :ver' : 'attribute_not_exists(pk)',
      ...(item ? { ExpressionAttributeValues: { ':ver': N(ver) } } : {}),
    },
  });
  try {
    await ctx.send(new TransactWriteItemsCommand({ TransactItems: writes }));
  } catch (e) {
    if (errorName(e) === 'TransactionCanceledException') return undefined;
    throw e;
  }
  return { stored: lines.length, nextLine };
}

export function createLogTable(ctx: Ctx): LogTable {
  return {
    async append(entry, limits, now) {
      for (let i = 0; i < RETRIES; i++) {
        const done = await tryAppend(ctx, entry, limits, now);
        if (done) return done;
      }
      throw new VersionConflictError(`log of job ${entry.jobId}`);
    },
    async read(jobId, now, afterSeq = 0) {
      const items = await queryAll(ctx.send, {
        TableName: ctx.table,
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': S(pkOf(jobId)), ':after': S(skOf(afterSeq)) },
        ConsistentRead: true,
      });
      const metaItem = items.find((i) => str(i, 'sk') === META);
      const meta = metaItem && (JSON.parse(str(metaItem, 'data')!) as Meta);
      if (!meta || meta.exp <= now) return { chunks: [], truncated: false, droppedBytes: 0 };
      const chunks = items
        .filter((i) => str(i, 'sk')!.startsWith('C#') && (str(i, 'exp') ?? '') > now)
        .map(
          (i) =>
            JSON.parse(str(i, 'data')!) as Awaited<ReturnType<LogTable['read']>>['chunks'][number],
        );
      return { chunks, truncated: meta.dropped > 0, droppedBytes: meta.dropped };
    },
    async positions(jobId, now) {
      const item = await getItem(ctx, pkOf(jobId), META);
      const meta = item && (JSON.parse(str(item, 'data')!) as Meta);
      return meta && meta.exp > now ? meta.streams : {};
    },
  };
}
