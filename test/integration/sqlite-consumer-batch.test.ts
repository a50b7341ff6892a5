/**
 * The embedded pair's consumer side in the group commit, on real SQLite files: a drainer's acks
 * (and nacks) of one turn, and the log appends of one shipping pass, share one transaction — a
 * second connection sees none of them while they wait and all of them once the first resolves — so
 * a backlog costs one fsync per batch instead of one per message; an ack is still durable before it
 * resolves. A pull and a cluster's heartbeat write join the same batch. The unbatched baseline (`batchConsumerWrites: false`) commits each at the call.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';
import { aCluster } from '../unit/placement-builders.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-consumer-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function pairWith(messages: number, batchConsumerWrites?: boolean) {
  const path = join(dir, `db-${n++}.db`);
  const pair = createSqlitePair({ path, batchConsumerWrites });
  await Promise.all(Array.from({ length: messages }, (_, i) => pair.queue.publish('aws', { i })));
  const peer = new Database(path, { readonly: true });
  const count = (sql: string) => (peer.prepare(sql).get() as { c: number }).c;
  const close = async () => {
    peer.close();
    await pair.queue.close();
    await pair.store.close();
  };
  return { pair, count, close };
}

const QUEUED = 'SELECT count(*) AS c FROM queue_messages';
const VISIBLE = 'SELECT count(*) AS c FROM queue_messages WHERE receipt IS NULL';

describe('consumer writes in the group commit', () => {
  it('acks of one turn commit together, and only then resolve', async () => {
    const { pair, count, close } = await pairWith(40);
    const pulled = await pair.queue.pull('aws', { max: 40, visibilityMs: 60_000 });
    expect(pulled).toHaveLength(40);
    const acks = pulled.map((m) => pair.queue.ack('aws', m.receipt));
    expect(count(QUEUED)).toBe(40); // asked for, not yet committed
    await Promise.race(acks);
    expect(count(QUEUED)).toBe(0); // the first acknowledgement comes with all 40 durable
    await Promise.all(acks);
    await close();
  });

  it('nacks ride the same batch; a stale receipt is still a no-op', async () => {
    const { pair, count, close } = await pairWith(10);
    const pulled = await pair.queue.pull('aws', { max: 10, visibilityMs: 60_000 });
    const nacks = pulled.map((m) => pair.queue.nack('aws', m.receipt));
    const stale = pair.queue.ack('aws', 'not-a-receipt');
    expect(count(VISIBLE)).toBe(0);
    await Promise.all([...nacks, stale]);
    expect(count(VISIBLE)).toBe(10);
    const again = await pair.queue.pull('aws', { max: 10, visibilityMs: 60_000 });
    expect(again.map((m) => m.attempt)).toEqual(Array(10).fill(2));
    await close();
  });

  it('log appends of one turn commit together', async () => {
    const { pair, count, close } = await pairWith(0);
    const appends = Array.from({ length: 20 }, (_, i) =>
      pair.store.logs.append(
        { jobId: `job-${i}`, stream: 'pod', replica: 0, fromLine: 0, lines: ['t hello'] },
        { capBytes: 1 << 20, expiresAt: '2999-01-01T00:00:00.000Z' },
        '2026-01-01T00:00:00.000Z',
      ),
    );
    expect(count('SELECT count(*) AS c FROM log_chunks')).toBe(0);
    await Promise.race(appends);
    expect(count('SELECT count(*) AS c FROM log_chunks')).toBe(20);
    expect((await Promise.all(appends)).every((r) => r.stored === 1)).toBe(true);
    await close();
  });

  it("a pull, the turn's acks and a heartbeat's cluster write share one commit", async () => {
    const { pair, count, close } = await pairWith(6);
    await pair.store.clusters.put(aCluster('c1'));
    const first = await pair.queue.pull('aws', { max: 3, visibilityMs: 60_000 });
    const stored = (await pair.store.clusters.get('c1'))!;
    const acks = first.map((m) => pair.queue.ack('aws', m.receipt));
    const pull = pair.queue.pull('aws', { max: 3, visibilityMs: 60_000 });
    const write = pair.store.clusters.update({ ...stored, labels: { beat: '1' } });
    const version = "SELECT version AS c FROM clusters WHERE id = 'c1'";
    // Asked for, none committed: the 3 left are still visible, the acked ones still queued.
    expect([count(QUEUED), count(VISIBLE), count(version)]).toEqual([6, 3, stored.version]);
    const second = await pull; // handed out only with the batch durable
    expect([count(QUEUED), count(VISIBLE), count(version)]).toEqual([3, 0, stored.version + 1]);
    expect(second.map((m) => m.body)).toEqual([{ i: 3 }, { i: 4 }, { i: 5 }]);
    expect((await write).labels).toEqual({ beat: '1' });
    await Promise.all(acks);
    await expect(pair.store.clusters.update(stored)).rejects.toThrow(/cluster c1/);
    await close();
  });

  it('the unbatched baseline commits each ack at the call', async () => {
    const { pair, count, close } = await pairWith(5, false);
    const pulled = await pair.queue.pull('aws', { max: 5, visibilityMs: 60_000 });
    const first = pair.queue.ack('aws', pulled[0]!.receipt);
    expect(count(QUEUED)).toBe(4);
    await first;
    await close();
  });
});
