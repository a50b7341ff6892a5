/**
 * A validated policy compiled for fast evaluation: globs are split for a matcher that never
 * backtracks (exact strings stay in Sets), rules are indexed by tenant, and every explanation
 * string is built once. Pure.
 */
import { DEFAULT_PRIORITY } from '../domain/spec.js';
import type { PlacementConstraints } from '../domain/job.js';
import { compileGlob, matchGlob, type Glob } from './glob.js';
import type { Policy, PolicyPreemption, PolicyQuota, PolicySelector } from './schema.js';

/** Matches strings against a list of globs (`*` any run, `?` one character). */
export interface StringMatcher {
  readonly exact: ReadonlySet<string>;
  readonly patterns: readonly Glob[];
}

export interface CompiledSelector {
  readonly clusters?: StringMatcher;
  readonly clouds?: ReadonlySet<string>;
  readonly regions?: StringMatcher;
  readonly labels?: ReadonlyArray<readonly [string, string]>;
  /** e.g. `clouds gcp; regions europe-*`. */
  readonly text: string;
}

export interface CompiledPreference {
  readonly weight: number;
  readonly selector: CompiledSelector;
  /** e.g. `rule gpu-cheap prefers clouds gcp (+10)`. */
  readonly reason: string;
}

export interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly tenants?: ReadonlySet<string>;
  readonly projects?: StringMatcher;
  readonly labels?: ReadonlyArray<readonly [string, string]>;
  readonly priorityMin: number;
  readonly priorityMax: number;
  readonly accelerators?: StringMatcher;
  readonly require?: CompiledSelector;
  readonly forbid?: CompiledSelector;
  /** Explanations of a cluster filtered by this rule. */
  readonly requireReason: string;
  readonly forbidReason: string;
  readonly prefer: readonly CompiledPreference[];
  readonly priority?: { readonly default?: number; readonly min?: number; readonly max?: number };
}

export interface CompiledQuota {
  readonly gpus: ReadonlyMap<string, number>;
  readonly totalGpus?: number;
  /** The budget in money per hour, and its currency (see `placement/budget.ts`). */
  readonly maxCostPerHour?: number;
  readonly currency?: string;
}

/** The policy's `preemption` block, compiled (absent from the policy: preemption is off). */
export interface CompiledPreemption {
  readonly enabled: boolean;
  readonly minPriorityGap: number;
  readonly gracePeriodSeconds: number;
  readonly maxVictims: number;
  /** Priorities never evicted (inclusive bounds); absent: none. */
  readonly protectedPriority?: { readonly min: number; readonly max: number };
  /** Projects never evicted: globs over `<project>` and `<tenant>/<project>`. */
  readonly protectedProjects?: StringMatcher;
}

export interface CompiledPolicy {
  readonly preemption?: CompiledPreemption;
  readonly version: string;
  readonly weights: { cost: number; freeCapacity: number; spread: number; preference: number };
  readonly shares: ReadonlyMap<string, number>;
  readonly tenantQuotas: ReadonlyMap<string, CompiledQuota>;
  /** Keyed `<tenant>/<project>`. */
  readonly projectQuotas: ReadonlyMap<string, CompiledQuota>;
  readonly rules: readonly CompiledRule[];
  /** Rules that can match a tenant's jobs, in document order; `anyTenant` for tenants not named. */
  readonly byTenant: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly anyTenant: readonly CompiledRule[];
}

export function compileGlobs(globs: readonly string[]): StringMatcher {
  const exact = new Set<string>();
  const patterns: Glob[] = [];
  for (const g of globs) {
    if (!/[*?]/.test(g)) exact.add(g);
    else patterns.push(compileGlob(g));
  }
  return { exact, patterns };
}

export function matchesString(m: StringMatcher, s: string): boolean {
  if (m.exact.has(s)) return true;
  for (const p of m.patterns) if (matchGlob(p, s)) return true;
  return false;
}

