/**
 * StateStore contract: maintenance plans. Compare-and-set updates (two sweeps advancing the same
 * plan change it once), copies handed out, listing in id order. Ids come from `uniqueId`, and the
 * listing is checked only for the test's own plans (DynamoDB shares one table across tests).
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, VersionConflictError } from '../../shared/base/errors.js';
import type { MaintenancePlan } from '../../shared/domain/maintenance.js';
import { at, type StoreContext, uniqueId } from './store-fixtures.js';

export function aPlan(over: Partial<MaintenancePlan> = {}): MaintenancePlan {
  return {
    id: 'mnt-1',
    tenantId: 'ops',
    description: 'kubelet 1.33',
    state: 'running',
    maxUnavailable: 1,
    drainTimeoutSeconds: 600,
    atDeadline: 'wait',
    upgrade: { webhook: { url: 'https://upgrades.example/hook', secret: 'whsec_x' } },
    selector: { clusters: ['a', 'b'] },
    steps: [
      { clusterId: 'a', state: 'waiting' },
      { clusterId: 'b', state: 'waiting' },
    ],
    events: [{ at: at(0), type: 'plan.started', message: 'started' }],
    createdBy: 'tok-1',
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}

export function describeMaintenancePlans(ctx: StoreContext): void {
  describe('maintenance plans', () => {
    it('creates, gets and refuses a second create of the same id', async () => {
      const plans = ctx.store().maintenance;
      const id = uniqueId('mnt');
      await plans.create(aPlan({ id }));
      expect(await plans.get(id)).toEqual(aPlan({ id }));
      expect(await plans.get(uniqueId('mnt'))).toBeUndefined();
      await expect(plans.create(aPlan({ id, state: 'paused' }))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect((await plans.get(id))?.state).toBe('running');
    });

    it('update is compare-and-set: of two writers of one version, one wins', async () => {
      const id = uniqueId('mnt');
      const [a, b] = [ctx.store().maintenance, (await ctx.peer()).maintenance];
      await a.create(aPlan({ id }));
      const read = (await a.get(id))!;
      const results = await Promise.allSettled([
        a.update({ ...read, state: 'paused' }),
        b.update({ ...read, state: 'cancelled' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
      const stored = (await a.get(id))!;
      expect(stored.version).toBe(2);
      expect(stored).toEqual((won[0] as PromiseFulfilledResult<MaintenancePlan>).value);
      await expect(a.update(aPlan({ id: uniqueId('ghost') }))).rejects.toBeInstanceOf(
        VersionConflictError,
      );
    });

    it('hands out copies and lists every plan in id order', async () => {
      const plans = ctx.store().maintenance;
      const [x, y] = [uniqueId('mnt-l'), uniqueId('mnt-l')];
      await plans.create(aPlan({ id: y }));
      const input = aPlan({ id: x });
      await plans.create(input);
      input.steps[0]!.state = 'done';
      const got = (await plans.get(x))!;
      got.events.push({ at: at(1), type: 'mutated', message: 'x' });
      expect(await plans.get(x)).toEqual(aPlan({ id: x }));
      const updated = await plans.update({ ...aPlan({ id: x }), description: 'changed' });
      updated.steps.pop();
      expect((await plans.get(x))?.steps).toHaveLength(2);
      const mine = (await plans.list()).filter((p) => p.id === x || p.id === y);
      expect(mine.map((p) => p.id)).toEqual([x, y].sort());
      expect(mine.find((p) => p.id === x)?.description).toBe('changed');
    });
  });
}
