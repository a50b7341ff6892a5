/**
 * Budgets in money. A tenant's or project's quota may set `maxCostPerHour`: its running jobs may
 * cost at most that much per hour, where a job costs its GPUs (a gang's: nodes × GPUs per pod) ×
 * the cheapest `costPerGpuHour` of its accelerator's pools on the cluster it runs on (a pool
 * without a price counts 0, and the explanation says so). Spend is kept in usage counters, in millionths of the currency so that
 * every store adds integers exactly:
 *   spend:tenant:<tenant>              cost per hour of the tenant's placed jobs
 *   spend:project:<tenant>/<project>   same, per project
 * The job's reservation carries them with the budget as `max`, so the store's one conditional
 * write holds the budget across control-plane instances, like the GPU quotas. Over budget is
 * `pending` (never rejected): placement first passes over the clusters that would overspend, so
 * a cheaper cluster within the budget wins.
 */
import type { AcceleratorPool } from '../domain/cluster.js';
import type { Reservation } from '../domain/job.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { AcceleratorColumn } from './prepare.js';
import type { Scratch } from './memo.js';
import type { UsageView } from './usage.js';

/** Counter units per unit of currency. */
export const SPEND_UNIT = 1_000_000;
export const toSpendUnits = (perHour: number): number => Math.round(perHour * SPEND_UNIT);
export const fromSpendUnits = (units: number): number => units / SPEND_UNIT;

export const tenantSpendKey = (tenantId: string): string => `spend:tenant:${tenantId}`;
export const projectSpendKey = (tenantId: string, project: string): string =>
  `spend:project:${tenantId}/${project}`;

export interface SpendKey {
  key: string;
  /** `tenant acme` or `project research`, for explanations. */
  scope: string;
  /** The budget in counter units, when the policy sets one. */
  max?: number;
  currency: string;
}

/** One spend counter (a function of its own, not a closure per call: this runs per submission). */
function spendKey(k: string, scope: string, max?: number, currency?: string): SpendKey {
  return {
    key: k,
    scope,
    ...(max !== undefined && { max: toSpendUnits(max) }),
    currency: currency ?? 'USD',
  };
}

/** The tenant and project spend counters of a job, with their budgets. */
export function spendKeys(policy: CompiledPolicy, tenantId: string, project: string): SpendKey[] {
  const t = policy.tenantQuotas.get(tenantId);
  const p = policy.projectQuotas.size
    ? policy.projectQuotas.get(`${tenantId}/${project}`)
    : undefined;
  return [
    spendKey(tenantSpendKey(tenantId), `tenant ${tenantId}`, t?.maxCostPerHour, t?.currency),
    spendKey(
      projectSpendKey(tenantId, project),
      `project ${project}`,
      p?.maxCostPerHour,
      p?.currency,
    ),
  ];
}

/** `spendKeys` when a budget applies to the tenant or project, else undefined (two lookups). */
export function budgetKeys(
  policy: CompiledPolicy,
  tenantId: string,
  project: string,
): SpendKey[] | undefined {
  const t = policy.tenantQuotas.get(tenantId)?.maxCostPerHour;
  const p = policy.projectQuotas.size
    ? policy.projectQuotas.get(`${tenantId}/${project}`)?.maxCostPerHour
    : undefined;
  return t === undefined && p === undefined ? undefined : spendKeys(policy, tenantId, project);
}

/** The cheapest price per GPU-hour of `accelerator` among `pools`; undefined when none has one. */
export function unitPrice(
  pools: readonly AcceleratorPool[],
  accelerator: string,
): number | undefined {
  let best: number | undefined;
  for (const p of pools) {
    if (p.accelerator !== accelerator || p.costPerGpuHour === undefined) continue;
    if (best === undefined || p.costPerGpuHour < best) best = p.costPerGpuHour;
  }
  return best;
}

/** `$61.20`, `$50`, `61.20 EUR`. */
export function formatMoney(amount: number, currency: string): string {
  const text = Number.isInteger(amount) ? String(amount) : amount.toFixed(2);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}

const money = (units: number, currency: string) => formatMoney(fromSpendUnits(units), currency);

/** Why a job costing `cost` units per hour cannot start now, or undefined when every budget fits. */
export function overBudget(
  keys: readonly SpendKey[],
  cost: number,
  usage: UsageView,
): string | undefined {
  for (const k of keys) {
    if (k.max === undefined) continue;
    const next = (usage.get(k.key) ?? 0) + cost;
    if (next > k.max) {
      const alone =
        cost > k.max ? ' (the job alone costs more: it waits until the budget is raised)' : '';
      return `would raise ${k.scope}'s spend to ${money(next, k.currency)}/h, budget ${money(k.max, k.currency)}/h${alone}`;
    }
  }
  return undefined;
}

