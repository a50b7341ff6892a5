/** A remote drainer's clusters from its environment, with Kueue LocalQueues from DRAINER_KUEUE. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { clusterDrivers } from '../../functions/common/cluster-drivers.node.js';

const CLUSTERS = 'gcp-one=server:http://127.0.0.1:1,gcp-two=in-cluster';

function refusal(kueue: string): string {
  try {
    clusterDrivers(CLUSTERS, undefined, kueue);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('INVALID_CONFIG');
    return (e as AppError).message;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('clusterDrivers with DRAINER_KUEUE', () => {
  it('accepts a LocalQueue for a listed cluster, and none at all', async () => {
    const drivers = clusterDrivers(CLUSTERS, undefined, 'gcp-one=team-a');
    expect([...drivers.keys()]).toEqual(['gcp-one', 'gcp-two']);
    expect([...clusterDrivers(CLUSTERS, undefined).keys()]).toEqual(['gcp-one', 'gcp-two']);
    await Promise.all([...drivers.values()].map((d) => d.close()));
  });

  it('refuses malformed entries and clusters the drainer does not serve, saying what to fix', () => {
    expect(refusal('gcp-one')).toMatch(/DRAINER_KUEUE entry "gcp-one" is not id=LOCALQUEUE/);
    expect(refusal('gcp-one=Team A')).toMatch(/is not id=LOCALQUEUE/);
    expect(refusal('aws-one=team-a')).toMatch(
      /DRAINER_KUEUE names cluster aws-one, which DRAINER_CLUSTERS does not list \(gcp-one, gcp-two\)/,
    );
  });
});
