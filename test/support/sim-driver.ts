// The Kubernetes driver on a fresh simulated cluster (2 nodes × 8 A100s, a 50 ms tick), as the
// ClusterDriver and Target contract files run it: one per test, closed with `close()`.
import { startSimCluster } from '../../infra/sim-cluster/index.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';

export async function simulatedDriver() {
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
    sim,
    driver,
    close: async () => {
      await driver.close();
      await sim.close();
    },
  };
}