/** The spend reservation of a job costing `cost` units per hour (none for a free job). */
export function spendReservation(keys: readonly SpendKey[], cost: number): Reservation[] {
  if (!(cost > 0)) return [];
  return keys.map((k) => ({
    key: k.key,
    amount: cost,
    ...(k.max !== undefined && { max: k.max }),
  }));
}

/** A job's cost per hour in counter units on the cluster at `index` (0 without a price). */
export function costOn(col: AcceleratorColumn, index: number, gpus: number): number {
  const price = col.cost[index]!;
  return Number.isNaN(price) ? 0 : toSpendUnits(price * gpus);
}

export interface BudgetPass {
  /** The feasible count left. */
  n: number;
  /** Cluster indices passed over for the budget, with the reason. */
  over: Array<{ index: number; reason: string }>;
  /** The reason on the cheapest cluster passed over: what the job waits for if none is left. */
  cheapest?: string;
}

/**
 * Passes over the feasible candidates (`s.cluster[0..n)`) on which the job would overspend a
 * budget, compacting the scratch columns in place so scoring sees only the ones that fit.
 */
export function filterByBudget(
  s: Scratch,
  n: number,
  col: AcceleratorColumn,
  gpus: number,
  keys: readonly SpendKey[],
  usage: UsageView,
): BudgetPass {
  const over: BudgetPass['over'] = [];
  let cheapest: { cost: number; reason: string } | undefined;
  let w = 0;
  for (let f = 0; f < n; f++) {
    const i = s.cluster[f]!;
    const cost = costOn(col, i, gpus);
    const reason = overBudget(keys, cost, usage);
    if (reason) {
      over.push({ index: i, reason: `over budget: ${reason}` });
      if (!cheapest || cost < cheapest.cost) cheapest = { cost, reason };
      continue;
    }
    if (w !== f) {
      s.cluster[w] = i;
      s.free[w] = s.free[f]!;
      s.jobs[w] = s.jobs[f]!;
      s.preference[w] = s.preference[f]!;
      s.arg[i] = w;
    }
    w++;
  }
  return { n: w, over, ...(cheapest && { cheapest: cheapest.reason }) };
}

/** What a placed decision says about the budgets it counted against. */
export function budgetNote(
  keys: readonly SpendKey[],
  col: AcceleratorColumn,
  index: number,
  clusterId: string,
  gpus: number,
  usage: UsageView,
): string {
  const cost = costOn(col, index, gpus);
  const parts: string[] = [];
  for (const k of keys) {
    if (k.max === undefined) continue;
    const next = (usage.get(k.key) ?? 0) + cost;
    parts.push(
      `${k.scope}'s spend ${money(next, k.currency)}/h of budget ${money(k.max, k.currency)}/h`,
    );
  }
  const unpriced = Number.isNaN(col.cost[index]!)
    ? `; ${clusterId} gives no price for this accelerator, so the job counts ${money(0, keys[0]!.currency)}/h against the budget`
    : '';
  return `; ${parts.join(', ')}${unpriced}`;
}

/** One budget of a what-if replay: the draft's limit against the spend counted now. */
export interface BudgetPressure {
  /** `tenant:<tenant>` or `project:<tenant>/<project>`. */
  id: string;
  maxCostPerHour: number;
  currency: string;
  spendPerHour: number;
}

/** The budgets `policy` sets for these tenants and projects, with their spend in `usage`. */
export function budgetsOf(
  policy: CompiledPolicy,
  owners: Iterable<readonly [tenantId: string, project: string]>,
  usage: UsageView,
): BudgetPressure[] {
  const out = new Map<string, BudgetPressure>();
  for (const [tenantId, project] of owners) {
    for (const k of spendKeys(policy, tenantId, project)) {
      if (k.max === undefined || out.has(k.key)) continue;
      out.set(k.key, {
        id: k.key.slice('spend:'.length),
        maxCostPerHour: fromSpendUnits(k.max),
        currency: k.currency,
        spendPerHour: fromSpendUnits(usage.get(k.key) ?? 0),
      });
    }
  }
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The message for a reservation refused on `key` (the store's `QuotaExceededError`): another
 * instance took the last of the limit between the decision and the write, so the job waits.
 */
export function limitReachedMessage(key: string, fallback: string): string {
  const m = /^spend:(tenant|project):(?:[^/]+\/)?(.+)$/.exec(key);
  if (!m) return `${fallback}; the job waits until usage falls`;
  return `${m[1]} ${m[2]}'s budget in money was reached meanwhile (another dispatch took it); the job waits until its spend falls`;
}
