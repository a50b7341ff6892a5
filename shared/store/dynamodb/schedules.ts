/**
 * Schedules and inbound hooks on the single table: versioned records owned by a tenant, listed by
 * tenant in id order (gsi1). Schedules that are not suspended also sit in the due list (gsi4,
 * sorted by `nextFireAt`, then id), which the cron tick reads.
 */
import type { Hook, HookTable, Schedule, ScheduleTable } from '../port.js';
import { checkLimit } from '../cursor.js';
import type { Item } from './client.js';
import { N, S } from './client.js';
import type { Ctx } from './items.js';
import {
  createItem,
  deleteItem,
  getRecord,
  listIndex,
  recordItem,
  updateVersioned,
} from './items.js';
import { K } from './table-spec.js';

export function createScheduleTable(ctx: Ctx): ScheduleTable {
  const item = (s: Schedule): Item =>
    recordItem(K.schedule(s.id), s, {
      ver: N(s.version),
      gsi1pk: S(K.schedulesOfTenant(s.tenantId)),
      gsi1sk: S(s.id),
      ...(s.suspended
        ? {}
        : { gsi4pk: S(K.schedulesActive), gsi4sk: S(`${s.nextFireAt}#${s.id}`) }),
    });
  return {
    async create(schedule) {
      await createItem(ctx, item(schedule), `schedule ${schedule.id}`);
    },
    async get(id) {
      return getRecord<Schedule>(ctx, K.schedule(id));
    },
    async update(schedule) {
      return updateVersioned(ctx, schedule, item, 'schedule');
    },
    async delete(id) {
      return deleteItem(ctx, K.schedule(id));
    },
    async listByTenant(tenantId) {
      return listIndex<Schedule>(ctx, 'gsi1', K.schedulesOfTenant(tenantId));
    },
    async listDue(now, limit) {
      checkLimit(limit, Number.MAX_SAFE_INTEGER);
      // `$` sorts right after the `#` separator: every key whose time is <= now is below it.
      return listIndex<Schedule>(ctx, 'gsi4', K.schedulesActive, { before: `${now}$`, limit });
    },
  };
}

export function createHookTable(ctx: Ctx): HookTable {
  const item = (h: Hook): Item =>
    recordItem(K.hook(h.id), h, {
      ver: N(h.version),
      gsi1pk: S(K.hooksOfTenant(h.tenantId)),
      gsi1sk: S(h.id),
    });
  return {
    async create(hook) {
      await createItem(ctx, item(hook), `hook ${hook.id}`);
    },
    async get(id) {
      return getRecord<Hook>(ctx, K.hook(id));
    },
    async update(hook) {
      return updateVersioned(ctx, hook, item, 'hook');
    },
    async delete(id) {
      return deleteItem(ctx, K.hook(id));
    },
    async listByTenant(tenantId) {
      return listIndex<Hook>(ctx, 'gsi1', K.hooksOfTenant(tenantId));
    },
  };
}
