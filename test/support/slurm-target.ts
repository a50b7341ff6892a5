// A Slurm target on the run's shared local Slurm (test/support/slurm.ts) as cluster `onprem-hpc`,
// for the Slurm test files: the connection settings come from the shared Slurm, the deployment
// and anything else (timeouts, default accelerator, clock) from the test.
import type { RunningSlurm } from '../../infra/slurm/index.js';
import type { Target } from '../../shared/targets/port.js';
import { createSlurmTarget, type SlurmTargetOptions } from '../../shared/targets/slurm/slurm.js';

export function slurmTargetOn(
  slurm: RunningSlurm,
  deployment: string,
  extra: Partial<SlurmTargetOptions> = {},
): Target {
  return createSlurmTarget({
    clusterId: 'onprem-hpc',
    deployment,
    url: slurm.url,
    user: slurm.user,
    token: slurm.token,
    partition: slurm.partition,
    workdir: slurm.workdir,
    ...extra,
  });
}
