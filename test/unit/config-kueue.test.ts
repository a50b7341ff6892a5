/**
 * `kueue: { localQueue }` on a configured cluster: validated with the field's path, and carried
 * into the cluster's registry definition (what GET /v1/clusters shows) beside its driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/schema.js';
import { startClusters } from '../../functions/server/clusters.js';

const cluster = (extra: object) => ({
  clusters: [
    {
      id: 'gcp-kueue',
      cloud: 'gcp',
      region: 'us-central1',
      pools: [{ accelerator: 'nvidia-h100', nodes: 1, gpusPerNode: 8 }],
      connect: { simulated: { port: 0 } },
      ...extra,
    },
  ],
});

describe('clusters[].kueue', () => {
  it('refuses a bad LocalQueue name or an unknown field, naming the path', () => {
    expect(() => parseConfig(cluster({ kueue: { localQueue: 'Team A' } }), 'c.yaml')).toThrow(
      /clusters\.0\.kueue\.localQueue: kueue\.localQueue is the name of a Kueue LocalQueue/,
    );
    expect(() => parseConfig(cluster({ kueue: { queue: 'a' } }), 'c.yaml')).toThrow(
      /clusters\.0\.kueue/,
    );
  });

  it('reaches the registry definition; absent, the cluster has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-kueue-'));
    const config = parseConfig(
      { server: { port: 0 }, ...cluster({ kueue: { localQueue: 'team-a' } }) },
      'c.yaml',
    );
    const started = await startClusters(config, dir);
    try {
      expect(started.definitions[0]?.kueue).toEqual({ localQueue: 'team-a' });
      expect(started.drivers.has('gcp-kueue')).toBe(true);
    } finally {
      for (const d of started.drivers.values()) await d.close();
      for (const s of started.sims) await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(parseConfig(cluster({}), 'c.yaml').clusters[0]?.kueue).toBeUndefined();
  });
});
