/**
 * Validation of a job submission. Every bad field is reported with its path, so one round trip is
 * enough to fix a submission.
 */
import { z } from 'zod';
import { issuesOf, fieldsError } from '../base/validation.js';
import { MAX_NODES, WORKLOAD_KINDS, type JobSpec } from './job.js';
import { kindIssues, workloadOptionsSchema, type KindFields } from './kind-options.js';
import type { FieldIssue } from '../base/errors.js';
import {
  ACCELERATOR_TYPE,
  DEFAULT_PRIORITY,
  ENV_NAME,
  LABEL_KEY,
  LABEL_VALUE,
  MAX_DEADLINE_SECONDS,
  MAX_PRIORITY,
  NAME,
  OCI_REFERENCE,
  QUANTITY,
} from './spec-patterns.js';
import { commonSpec } from './spec-fast.js';

export { DEFAULT_PRIORITY, MAX_PRIORITY };

const GLOB = /^[A-Za-z0-9*?._/-]{1,253}$/;
/** Bounds of a submission's `retry`: runs in all, and the wait between them. */
export const MAX_RETRY_ATTEMPTS = 10;
export const MAX_RETRY_BACKOFF_SECONDS = 3600;

const dnsName = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} must not be empty`)
    .max(63, `${what} must be at most 63 characters`)
    .regex(
      NAME,
      `${what} must be lower-case letters, digits and '-', starting and ending alphanumeric`,
    );

const retrySchema = z.strictObject(
  {
    maxAttempts: z
      .int({ error: 'retry.maxAttempts must be a whole number from 1 to 10 (runs in all)' })
      .min(1, 'retry.maxAttempts must be at least 1 (runs in all, the first included)')
      .max(MAX_RETRY_ATTEMPTS, `retry.maxAttempts must be at most ${MAX_RETRY_ATTEMPTS}`),
    backoffSeconds: z
      .int({ error: 'retry.backoffSeconds must be a whole number of seconds from 0 to 3600' })
      .min(0, 'retry.backoffSeconds must be at least 0')
      .max(
        MAX_RETRY_BACKOFF_SECONDS,
        `retry.backoffSeconds must be at most ${MAX_RETRY_BACKOFF_SECONDS}`,
      )
      .default(0),
    onExitCodes: z
      .array(
        z
          .int({ error: 'retry.onExitCodes entries must be exit codes from 1 to 255' })
          .min(1, 'retry.onExitCodes entries must be from 1 to 255 (0 is success)')
          .max(255, 'retry.onExitCodes entries must be from 1 to 255'),
        { error: 'retry.onExitCodes must be a list of exit codes, e.g. [3, 137]' },
      )
      .min(1, 'retry.onExitCodes must list at least one exit code, or be left out')
      .max(32, 'retry.onExitCodes may list at most 32 exit codes')
      .optional(),
  },
  { error: 'retry must be an object such as {"maxAttempts": 3, "backoffSeconds": 30}' },
);

export const jobSubmissionSchema = z.strictObject({
  name: dnsName('name'),
  project: dnsName('project'),
  image: z
    .string({ error: 'image is required' })
    .min(1, 'image must not be empty')
    .max(512, 'image must be at most 512 characters')
    .regex(
      OCI_REFERENCE,
      'image must be an OCI image reference such as ghcr.io/acme/train:1.2 (no spaces, newlines or upper-case letters in the name)',
    ),
  command: z.array(z.string().max(4096)).max(64).optional(),
  args: z.array(z.string().max(4096)).max(256).optional(),
  env: z
    .record(
      z.string().regex(ENV_NAME, 'env names must be letters, digits, _ . or -'),
      z.string().max(32_768),
    )
    .refine((e) => Object.keys(e).length <= 128, 'at most 128 env variables')
    .default({}),
  kind: z
    .enum(WORKLOAD_KINDS, { error: `kind must be one of ${WORKLOAD_KINDS.join(', ')}` })
    .optional(),
  nodes: z
    .int({ error: 'nodes must be a whole number' })
    .min(1, 'nodes must be at least 1')
    .max(MAX_NODES, `nodes must be at most ${MAX_NODES}`)
    .optional(),
  options: workloadOptionsSchema.optional(),
  resources: z.strictObject({
    accelerator: z
      .strictObject({
        type: z.string().regex(ACCELERATOR_TYPE, 'accelerator type looks like nvidia-a100'),
        count: z.int().min(1).max(64),
      })
      .optional(),
    cpu: z.string().regex(QUANTITY, 'cpu is a Kubernetes quantity such as 4 or 500m').optional(),
    memory: z.string().regex(QUANTITY, 'memory is a Kubernetes quantity such as 16Gi').optional(),
  }),
  priority: z.int().min(0).max(MAX_PRIORITY).default(DEFAULT_PRIORITY),
  labels: z
    .record(
      z.string().max(253).regex(LABEL_KEY, 'label keys follow Kubernetes label-key rules'),
      z.string().max(63).regex(LABEL_VALUE, 'label values follow Kubernetes label-value rules'),
    )
    .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels')
    .default({}),
  deadlineSeconds: z.int().min(1).max(MAX_DEADLINE_SECONDS).optional(),
  callback: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'callback.url must be an http(s) URL' }).max(2048),
      secret: z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'callback.secret must look like whsec_<base64>'),
    })
    .optional(),
  constraints: z
    .strictObject({
      clusters: z.array(z.string().min(1).max(253)).min(1).max(256).optional(),
      clouds: z.array(z.string().min(1).max(63)).min(1).max(32).optional(),
      regions: z
        .array(
          z.string().regex(GLOB, 'regions are globs such as europe-* (letters, digits, -_./*?)'),
        )
        .min(1)
        .max(64)
        .optional(),
      labels: z.record(z.string().max(253), z.string().max(63)).optional(),
    })
    .optional(),
  retry: retrySchema.optional(),
});

/** The kind, gang size and options of a body that failed the schema, where they are well-formed. */
function kindFieldsOf(body: unknown): KindFields {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const fields: KindFields = {};
  const kind = WORKLOAD_KINDS.find((k) => k === b.kind);
  if (kind) fields.kind = kind;
  if (Number.isInteger(b.nodes) && (b.nodes as number) >= 1) fields.nodes = b.nodes as number;
  fields.command = b.command;
  fields.args = b.args;
  if (typeof b.options !== 'object' || b.options === null) return fields;
  // Which kinds' options are present, and the splits where they are whole numbers.
  const raw = b.options as Record<string, unknown>;
  const whole = (o: unknown, key: string) => {
    const v = (o as Record<string, unknown> | null)?.[key];
    return Number.isInteger(v) ? { [key]: v as number } : {};
  };
  fields.options = {};
  if (raw.jobset !== undefined) fields.options.jobset = whole(raw.jobset, 'leaders');
  if (raw.pytorch !== undefined) fields.options.pytorch = whole(raw.pytorch, 'masters');
  if (raw.ray !== undefined) fields.options.ray = raw.ray;
  return fields;
}

/** The schema's issues, then the cross-field ones about paths the schema did not flag. */
function mergeIssues(first: FieldIssue[], more: FieldIssue[]): FieldIssue[] {
  const seen = new Set(first.map((i) => i.path));
  return [...first, ...more.filter((i) => !seen.has(i.path))];
}

/**
 * Parses an untrusted submission into a JobSpec or throws INVALID_JOB listing every bad field.
 * `screenCallback` (the SSRF guard's DNS-free check, where the deployment delivers webhooks)
 * refuses a callback no delivery could ever make, naming `callback.url`.
 */
export function parseJobSpec(
  body: unknown,
  screenCallback?: (url: string) => string | undefined,
): JobSpec {
  // The common submission, checked without the schema (the same result; ./spec-fast.ts).
  const common = commonSpec(body);
  if (common !== undefined && kindIssues(common).length === 0) return common;
  const result = jobSubmissionSchema.safeParse(body);
  const issues = result.success
    ? kindIssues(result.data)
    : mergeIssues(issuesOf(result.error), kindIssues(kindFieldsOf(body)));
  const url = result.success ? result.data.callback?.url : undefined;
  const refused = url !== undefined ? screenCallback?.(url) : undefined;
  if (refused) issues.push({ path: 'callback.url', message: refused });
  if (issues.length > 0) {
    throw fieldsError(
      'INVALID_JOB',
      `the job submission has ${issues.length} invalid field(s)`,
      issues,
    );
  }
  return result.data as JobSpec;
}
