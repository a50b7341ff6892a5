/** Maintenance plans in memory: versioned records, every method atomic (no await inside). */
import type { MaintenancePlan } from '../domain/maintenance.js';
import { compareById } from './cursor.js';
import { conditionalUpdate, copy, createOnce } from './memory-tables.js';
import type { MaintenancePlanTable } from './port.js';

export function createMemoryMaintenance(): MaintenancePlanTable {
  const plans = new Map<string, MaintenancePlan>();
  return {
    async create(plan) {
      createOnce(plans, plan.id, plan, 'maintenance plan');
    },
    async get(id) {
      const plan = plans.get(id);
      return plan && copy(plan);
    },
    async update(plan) {
      return conditionalUpdate(plans, plan, 'maintenance plan');
    },
    async list() {
      return [...plans.values()].sort(compareById).map(copy);
    },
  };
}
