/**
 * For the embedded-system tests (event-driven drain, worker-hosted clusters, the SQLite writer
 * thread): a configuration with one simulated cluster of one 8 × A100 node, and submitting a
 * one-A100 job to the API as its admin, then waiting for the state a test is after.
 */
import { expect } from 'vitest';
import { parseConfig, type SwitchyardConfig } from '../../shared/config/schema.js';
import type { Embedded } from '../../functions/server/embedded.js';
import { waitFor } from '../sim-cluster/helpers.js';

export interface JobAt {
  state: string;
  clusterId: string | null;
}

export async function submitAndWait(
  emb: Embedded,
  name: string,
  until: { states: readonly string[]; what: string; ms: number },
): Promise<{ id: string; job: JobAt }> {
  const auth = { authorization: `Bearer ${emb.adminToken}` };
  const res = await fetch(`${emb.url}/v1/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      project: 'research',
      image: 'x',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const job = await waitFor(
    until.what,
    async () => {
      const j = (await (
        await fetch(`${emb.url}/v1/jobs/${id}`, { headers: auth })
      ).json()) as JobAt;
      return until.states.includes(j.state) ? j : undefined;
    },
    until.ms,
  );
  return { id, job };
}

/** One simulated cluster `id` (aws, r1, 1 × 8 A100) on `dataDir`; `extra` adds top-level keys. */
export function oneClusterConfig(
  source: string,
  dataDir: string,
  id: string,
  defaultDurationSeconds: number,
  extra: Record<string, unknown> = {},
): SwitchyardConfig {
  return parseConfig(
    {
      server: { port: 0 },
      dataDir,
      ...extra,
      clusters: [
        {
          id,
          cloud: 'aws',
          region: 'r1',
          pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
          connect: { simulated: { defaultDurationSeconds } },
        },
      ],
    },
    source,
  );
}
