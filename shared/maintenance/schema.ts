/** The body of `POST /v1/maintenance`, validated with every bad field listed at once. */
import { z } from 'zod';

const clusterId = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/,
    'a cluster id is 3-63 lower-case letters, digits or -',
  );

export const maintenanceBodySchema = z.strictObject({
  description: z.string().max(200).default(''),
  /** The clusters, in the order they are upgraded. */
  clusters: z.array(clusterId).min(1).max(500).optional(),
  /** Or every cluster whose labels include all of these, in id order. */
  selector: z.record(z.string().min(1).max(63), z.string().max(63)).optional(),
  maxUnavailable: z
    .int({ error: 'maxUnavailable must be a whole number from 1' })
    .min(1, 'maxUnavailable must be at least 1')
    .max(100)
    .default(1),
  drainTimeoutSeconds: z
    .int({ error: 'drainTimeoutSeconds must be a whole number of seconds' })
    .min(0)
    .max(7 * 86_400, 'drainTimeoutSeconds is at most 7 days')
    .default(3600),
  atDeadline: z
    .enum(['wait', 'requeue'], { error: 'atDeadline is wait or requeue' })
    .default('wait'),
  upgrade: z
    .strictObject({
      webhook: z
        .strictObject({
          url: z
            .url({ protocol: /^https?$/, error: 'upgrade.webhook.url must be an http(s) URL' })
            .max(2048),
          secret: z
            .string()
            .regex(
              /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/,
              'upgrade.webhook.secret must look like whsec_<base64>',
            ),
        })
        .optional(),
    })
    .default({}),
});

/**
 * Checks across fields, run on the raw body beside the schema (a zod refinement would be skipped
 * when any other field is bad, and every bad field is listed at once).
 */
export function crossFieldIssues(body: unknown): Array<{ path: string; message: string }> {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as { clusters?: unknown; selector?: unknown };
  const issues: Array<{ path: string; message: string }> = [];
  if ((b.clusters === undefined) === (b.selector === undefined)) {
    issues.push({
      path: 'clusters',
      message: 'name the clusters either by id (clusters) or by labels (selector), exactly one',
    });
  }
  if (Array.isArray(b.clusters) && new Set(b.clusters).size !== b.clusters.length) {
    issues.push({ path: 'clusters', message: 'a cluster is named twice' });
  }
  return issues;
}

export type MaintenanceBody = z.infer<typeof maintenanceBodySchema>;
