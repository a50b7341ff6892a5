/**
 * A configured `connect.slurm` cluster as a Slurm target for the Node server's drainer: the JWT is
 * read from its file (on every request, so a renewed token file is picked up) or its environment
 * variable, never kept in the configuration.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '../../shared/base/errors.js';
import type { ClusterConfig } from '../../shared/config/schema.js';
import type { SlurmConnect } from '../../shared/config/slurm.js';
import type { Target } from '../../shared/targets/port.js';
import { createSlurmTarget } from '../../shared/targets/slurm/slurm.js';

function tokenSource(clusterId: string, s: SlurmConnect): () => Promise<string> {
  if (s.tokenFile) {
    const file = s.tokenFile;
    return async () => (await readFile(file, 'utf8')).trim();
  }
  const name = s.tokenEnv!;
  return async () => {
    const value = process.env[name];
    if (!value) {
      throw new AppError(
        'INVALID_CONFIG',
        `cluster ${clusterId}: environment variable ${name} (connect.slurm.tokenEnv) is not set`,
      );
    }
    return value.trim();
  };
}

export function slurmTargetFor(c: ClusterConfig, s: SlurmConnect): Target {
  return createSlurmTarget({
    clusterId: c.id,
    url: s.url,
    user: s.user,
    token: tokenSource(c.id, s),
    partition: s.partition,
    workdir: resolve(s.workdir),
    containers: s.containers,
    gresTypes: s.gresTypes,
    defaultAccelerator: c.pools[0]!.accelerator,
    ...(s.account ? { account: s.account } : {}),
  });
}
