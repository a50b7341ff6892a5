// The local Slurm (infra/slurm) for the Slurm test files: started once per run by the global setup
// (test/support/slurm-setup.ts, for the `one-at-a-time` project of test/vitest.config.ts) and shared by every
// file, so its ~1.5 s start is paid once. Without the packages (or root) the Slurm tests are skipped
// with one line saying what to install; with CI=true they fail instead.
import { inject } from 'vitest';
import { slurmCli, slurmUnavailable, type RunningSlurm } from '../../infra/slurm/index.js';

const missing = slurmUnavailable();
/** True when the Slurm tests are skipped on this machine (never under CI=true). */
export const skipSlurmTests = missing !== undefined && process.env.CI !== 'true';
if (skipSlurmTests) console.log(`Slurm tests skipped: ${missing}`);

/** What the global setup hands the test files (everything but the functions). */
export type SharedSlurm = Omit<RunningSlurm, 'cli' | 'stop'>;

/**
 * The shared Slurm for the calling file's tests; call inside a `describe.skipIf(skipSlurmTests)`.
 * The getter throws when the global setup did not start it (CI without Slurm).
 */
export function useSlurm(): () => RunningSlurm {
  return () => {
    const shared = inject('slurm');
    if (!shared) {
      throw new Error(
        missing
          ? `CI=true and the local Slurm cannot run: ${missing}`
          : 'the global setup did not start Slurm (run a Slurm test file by a path naming slurm)',
      );
    }
    const s = JSON.parse(shared) as SharedSlurm;
    return { ...s, cli: slurmCli(s.dir), stop: async () => {} };
  };
}
