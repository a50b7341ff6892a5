/**
 * The routing policy document (YAML or JSON): scoring weights, fair-share weights, quotas and
 * rules. Validation reports every bad field by its dotted path, so one round trip fixes a document.
 * The format is described with a full example in docs/policy.md.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AppError } from '../base/errors.js';
import { type FieldIssue } from '../base/errors.js';
import { MAX_PRIORITY } from '../domain/spec.js';
import { issuesOf, fieldsError } from '../base/validation.js';
import { checkDocumentSize, checkYamlNesting } from '../base/nesting.js';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GLOB = /^[A-Za-z0-9*?._/-]+$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const PROJECT_KEY = /^[^/\s]+\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const id = z.string().min(1, 'must not be empty').max(253);
const glob = z.string().max(253).regex(GLOB, 'a glob of letters, digits, - _ . / and * ?');
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must not be empty').max(1000);
const labels = z
  .record(
    z.string().max(253).regex(LABEL_KEY, 'label keys follow Kubernetes label-key rules'),
    z.string().max(63).regex(LABEL_VALUE, 'label values follow Kubernetes label-value rules'),
  )
  .refine((l) => Object.keys(l).length > 0, 'must not be empty');
const priority = z.int().min(0).max(MAX_PRIORITY);

/** Which clusters a require/forbid/prefer clause is about; every given field must hold. */
const selectorShape = {
  clusters: list(glob).optional(),
  clouds: list(id).optional(),
  regions: list(glob).optional(),
  labels: labels.optional(),
};
const hasField = (s: Record<string, unknown>) => Object.values(s).some((v) => v !== undefined);
const ONE_FIELD = 'give at least one of clusters, clouds, regions, labels';
const selector = z.strictObject(selectorShape).refine(hasField, ONE_FIELD);
const preference = z
  .strictObject({ ...selectorShape, weight: z.number().min(-1000).max(1000) })
  .refine(({ weight: _w, ...s }) => hasField(s), ONE_FIELD);

const range = z
  .strictObject({ min: priority.optional(), max: priority.optional() })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'min must not exceed max',
    path: ['min'],
  });

const rule = z
  .strictObject({
    name: z.string().max(63).regex(NAME, 'rule names are lower-case letters, digits and -'),
    description: z.string().max(1000).optional(),
    match: z
      .strictObject({
        tenants: list(id).optional(),
        projects: list(glob).optional(),
        labels: labels.optional(),
        priority: range.optional(),
        accelerators: list(glob).optional(),
      })
      .default({}),
    require: selector.optional(),
    forbid: selector.optional(),
    prefer: list(preference).optional(),
    priority: z
      .strictObject({
        default: priority.optional(),
        min: priority.optional(),
        max: priority.optional(),
      })
      .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
        message: 'min must not exceed max',
        path: ['min'],
      })
      .optional(),
  })
  .refine((r) => r.require || r.forbid || r.prefer || r.priority, {
    message: 'a rule needs at least one of require, forbid, prefer, priority',
  });

const quota = z
  .strictObject({
    gpus: z.record(id, z.int().min(0)).optional(),
    totalGpus: z.int().min(0).optional(),
    /** A budget in money: cost per hour (GPUs × the pool's costPerGpuHour) of running jobs. */
    maxCostPerHour: z.number().min(0).max(1e9).optional(),
    /** What the pools' prices are in; only labels the figures (default USD). */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'currency is a three-letter ISO 4217 code such as USD or EUR')
      .optional(),
  })
  .refine((q) => q.currency === undefined || q.maxCostPerHour !== undefined, {
    message: 'currency needs maxCostPerHour beside it',
    path: ['currency'],
  });

const weight = z.number().min(0).max(1000);

/** Defaults of `preemption` when the block is given (also in ./diff.ts's normalisation). */
export const PREEMPTION_DEFAULTS = {
  enabled: false,
  minPriorityGap: 100,
  gracePeriodSeconds: 30,
  maxVictims: 8,
} as const;

