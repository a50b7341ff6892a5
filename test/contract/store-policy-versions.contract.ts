/**
 * StateStore contract: routing policy versions (shared/policy/versions.ts) kept through the
 * settings table on every driver — history, a reader on another connection, compare-and-set
 * writers racing across connections (with and without an expected revision), and a writer that
 * stopped between moving the version in force and keeping its copy.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { parsePolicy } from '../../shared/policy/schema.js';
import {
  CURRENT_KEY,
  readHistory,
  readVersion,
  versionKey,
  writeVersion,
  type PolicyVersion,
} from '../../shared/policy/versions.js';
import { at, type StoreContext } from './store-fixtures.js';

const next =
  (by: string, version: string) =>
  (current: PolicyVersion | undefined): PolicyVersion => ({
    document: parsePolicy({ version }),
    revision: (current?.revision ?? 0) + 1,
    updatedAt: at(current?.revision ?? 0),
    updatedBy: by,
    summary: `after ${current?.revision ?? 0}`,
  });

export function describePolicyVersions(ctx: StoreContext): void {
  describe('policy versions (settings)', () => {
    it('keeps every version, newest first, paged, readable from another connection', async () => {
      const settings = ctx.store().settings;
      for (const v of ['a', 'b', 'c']) await writeVersion(settings, next('tok', v));
      const peer = (await ctx.peer()).settings;
      const all = await readHistory(peer, 10);
      expect(all.items.map((v) => [v.revision, v.document.version, v.summary])).toEqual([
        [3, 'c', 'after 2'],
        [2, 'b', 'after 1'],
        [1, 'a', 'after 0'],
      ]);
      expect(all.next).toBeUndefined();
      const first = await readHistory(peer, 2);
      expect([first.items.map((v) => v.revision), first.next]).toEqual([[3, 2], 2]);
      const rest = await readHistory(peer, 2, first.next);
      expect([rest.items.map((v) => v.revision), rest.next]).toEqual([[1], undefined]);
      expect(await readVersion(peer, 2)).toEqual(all.items[1]);
      expect(await readVersion(peer, 4)).toBeUndefined();
      expect(await readHistory(peer, 10, 1)).toEqual({ items: [] });
    });

    it('of writers racing over one revision across connections one wins, the rest get 409', async () => {
      const handles = [ctx.store().settings, (await ctx.peer()).settings];
      await writeVersion(handles[0]!, next('tok-0', 'v0'));
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          writeVersion(handles[i % 2]!, next(`tok-${i + 1}`, `v${i + 1}`), 1),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect(r.reason).toBeInstanceOf(AppError);
        expect(r.reason).toMatchObject({
          code: 'VERSION_CONFLICT',
          details: { currentRevision: 2, expectedRevision: 1 },
        });
      }
      const history = await readHistory(handles[1]!, 10);
      expect(history.items.map((v) => v.revision)).toEqual([2, 1]);
      expect(history.items[0]).toEqual((won[0] as PromiseFulfilledResult<PolicyVersion>).value);
    });

    it('writers without an expected revision all land, each on its own revision', async () => {
      const handles = [ctx.store().settings, (await ctx.peer()).settings];
      const stored = await Promise.all(
        Array.from({ length: 5 }, (_, i) => writeVersion(handles[i % 2]!, next(`t${i}`, `w${i}`))),
      );
      expect(stored.map((v) => v.revision).sort()).toEqual([1, 2, 3, 4, 5]);
      const history = await readHistory(handles[0]!, 10);
      expect(history.items.map((v) => v.updatedBy).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
      for (const v of history.items) expect(v.summary).toBe(`after ${v.revision - 1}`);
    });

    it('a version whose copy a stopped writer did not keep is read from, then kept by, the next', async () => {
      const settings = ctx.store().settings;
      await writeVersion(settings, next('tok', 'a'));
      // A writer that moved the version in force and stopped before keeping its copy.
      const orphan = next('crashed', 'b')(await settings.get<PolicyVersion>(CURRENT_KEY));
      await settings.put(CURRENT_KEY, orphan);
      expect(await settings.get(versionKey(2))).toBeUndefined();
      expect(await readVersion(settings, 2)).toEqual(orphan);
      expect((await readHistory(settings, 10)).items.map((v) => v.revision)).toEqual([2, 1]);
      await writeVersion(settings, next('tok', 'c'));
      expect(await settings.get(versionKey(2))).toEqual(orphan);
      expect((await readHistory(settings, 10)).items.map((v) => v.updatedBy)).toEqual([
        'tok',
        'crashed',
        'tok',
      ]);
    });
  });
}
