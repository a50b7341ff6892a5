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
  /** `id=context:NAME`, `id=server:URL` or `id=in-cluster`, comma-separated. */
  DRAINER_CLUSTERS: z
    .string()
    .min(3, { error: 'DRAINER_CLUSTERS lists id=context:NAME | id=server:URL | id=in-cluster' }),
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
