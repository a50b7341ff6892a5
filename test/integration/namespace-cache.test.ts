// The Kubernetes driver reads a namespace once (concurrent creates share the check): a second Job in it costs one request (the create),
// so a cluster's request budget allows twice the Jobs. A namespace deleted behind its back turns
// the next create into a retryable error, and the retry creates the namespace again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { ClusterError, type KubeJobManifest } from '../../shared/targets/kubernetes/port.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { clients, gpuJob, startTestSim } from '../sim-cluster/helpers.js';

let sim: SimCluster;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.close());

const manifest = (name: string) =>
  gpuJob({ name, namespace: 'sy-acme', seconds: 60 }) as unknown as KubeJobManifest;

describe('namespace cache of the Kubernetes driver', () => {
  it('costs one request per Job once the namespace is known, and recovers when it is deleted', async () => {
    const driver = createKubernetesCluster({ clusterId: 'test', kubeconfig: { server: sim.url } });
    const labels = { 'switchyard.io/tenant': 'acme' };
    await driver.ensureNamespace('sy-acme', labels);
    await driver.createJob(manifest('one'));
    const before = sim.stats().requests;
    await driver.ensureNamespace('sy-acme', labels);
    expect(await driver.createJob(manifest('two'))).toBe('created');
    expect(sim.stats().requests - before).toBe(1);

    await clients(sim.url).core.deleteNamespace({ name: 'sy-acme' });
    await driver.ensureNamespace('sy-acme', labels);
    const error = await driver.createJob(manifest('three')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).retryable).toBe(true);
    expect((error as ClusterError).message).toMatch(/namespace sy-acme no longer exists/);

    await driver.ensureNamespace('sy-acme', labels); // the retry: the namespace is made again
    expect(await driver.createJob(manifest('three'))).toBe('created');
    await driver.close();
  });

  it('a burst of creates in a new namespace checks it once (a read and a create), not per Job', async () => {
    const driver = createKubernetesCluster({ clusterId: 'test', kubeconfig: { server: sim.url } });
    const labels = { 'switchyard.io/tenant': 'burst' };
    const before = sim.stats().requests;
    await Promise.all(Array.from({ length: 8 }, () => driver.ensureNamespace('sy-burst', labels)));
    expect(sim.stats().requests - before).toBe(2);
    const ns = await clients(sim.url).core.readNamespace({ name: 'sy-burst' });
    expect(ns.metadata?.labels).toMatchObject(labels);
    await driver.close();
  });
});
