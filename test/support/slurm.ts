// The local Slurm (infra/slurm) for one test file: started once in beforeAll, stopped in afterAll
// (~1.5 s each way). Without the packages (or root) the file's Slurm tests are skipped with one line
// saying what to install; with CI=true they fail instead.
import { afterAll, beforeAll } from 'vitest';
import { slurmUnavailable, startSlurm, type RunningSlurm } from '../../infra/slurm/index.js';

const missing = slurmUnavailable();
/** True when the Slurm tests are skipped on this machine (never under CI=true). */
export const skipSlurmTests = missing !== undefined && process.env.CI !== 'true';
if (skipSlurmTests) console.log(`Slurm tests skipped: ${missing}`);

/**
 * Registers hooks that start Slurm for the calling file's tests; call inside a
 * `describe.skipIf(skipSlurmTests)`. The getter throws before beforeAll has run.
 */
export function useSlurm(): () => RunningSlurm {
  let slurm: RunningSlurm | undefined;
  beforeAll(async () => {
    if (missing) throw new Error(`CI=true and the local Slurm cannot run: ${missing}`);
    slurm = await startSlurm();
  });
  afterAll(async () => {
    await slurm?.stop();
  });
  return () => {
    if (!slurm) throw new Error('Slurm is not started yet (use it inside a test)');
    return slurm;
  };
}
