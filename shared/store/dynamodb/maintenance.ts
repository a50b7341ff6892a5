/** Maintenance plans on the single table: versioned records, all listed in id order (gsi1). */
import type { MaintenancePlan } from '../../domain/maintenance.js';
import type { MaintenancePlanTable } from '../port.js';
import type { Item } from './client.js';
import { N, S } from './client.js';
import type { Ctx } from './items.js';
import { createItem, getRecord, listIndex, recordItem, updateVersioned } from './items.js';

const PLANS = 'MAINTENANCE#PLANS';
const planKey = (id: string) => `MAINTENANCE#${id}`;

export function createMaintenanceTable(ctx: Ctx): MaintenancePlanTable {
  const item = (p: MaintenancePlan): Item =>
    recordItem(planKey(p.id), p, { ver: N(p.version), gsi1pk: S(PLANS), gsi1sk: S(p.id) });
  return {
    async create(plan) {
      await createItem(ctx, item(plan), `maintenance plan ${plan.id}`);
    },
    async get(id) {
      return getRecord<MaintenancePlan>(ctx, planKey(id));
    },
    async update(plan) {
      return updateVersioned(ctx, plan, item, 'maintenance plan');
    },
    async list() {
      return listIndex<MaintenancePlan>(ctx, 'gsi1', PLANS);
    },
  };
}
