/**
 * Runs the Target contract against the Kubernetes adapter on the simulated Kubernetes API. The
 * Slurm driver runs it on a real Slurm in test/integration/slurm-target.test.ts, beside its own
 * tests, so one Slurm starts for both.
 */
import { startSimCluster } from '../../infra/sim-cluster/index.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { kubernetesTarget } from '../../shared/targets/kubernetes/target.js';
import { testTarget } from './target.contract.js';

testTarget('kubernetes (simulated API)', async () => {
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
    target: kubernetesTarget(driver),
    accelerator: 'nvidia-a100',
    freePerNode: false,
    cleanup: async () => {
      await driver.close();
      await sim.close();
    },
  };
});
