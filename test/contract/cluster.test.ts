/**
 * Runs the ClusterDriver contract for the Kubernetes driver against the simulated Kubernetes API
 * (one fresh simulated cluster per test), and — only when SWITCHYARD_TEST_KUBE_CONTEXT names a
 * kubeconfig context — against a real cluster, without fault injection.
 */
import { startSimCluster } from '../../infra/sim-cluster/index.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { testClusterDriver } from './cluster.contract.js';

testClusterDriver('kubernetes (simulated API)', async () => {
  const sim = await startSimCluster({
    id: 'contract',
    port: 0,
    pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 8 }],
    tickMs: 50,
  });
  const driver = createKubernetesCluster({
    clusterId: sim.id,
    kubeconfig: { server: sim.url },
    requestTimeoutMs: 5_000,
  });
  return {
    driver,
    faults: async (f) => sim.setFaults(f),
    cleanup: async () => {
      await driver.close();
      await sim.close();
    },
  };
});

const context = process.env.SWITCHYARD_TEST_KUBE_CONTEXT;
if (context) {
  testClusterDriver(`kubernetes (context ${context})`, async () => {
    const driver = createKubernetesCluster({ clusterId: context, kubeconfig: { context } });
    return { driver, cleanup: () => driver.close() };
  });
}
