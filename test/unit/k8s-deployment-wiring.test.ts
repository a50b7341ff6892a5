// Every Kubernetes driver a Switchyard process builds carries this deployment's id (config
// `deployment`, else derived: functions/common/deployment.node.ts), so what it creates is labelled
// with it and what it lists, watches and reconciles is scoped to it: the embedded server's
// drivers, a remote drainer's (DRAINER_CLUSTERS) and the push function's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterDrivers } from '../../functions/common/cluster-drivers.node.js';
import { deploymentIdOf } from '../../functions/common/deployment.node.js';
import { buildDrainerFn, parseDrainerFnEnv } from '../../functions/drainer-fn/config.js';
import { startClusters } from '../../functions/server/clusters.js';
import { createConsoleLogger } from '../../functions/server/logger.js';
import { parseConfig } from '../../shared/config/schema.js';
import { tempDir } from '../sim-cluster/helpers.js';

const KUBE = 'gcp-one=server:http://127.0.0.1:1,gcp-two=in-cluster';

describe('the deployment id on Kubernetes drivers', () => {
  it('a remote drainer’s drivers carry the one it is given', async () => {
    const drivers = clusterDrivers(KUBE, undefined, 'gcp-one=team-a', 'prod');
    expect([...drivers.values()].map((d) => d.deployment)).toEqual(['prod', 'prod']);
    await Promise.all([...drivers.values()].map((d) => d.close()));
  });

  it('the push function’s drivers carry the configured one, else the derived one', async () => {
    const dir = tempDir('k8s-deployment-');
    const build = async (doc: string) => {
      writeFileSync(join(dir, 'config.yaml'), doc);
      const env = {
        SWITCHYARD_URL: 'http://127.0.0.1:8787',
        SWITCHYARD_TOKEN: 'x'.repeat(40),
        DRAINER_QUEUE: 'gcp',
        DRAINER_CLUSTERS: KUBE,
        DRAINER_FN_AUTH: 'none',
      };
      const built = buildDrainerFn(parseDrainerFnEnv(env, 'node'), createConsoleLogger(), {
        SWITCHYARD_CONFIG: join(dir, 'config.yaml'),
      });
      const ids = [...built.clusters.values()].map((d) => d.deployment);
      await Promise.all([...built.clusters.values()].map((d) => d.close()));
      return ids;
    };
    expect(await build('deployment: staging\n')).toEqual(['staging', 'staging']);
    const derived = deploymentIdOf(parseConfig({ dataDir: join(dir, 'data') }, 'test'));
    expect(await build(`dataDir: ${join(dir, 'data')}\n`)).toEqual([derived, derived]);
  });

  it('the server’s drivers carry it too', async () => {
    const config = parseConfig(
      {
        deployment: 'prod',
        clusters: [
          {
            id: 'gcp-one',
            cloud: 'gcp',
            region: 'us-central1',
            pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
            connect: { kubeconfig: { file: 'no-such-kubeconfig' } },
          },
        ],
      },
      'test',
    );
    const started = await startClusters(config, tempDir('k8s-deployment-'));
    expect(started.drivers.get('gcp-one')?.deployment).toBe('prod');
    expect(started.definitions[0]).not.toHaveProperty('deployment');
    await Promise.all([...started.drivers.values()].map((d) => d.close()));
  });
});
