/**
 * What every drainer entry (the pull drainer process, the push function) reads from its
 * environment to reach the control plane and its clusters, validated the same way.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const drainerEnvFields = {
  SWITCHYARD_URL: z.url({
    error: 'SWITCHYARD_URL must be the control plane URL, e.g. https://switchyard.example.com',
  }),
  SWITCHYARD_TOKEN: z.string().min(20).optional(),
  SWITCHYARD_TOKEN_FILE: z.string().optional(),
  DRAINER_QUEUE: z
    .string()
    .regex(/^[a-z0-9-]{2,63}$/, { error: 'DRAINER_QUEUE names the queue to drain, e.g. aws' }),
  /**
   * `id=context:NAME`, `id=server:URL`, `id=in-cluster` or `id=slurm` (its `connect.slurm` from
   * SWITCHYARD_CONFIG), comma-separated.
   */
  DRAINER_CLUSTERS: z.string().min(3, {
    error: 'DRAINER_CLUSTERS lists id=context:NAME | id=server:URL | id=in-cluster | id=slurm',
  }),
  /** How often Slurm clusters are polled (no watch), in ms; each poll is one list request. */
  DRAINER_TARGET_POLL_MS: z.coerce
    .number()
    .int()
    .min(100, {
      error: 'DRAINER_TARGET_POLL_MS is at least 100 (ms between polls of a Slurm cluster)',
    })
    .max(600_000)
    .optional(),
  KUBECONFIG: z.string().optional(),
  /** Clusters that run Kueue: `id=LOCALQUEUE`, comma-separated (see cluster-drivers.node.ts). */
  DRAINER_KUEUE: z.string().optional(),
};

/** The drainer's token: `SWITCHYARD_TOKEN`, else the contents of `SWITCHYARD_TOKEN_FILE`. */
export function drainerToken(env: {
  SWITCHYARD_TOKEN?: string | undefined;
  SWITCHYARD_TOKEN_FILE?: string | undefined;
}): string | undefined {
  return (
    env.SWITCHYARD_TOKEN ??
    (env.SWITCHYARD_TOKEN_FILE ? readFileSync(env.SWITCHYARD_TOKEN_FILE, 'utf8').trim() : undefined)
  );
}
