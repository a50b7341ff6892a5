/**
 * One Kueue setting is enough for a simulated cluster: cluster `kueue.localQueue` installs a
 * simulated Kueue with that queue, `connect.simulated.kueue` gives the driver its LocalQueue, and
 * two different queue names are a config error naming both settings.
 */
import { describe, expect, it } from 'vitest';
import { resolveKueue } from '../../shared/config/kueue.js';
import { parseConfig } from '../../shared/config/schema.js';

const pools = [{ accelerator: 'nvidia-h100', nodes: 2, gpusPerNode: 8 }];
const config = (cluster: object) =>
  parseConfig(
    { clusters: [{ id: 'k8s-q', cloud: 'gcp', region: 'r', pools, ...cluster }] },
    't.yaml',
  );

describe('resolveKueue', () => {
  it('a cluster-level localQueue on a simulated cluster installs Kueue with every pool GPU', () => {
    const [c] = config({ kueue: { localQueue: 'team-a' }, connect: { simulated: {} } }).clusters;
    expect(resolveKueue(c!)).toEqual({
      driver: { localQueue: 'team-a' },
      sim: { gpuQuota: 16, localQueue: 'team-a' },
    });
  });

  it('a simulated Kueue gives the driver its LocalQueue, named or the default', () => {
    const [named] = config({
      connect: { simulated: { kueue: { gpuQuota: 8, localQueue: 'team-b' } } },
    }).clusters;
    expect(resolveKueue(named!)).toEqual({
      driver: { localQueue: 'team-b' },
      sim: { gpuQuota: 8, localQueue: 'team-b' },
    });
    const [unnamed] = config({ connect: { simulated: { kueue: { gpuQuota: 4 } } } }).clusters;
    expect(resolveKueue(unnamed!).driver).toEqual({ localQueue: 'user-queue' });
  });

  it('no Kueue anywhere: neither; a real cluster: the driver only', () => {
    const [none] = config({ connect: { simulated: {} } }).clusters;
    expect(resolveKueue(none!)).toEqual({});
    const [real] = config({
      kueue: { localQueue: 'team-c' },
      connect: { kubeconfig: { context: 'gke' } },
    }).clusters;
    expect(resolveKueue(real!)).toEqual({ driver: { localQueue: 'team-c' } });
  });

  it('two different queue names are refused, naming both settings', () => {
    expect(() =>
      config({
        kueue: { localQueue: 'team-a' },
        connect: { simulated: { kueue: { gpuQuota: 8, localQueue: 'team-b' } } },
      }),
    ).toThrow(/clusters\.0\.kueue.*connect\.simulated\.kueue\.localQueue/s);
  });
});