/** Compiles a selector (a policy clause or a job's own constraints). */
export function compileSelector(s: PolicySelector | PlacementConstraints): CompiledSelector {
  const parts: string[] = [];
  if (s.clusters) parts.push(`clusters ${s.clusters.join(', ')}`);
  if (s.clouds) parts.push(`clouds ${s.clouds.join(', ')}`);
  if (s.regions) parts.push(`regions ${s.regions.join(', ')}`);
  const labels = s.labels ? Object.entries(s.labels) : undefined;
  if (labels) parts.push(`labels ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return {
    ...(s.clusters && { clusters: compileGlobs(s.clusters) }),
    ...(s.clouds && { clouds: new Set(s.clouds) }),
    ...(s.regions && { regions: compileGlobs(s.regions) }),
    ...(labels && { labels }),
    text: parts.join('; '),
  };
}

function compileQuota(q: PolicyQuota): CompiledQuota {
  return {
    gpus: new Map(Object.entries(q.gpus ?? {})),
    ...(q.totalGpus !== undefined && { totalGpus: q.totalGpus }),
    ...(q.maxCostPerHour !== undefined && {
      maxCostPerHour: q.maxCostPerHour,
      currency: q.currency ?? 'USD',
    }),
  };
}

function compilePreemption(p: PolicyPreemption): CompiledPreemption {
  const { priorities, projects } = p.nonPreemptible ?? {};
  return {
    enabled: p.enabled,
    minPriorityGap: p.minPriorityGap,
    gracePeriodSeconds: p.gracePeriodSeconds,
    maxVictims: p.maxVictims,
    ...(priorities && {
      protectedPriority: {
        min: priorities.min ?? 0,
        max: priorities.max ?? Number.POSITIVE_INFINITY,
      },
    }),
    ...(projects && { protectedProjects: compileGlobs(projects) }),
  };
}

/** Compiles a validated policy (see `parsePolicy`). */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const rules: CompiledRule[] = policy.rules.map((r, index) => {
    const { match } = r;
    const require = r.require && compileSelector(r.require);
    const forbid = r.forbid && compileSelector(r.forbid);
    return {
      index,
      name: r.name,
      ...(match.tenants && { tenants: new Set(match.tenants) }),
      ...(match.projects && { projects: compileGlobs(match.projects) }),
      ...(match.labels && { labels: Object.entries(match.labels) }),
      priorityMin: match.priority?.min ?? 0,
      priorityMax: match.priority?.max ?? Number.POSITIVE_INFINITY,
      ...(match.accelerators && { accelerators: compileGlobs(match.accelerators) }),
      ...(require && { require }),
      ...(forbid && { forbid }),
      requireReason: `excluded by rule ${r.name}: requires ${require?.text ?? ''}`,
      forbidReason: `excluded by rule ${r.name}: forbids ${forbid?.text ?? ''}`,
      prefer: (r.prefer ?? []).map(({ weight, ...sel }) => {
        const selector = compileSelector(sel);
        const sign = weight >= 0 ? '+' : '';
        return {
          weight,
          selector,
          reason: `rule ${r.name} prefers ${selector.text} (${sign}${weight})`,
        };
      }),
      ...(r.priority && { priority: r.priority }),
    };
  });
  const anyTenant = rules.filter((r) => !r.tenants);
  const named = new Set(rules.flatMap((r) => [...(r.tenants ?? [])]));
  const byTenant = new Map(
    [...named].map((t) => [t, rules.filter((r) => !r.tenants || r.tenants.has(t))] as const),
  );
  return {
    ...(policy.preemption && { preemption: compilePreemption(policy.preemption) }),
    version: String(policy.version),
    weights: { ...policy.weights },
    shares: new Map(Object.entries(policy.shares)),
    tenantQuotas: new Map(
      Object.entries(policy.quotas.tenants).map(([k, q]) => [k, compileQuota(q)]),
    ),
    projectQuotas: new Map(
      Object.entries(policy.quotas.projects).map(([k, q]) => [k, compileQuota(q)]),
    ),
    rules,
    byTenant,
    anyTenant,
  };
}

/** The policy used when none is configured: no rules, no quotas, default weights. */
export const EMPTY_POLICY: CompiledPolicy = compilePolicy({
  version: 'none',
  weights: { cost: 1, freeCapacity: 1, spread: 0.5, preference: 1 },
  shares: {},
  quotas: { tenants: {}, projects: {} },
  rules: [],
});

/** What rule matching looks at. */
export interface JobFacts {
  tenantId: string;
  project: string;
  labels: Readonly<Record<string, string>>;
  priority: number;
  accelerator?: string;
}

export interface RuleMatch {
  rules: CompiledRule[];
  effectivePriority: number;
}

function ruleMatches(r: CompiledRule, job: JobFacts): boolean {
  if (job.priority < r.priorityMin || job.priority > r.priorityMax) return false;
  if (r.projects && !matchesString(r.projects, job.project)) return false;
  if (r.accelerators && (!job.accelerator || !matchesString(r.accelerators, job.accelerator))) {
    return false;
  }
  if (r.labels) for (const [k, v] of r.labels) if (job.labels[k] !== v) return false;
  return true;
}

/**
 * The rules that match a job, in document order, and its effective priority: the first matching
 * rule with a `priority.default` replaces the submission default (DEFAULT_PRIORITY), then every
 * matching rule's `min`/`max` bound it, in document order.
 */
export function matchRules(policy: CompiledPolicy, job: JobFacts): RuleMatch {
  const pool = policy.byTenant.get(job.tenantId) ?? policy.anyTenant;
  const rules: CompiledRule[] = [];
  for (const r of pool) if (ruleMatches(r, job)) rules.push(r);
  let p = job.priority;
  if (p === DEFAULT_PRIORITY) {
    const d = rules.find((r) => r.priority?.default !== undefined);
    if (d) p = d.priority!.default!;
  }
  for (const r of rules) {
    if (r.priority?.min !== undefined && p < r.priority.min) p = r.priority.min;
    if (r.priority?.max !== undefined && p > r.priority.max) p = r.priority.max;
  }
  return { rules, effectivePriority: p };
}
