// Vitest global setup of the `one-at-a-time` project (test/vitest.config.ts): starts the local Slurm
// (infra/slurm) once for the Slurm test files, which run one at a time after every other file, and
// stops it at the end. Not started for a run that names no Slurm file.
import type { TestProject } from 'vitest/node';
import { slurmUnavailable, startSlurm } from '../../infra/slurm/index.js';
import { runIncludesSlurm } from './slurm-run.js';
import type { SharedSlurm } from './slurm.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON of the shared local Slurm (test/support/slurm.ts), or '' when not started. */
    slurm: string;
  }
}

export default async function setup(project: TestProject) {
  project.provide('slurm', '');
  if (!runIncludesSlurm(process.argv) || slurmUnavailable()) return;
  const slurm = await startSlurm();
  const { cli: _cli, stop: _stop, ...shared } = slurm;
  project.provide('slurm', JSON.stringify(shared satisfies SharedSlurm));
  return slurm.stop;
}
