/**
 * StateStore contract: job logs (shared/store/log-port.ts) — chunks in order per job, a chunk sent
 * again adds nothing, the cap drops the oldest output and says so, logs expire, and each stream's
 * position (line count) can be asked.
 */
import { describe, expect, it } from 'vitest';
import type { LogAppend } from '../../shared/store/log-port.js';
import { at, type StoreContext, uniqueId } from './store-fixtures.js';

const limits = (capBytes = 1 << 20, expiresAt = at(3600)) => ({ capBytes, expiresAt });
const line = (s: number, text: string) => `${at(s)} ${text}`;
const entry = (jobId: string, over: Partial<LogAppend> = {}): LogAppend => ({
  jobId,
  stream: 'pod-a',
  replica: 0,
  fromLine: 0,
  lines: [line(1, 'hello'), line(2, 'step 1/2')],
  ...over,
});
const textOf = (chunks: { lines: string[] }[]) => chunks.flatMap((c) => c.lines);

export function describeLogs(ctx: StoreContext): void {
  describe('logs', () => {
    it('stores chunks in order per job and reads from a sequence number on', async () => {
      const logs = ctx.store().logs;
      const [job, other] = [uniqueId('log'), uniqueId('log')];
      expect(await logs.append(entry(job), limits(), at(0))).toEqual({ stored: 2, nextLine: 2 });
      const b = { stream: 'pod-b', replica: 1, lines: [line(3, 'from b')] };
      await logs.append(entry(job, b), limits(), at(3));
      await logs.append(entry(job, { fromLine: 2, lines: [line(4, 'done')] }), limits(), at(4));
      await logs.append(entry(other, { lines: [line(1, 'not mine')] }), limits(), at(4));
      const all = await logs.read(job, at(5));
      expect(all.truncated).toBe(false);
      expect(all.chunks.map((c) => [c.stream, c.replica])).toEqual([
        ['pod-a', 0],
        ['pod-b', 1],
        ['pod-a', 0],
      ]);
      expect(textOf(all.chunks)).toEqual([
        line(1, 'hello'),
        line(2, 'step 1/2'),
        line(3, 'from b'),
        line(4, 'done'),
      ]);
      const seqs = all.chunks.map((c) => c.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      const later = await logs.read(job, at(5), seqs[0]);
      expect(textOf(later.chunks)).toEqual([line(3, 'from b'), line(4, 'done')]);
      expect((await logs.read(uniqueId('log'), at(5))).chunks).toEqual([]);
    });

    it('a chunk sent again, whole or overlapping, stores only the lines it did not hold', async () => {
      const logs = ctx.store().logs;
      const job = uniqueId('log');
      await logs.append(entry(job), limits(), at(0));
      expect(await logs.append(entry(job), limits(), at(1))).toEqual({ stored: 0, nextLine: 2 });
      const overlap = { fromLine: 1, lines: [line(2, 'step 1/2'), line(3, 'step 2/2')] };
      expect(await logs.append(entry(job, overlap), limits(), at(3))).toEqual({
        stored: 1,
        nextLine: 3,
      });
      const read = await logs.read(job, at(4));
      expect(textOf(read.chunks)).toEqual([
        line(1, 'hello'),
        line(2, 'step 1/2'),
        line(3, 'step 2/2'),
      ]);
    });

    it('past the cap the oldest chunks go, and the read says how much was dropped', async () => {
      const logs = ctx.store().logs;
      const job = uniqueId('log');
      const text = 'x'.repeat(99); // with its time and newline, 124 bytes a line
      for (let i = 0; i < 10; i++) {
        await logs.append(entry(job, { fromLine: i, lines: [line(i, text)] }), limits(500), at(i));
      }
      const read = await logs.read(job, at(11));
      expect(read.truncated).toBe(true);
      expect(textOf(read.chunks)).toEqual([6, 7, 8, 9].map((i) => line(i, text)));
      expect(read.droppedBytes).toBe(6 * (line(0, text).length + 1));
    });

    it('logs expire: nothing is read after the expiry, and a later append starts afresh', async () => {
      const logs = ctx.store().logs;
      const job = uniqueId('log');
      await logs.append(entry(job), limits(1 << 20, at(60)), at(0));
      expect(textOf((await logs.read(job, at(59))).chunks)).toHaveLength(2);
      expect((await logs.read(job, at(60))).chunks).toEqual([]);
      const again = entry(job, { lines: [line(70, 'new')] });
      expect(await logs.append(again, limits(1 << 20, at(200)), at(70))).toEqual({
        stored: 1,
        nextLine: 1,
      });
      expect(textOf((await logs.read(job, at(71))).chunks)).toEqual([line(70, 'new')]);
    });

    it("positions: each stream's line count, kept past truncation, none once expired", async () => {
      const logs = ctx.store().logs;
      const job = uniqueId('log');
      expect(await logs.positions(job, at(0))).toEqual({});
      await logs.append(entry(job), limits(200, at(60)), at(0));
      const b = { stream: 'pod-b', replica: 1, lines: [line(3, 'x'.repeat(150))] };
      await logs.append(entry(job, b), limits(200, at(60)), at(3));
      expect((await logs.read(job, at(4))).truncated).toBe(true);
      expect(await logs.positions(job, at(4))).toEqual({ 'pod-a': 2, 'pod-b': 1 });
      expect(await logs.positions(job, at(60))).toEqual({});
    });
  });
}
