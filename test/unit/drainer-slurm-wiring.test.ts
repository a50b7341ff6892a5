// Remote drainers serve Slurm clusters the way they serve Kubernetes ones: `id=slurm` in
// DRAINER_CLUSTERS takes that cluster's `connect.slurm` from SWITCHYARD_CONFIG (the shipped
// infra/config/with-slurm.yaml here). The push function then holds a Slurm target for it beside its
// Kubernetes drivers; a name the configuration does not define as Slurm is refused saying what to fix.
import { describe, expect, it } from 'vitest';
import { buildDrainerFn, parseDrainerFnEnv } from '../../functions/drainer-fn/config.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  slurmTargetFor,
  slurmTargetsFor,
  splitDrainerClusters,
} from '../../functions/common/slurm-target.node.js';
import { loadConfig } from '../../shared/config/load.node.js';
import { parseConfig } from '../../shared/config/schema.js';
import { deploymentIdOf } from '../../functions/common/deployment.node.js';
import { createConsoleLogger } from '../../functions/server/logger.js';

const WITH_SLURM = 'infra/config/with-slurm.yaml';

describe('DRAINER_CLUSTERS with Slurm clusters', () => {
  it('splits id=slurm entries from the Kubernetes ones', () => {
    expect(
      splitDrainerClusters(
        'aws-us-east-1=server:http://127.0.0.1:1, onprem-hpc=slurm,x-y=in-cluster',
      ),
    ).toEqual({
      kubernetes: 'aws-us-east-1=server:http://127.0.0.1:1,x-y=in-cluster',
      slurm: ['onprem-hpc'],
    });
  });

  it('builds a Slurm target from the configured connect.slurm', () => {
    const { config, source } = loadConfig({ SWITCHYARD_CONFIG: WITH_SLURM });
    const targets = slurmTargetsFor(['onprem-hpc'], config.clusters, source, 'prod');
    expect(targets.get('onprem-hpc')).toMatchObject({ clusterId: 'onprem-hpc', kind: 'slurm' });
  });

  it('refuses a cluster that is missing or not Slurm, naming the Slurm clusters there are', () => {
    const { config, source } = loadConfig({ SWITCHYARD_CONFIG: WITH_SLURM });
    expect(() => slurmTargetsFor(['nope-1'], config.clusters, source, 'prod')).toThrow(
      /DRAINER_CLUSTERS names nope-1=slurm, but the configuration .* has no cluster nope-1 \(clusters with connect.slurm: onprem-hpc\)/,
    );
    const kube = config.clusters.find((c) => !('slurm' in c.connect))!.id;
    expect(() => slurmTargetsFor([kube], config.clusters, source, 'prod')).toThrow(
      new RegExp(`cluster ${kube} without connect.slurm`),
    );
  });

  it('the push function holds the Slurm target beside its Kubernetes drivers', async () => {
    const env = {
      SWITCHYARD_URL: 'http://127.0.0.1:8787',
      SWITCHYARD_TOKEN: 'x'.repeat(40),
      DRAINER_QUEUE: 'onprem',
      DRAINER_CLUSTERS: 'onprem-hpc=slurm,aws-us-east-1=server:http://127.0.0.1:8788',
      DRAINER_FN_AUTH: 'none',
    };
    const parsed = parseDrainerFnEnv(env, 'node');
    const built = buildDrainerFn(parsed, createConsoleLogger(), {
      SWITCHYARD_CONFIG: WITH_SLURM,
    });
    expect([...built.clusters.keys()]).toEqual(['aws-us-east-1']);
    expect([...built.targets.keys()]).toEqual(['onprem-hpc']);
    await Promise.all(
      [...built.clusters.values(), ...built.targets.values()].map((c) => c.close()),
    );
  });
});

describe('the deployment id on Slurm jobs', () => {
  const at = (doc: object) => deploymentIdOf(parseConfig(doc, 'test'));
  it('is the configured one, else derived from the state store: same store same id', () => {
    expect(at({ deployment: 'prod' })).toBe('prod');
    expect(at({ dataDir: 'a/data' })).toMatch(/^sqlite-[0-9a-f]{10}$/);
    expect(at({ dataDir: 'a/data' })).toBe(at({ dataDir: 'a/../a/data' }));
    expect(at({ dataDir: 'a/data' })).not.toBe(at({ dataDir: 'b/data' }));
    const dynamo = (table: string) => at({ store: { driver: 'dynamodb', dynamodb: { table } } });
    expect(dynamo('switchyard-prod')).toMatch(/^dynamodb-[0-9a-f]{10}$/);
    expect(dynamo('switchyard-prod')).not.toBe(dynamo('switchyard-staging'));
  });

  it('refuses a deployment id a comment cannot carry, saying what to use', () => {
    expect(() => parseConfig({ deployment: 'Prod East' }, 'test.yaml')).toThrow(
      /deployment: use 1-63 lower-case letters, digits and -, e\.g\. prod/,
    );
  });

  it('connect.slurm.output: shipped from an existing workdir by default, said at start when not', () => {
    const { config } = loadConfig({ SWITCHYARD_CONFIG: WITH_SLURM });
    const c = config.clusters.find((x) => x.id === 'onprem-hpc')!;
    if (!('slurm' in c.connect)) throw new Error('onprem-hpc has connect.slurm');
    const connect = c.connect.slurm;
    const dir = mkdtempSync(join(tmpdir(), 'sy-slurm-workdir-'));
    const warned: string[] = [];
    const log = { warn: (m: string) => void warned.push(m) };
    const target = (over: object) => slurmTargetFor(c, { ...connect, ...over }, 'prod', log);
    try {
      expect(target({ workdir: dir }).readOutput).toBeTypeOf('function');
      expect(target({ workdir: dir, output: 'none' }).readOutput).toBeUndefined();
      expect(warned).toEqual([]);
      const missing = join(dir, 'not-mounted');
      expect(target({ workdir: missing }).readOutput).toBeUndefined();
      expect(warned[0]).toMatch(
        /onprem-hpc: Slurm job output is not shipped as job logs: workdir .*not-mounted .*does not exist on this host; .*connect\.slurm\.output: none/,
      );
      expect(target({ workdir: missing, output: 'shared' }).readOutput).toBeTypeOf('function');
      expect(warned[1]).toMatch(
        /output is shared but workdir .*not-mounted.*shipped once it appears/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
