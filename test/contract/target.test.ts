/**
 * Runs the Target contract against the Kubernetes adapter on the simulated Kubernetes API, and
 * against the Slurm driver on a real Slurm (infra/slurm; skipped with what to install when Slurm
 * is missing, failing under CI=true).
 */
import { describe } from 'vitest';
import { startSimCluster } from '../../infra/sim-cluster/index.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { kubernetesTarget } from '../../shared/targets/kubernetes/target.js';
import { createSlurmTarget } from '../../shared/targets/slurm/slurm.js';
import { skipSlurmTests, useSlurm } from '../support/slurm.js';
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

describe.skipIf(skipSlurmTests)('slurm', () => {
  const slurm = useSlurm();
  testTarget('slurm (real Slurm 22.05 through slurmrestd)', async () => {
    const s = slurm();
    const target = createSlurmTarget({
      clusterId: 'contract-slurm',
      url: s.url,
      user: s.user,
      token: s.token,
      partition: s.partition,
      workdir: s.workdir,
      defaultAccelerator: 'nvidia-a100',
    });
    return { target, accelerator: 'nvidia-a100', freePerNode: true, cleanup: () => target.close() };
  });
});
