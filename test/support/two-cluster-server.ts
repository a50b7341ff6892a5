// The failover and recovery e2e files start the same server: the real server process with two
// simulated A100 clusters (aws-main, 2 × 8 GPUs; onprem-spare, 1 × 8) under a policy that prefers
// aws-main. Each file passes its own settings lines; this registers the beforeAll/afterAll and
// hands back an API client and each cluster's simulated API URL, usable once beforeAll has run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { apiClient, startServer, type ServerProcess } from './server-process.js';

type Api = ReturnType<typeof apiClient>;

const CLUSTERS = `
clusters:
  - { id: aws-main, cloud: aws, region: us-east-1, queue: aws-main, pools: [{ accelerator: nvidia-a100, nodes: 2, gpusPerNode: 8 }], connect: { simulated: {} } }
  - { id: onprem-spare, cloud: onprem, region: dc1, queue: onprem-spare, pools: [{ accelerator: nvidia-a100, nodes: 1, gpusPerNode: 8 }], connect: { simulated: {} } }
`;

export interface TwoClusterServerOptions {
  /** The temp directory's name prefix (`sy-failover`). */
  dirPrefix: string;
  /** The config's lines above `clusters:` (server, scheduling, queue, …). */
  settings: string;
  /** The version of the prefer-aws policy put at start. */
  policyVersion: string;
}

export function useTwoClusterServer(o: TwoClusterServerOptions): {
  api: Api;
  sims: Record<string, string>;
} {
  const dir = mkdtempSync(join(tmpdir(), `${o.dirPrefix}-`));
  let server: ServerProcess | undefined;
  let client: Api | undefined;
  const sims: Record<string, string> = {};
  const api = (<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => client!<T>(method, path, body, headers)) as Api;

  beforeAll(async () => {
    writeFileSync(join(dir, 'config.yaml'), o.settings.trimEnd() + CLUSTERS);
    server = await startServer({
      dataDir: join(dir, 'data'),
      env: { SWITCHYARD_CONFIG: join(dir, 'config.yaml') },
    });
    client = apiClient(server.url, server.token);
    type Cluster = { id: string; simulated: { apiUrl: string } };
    for (const c of (await api<{ items: Cluster[] }>('GET', '/v1/clusters')).body.items)
      sims[c.id] = c.simulated.apiUrl;
    const policy = await api('PUT', '/v1/policy', {
      version: o.policyVersion,
      rules: [{ name: 'prefer-aws', prefer: [{ weight: 1000, clusters: ['aws-main'] }] }],
    });
    expect(policy.status).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  return { api, sims };
}