/** When a waiting job may evict lower-priority work (see placement/preempt.ts). */
const preemption = z.strictObject({
  enabled: z.boolean().default(PREEMPTION_DEFAULTS.enabled),
  /** Only jobs at least this far below the preemptor's priority may be evicted. */
  minPriorityGap: z.int().min(1).max(MAX_PRIORITY).default(PREEMPTION_DEFAULTS.minPriorityGap),
  /** How long an evicted workload's pods get to stop (Kubernetes grace period). */
  gracePeriodSeconds: z.int().min(0).max(3600).default(PREEMPTION_DEFAULTS.gracePeriodSeconds),
  /** Most jobs evicted for one preemptor. */
  maxVictims: z.int().min(1).max(100).default(PREEMPTION_DEFAULTS.maxVictims),
  nonPreemptible: z
    .strictObject({
      /** Jobs at or above `min` (and at or below `max`, if given) are never evicted. */
      priorities: range.optional(),
      /** `<tenant>/<project>` globs (or project globs) whose jobs are never evicted. */
      projects: list(glob).optional(),
    })
    .optional(),
});

export const policySchema = z
  .strictObject({
    version: z.union([z.string().min(1).max(64), z.int().min(0)], {
      error: 'version is required: a string or a non-negative integer',
    }),
    description: z.string().max(2000).optional(),
    weights: z
      .strictObject({
        cost: weight.default(1),
        freeCapacity: weight.default(1),
        spread: weight.default(0.5),
        preference: weight.default(1),
      })
      .default({ cost: 1, freeCapacity: 1, spread: 0.5, preference: 1 }),
    shares: z.record(id, z.number().gt(0, 'shares must be positive').max(1e6)).default({}),
    quotas: z
      .strictObject({
        tenants: z.record(id, quota).default({}),
        projects: z
          .record(z.string().regex(PROJECT_KEY, 'project quota keys are <tenant>/<project>'), quota)
          .default({}),
      })
      .default({ tenants: {}, projects: {} }),
    rules: z.array(rule).max(10_000).default([]),
    preemption: preemption.optional(),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.rules.forEach((r, i) => {
      if (seen.has(r.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name ${r.name}`,
        });
      }
      seen.add(r.name);
    });
  });

/** A validated policy document (defaults filled in). */
export type Policy = z.output<typeof policySchema>;
export type PolicyRule = Policy['rules'][number];
export type PolicySelector = NonNullable<PolicyRule['require']>;
export type PolicyQuota = z.output<typeof quota>;
export type PolicyPreemption = z.output<typeof preemption>;

function invalid(issues: FieldIssue[]): AppError {
  return fieldsError(
    'INVALID_POLICY',
    `the routing policy has ${issues.length} invalid field(s)`,
    issues,
    '; fix them and submit the policy again',
  );
}

/** Validates a parsed policy document, or throws INVALID_POLICY listing every bad field. */
export function parsePolicy(doc: unknown): Policy {
  const result = policySchema.safeParse(doc);
  if (!result.success) throw invalid(issuesOf(result.error));
  return result.data;
}

/** The longest policy document accepted (characters): a thousand rules fit with room to spare. */
export const MAX_POLICY_CHARS = 128 * 1024;

/**
 * Parses policy YAML (of which JSON is a subset) to a plain value. Size and nesting are checked
 * first (PAYLOAD_TOO_LARGE, NESTED_TOO_DEEP) and aliases are bounded, so no document can keep the
 * parser busy; a syntax error is INVALID_POLICY.
 */
export function parsePolicyYaml(text: string): unknown {
  checkDocumentSize(text, 'the policy', MAX_POLICY_CHARS);
  checkYamlNesting(text, 'the policy');
  try {
    return parseYaml(text, { maxAliasCount: 50 });
  } catch (e) {
    throw invalid([
      { path: '(document)', message: `not valid YAML or JSON: ${(e as Error).message}` },
    ]);
  }
}

/** Parses policy text like `parsePolicyYaml`, then validates it like `parsePolicy`. */
export function parsePolicyText(text: string): Policy {
  return parsePolicy(parsePolicyYaml(text));
}
