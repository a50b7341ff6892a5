/**
 * Runs the Target contract against the Kubernetes adapter on the simulated Kubernetes API. The
 * Slurm driver runs it on a real Slurm in test/integration/slurm-target.test.ts, beside its own
 * tests, so one Slurm starts for both.
 */
import { kubernetesTarget } from '../../shared/targets/kubernetes/target.js';
import { simulatedDriver } from '../support/sim-driver.js';
import { testTarget } from './target.contract.js';

testTarget('kubernetes (simulated API)', async () => {
  const { driver, close } = await simulatedDriver();
  return {
    target: kubernetesTarget(driver),
    accelerator: 'nvidia-a100',
    freePerNode: false,
    cleanup: close,
  };
});
