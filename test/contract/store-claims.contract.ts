/** StateStore contract: one-time claims with an expiry. */
import { describe, expect, it } from 'vitest';
import { at, type StoreContext, uniqueId } from './store-fixtures.js';

export function describeClaims(ctx: StoreContext): void {
  describe('claims', () => {
    it('the first claim holds until it expires; then the key can be claimed again', async () => {
      const claims = ctx.store().claims;
      const [key, other] = [uniqueId('claim'), uniqueId('claim')];
      expect(await claims.claim(key, at(60), at(0))).toBe(true);
      expect(await claims.claim(key, at(60), at(0))).toBe(false);
      expect(await claims.claim(key, at(999), at(59))).toBe(false);
      expect(await claims.claim(other, at(60), at(1))).toBe(true);
      // At `expiresAt` the earlier claim has expired (as with idempotency claims).
      expect(await claims.claim(key, at(120), at(60))).toBe(true);
      expect(await claims.claim(key, at(200), at(119))).toBe(false);
      expect(await claims.claim(key, at(200), at(121))).toBe(true);
    });

    it('of 20 concurrent claimers across connections exactly one wins, also after expiry', async () => {
      const handles = [ctx.store(), await ctx.peer()];
      const race = (key: string, expiresAt: string, now: string) =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            handles[i % handles.length]!.claims.claim(key, expiresAt, now),
          ),
        );
      for (let round = 0; round < 5; round++) {
        const key = uniqueId('claim-race');
        expect((await race(key, at(60), at(0))).filter(Boolean)).toHaveLength(1);
        expect((await race(key, at(120), at(60))).filter(Boolean)).toHaveLength(1);
      }
    });
  });
}
