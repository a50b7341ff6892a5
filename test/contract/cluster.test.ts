/**
 * Runs the ClusterDriver contract for the Kubernetes driver against the simulated Kubernetes API
 * (one fresh simulated cluster per test), and — only when SWITCHYARD_TEST_KUBE_CONTEXT names a
 * kubeconfig context — against a real cluster, without fault injection.
 */
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { simulatedDriver } from '../support/sim-driver.js';
import { testClusterDriver } from './cluster.contract.js';

testClusterDriver('kubernetes (simulated API)', async () => {
  const { sim, driver, close } = await simulatedDriver();
  return {
    driver,
    faults: async (f) => sim.setFaults(f),
    cleanup: close,
  };
});

const context = process.env.SWITCHYARD_TEST_KUBE_CONTEXT;
if (context) {
  testClusterDriver(`kubernetes (context ${context})`, async () => {
    const driver = createKubernetesCluster({ clusterId: context, kubeconfig: { context } });
    return { driver, cleanup: () => driver.close() };
  });
}
