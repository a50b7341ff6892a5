/**
 * A configured `connect.slurm` cluster as a Slurm target for any Node drainer (the server's
 * in-process one, `npm run drainer`, the push function): the JWT is
 * read from its file (on every request, so a renewed token file is picked up) or its environment
 * variable, never kept in the configuration.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '../../shared/base/errors.js';
import type { ClusterConfig } from '../../shared/config/schema.js';
import type { SlurmConnect } from '../../shared/config/slurm.js';
import type { Target } from '../../shared/targets/port.js';
import { createSlurmTarget } from '../../shared/targets/slurm/slurm.js';
import { createSlurmOutputReader } from '../../shared/targets/slurm/output.node.js';
import type { SlurmOutputReader } from '../../shared/targets/slurm/output.js';
import type { Logger } from '../../shared/base/log.js';

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

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

/** Until a logger is handed in, the start-up note goes to stderr as one JSON line. */
const stderrLog: Pick<Logger, 'warn'> = {
  warn: (msg, fields) =>
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...fields })}\n`),
};

/**
 * The reader of jobs' output files (`connect.slurm.output`, issue #17): none when `none`; when
 * unset, none (said once at start) unless the workdir exists on this host; when `shared`, read
 * even if the workdir is not there yet (said at start), as a mount may come later.
 */
export function slurmOutputFor(
  c: ClusterConfig,
  s: SlurmConnect,
  workdir: string,
  log: Pick<Logger, 'warn'> = stderrLog,
): SlurmOutputReader | undefined {
  if (s.output === 'none') return undefined;
  if (!isDir(workdir)) {
    const why = `workdir ${workdir} (connect.slurm.workdir) does not exist on this host`;
    if (s.output === undefined) {
      log.warn(
        `cluster ${c.id}: Slurm job output is not shipped as job logs: ${why}; run the drainer where the workdir is mounted, or set connect.slurm.output: none to say so`,
        { cluster: c.id },
      );
      return undefined;
    }
    log.warn(
      `cluster ${c.id}: connect.slurm.output is shared but ${why} yet; output is shipped once it appears`,
      { cluster: c.id },
    );
  }
  return createSlurmOutputReader({ workdir });
}

/** `deployment`: this deployment's id (deployment.node.ts), written on every job it submits. */
export function slurmTargetFor(
  c: ClusterConfig,
  s: SlurmConnect,
  deployment: string,
  log?: Pick<Logger, 'warn'>,
): Target {
  const workdir = resolve(s.workdir);
  const output = slurmOutputFor(c, s, workdir, log);
  return createSlurmTarget({
    clusterId: c.id,
    deployment,
    url: s.url,
    user: s.user,
    token: tokenSource(c.id, s),
    partition: s.partition,
    workdir,
    containers: s.containers,
    gresTypes: s.gresTypes,
    defaultAccelerator: c.pools[0]!.accelerator,
    ...(s.account ? { account: s.account } : {}),
    ...(output ? { output } : {}),
  });
}

const SLURM_ENTRY = /^([a-z0-9-]{3,63})=slurm$/;

/**
 * `DRAINER_CLUSTERS` split in two: `id=slurm` entries name clusters whose `connect.slurm` block is
 * read from the configuration (SWITCHYARD_CONFIG); every other entry is a Kubernetes one.
 */
export function splitDrainerClusters(spec: string): { kubernetes: string; slurm: string[] } {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const slurm = entries.flatMap((e) => SLURM_ENTRY.exec(e)?.[1] ?? []);
  const kubernetes = entries.filter((e) => !SLURM_ENTRY.test(e)).join(',');
  return { kubernetes, slurm };
}

/** The Slurm targets for `ids`, each from its cluster's `connect.slurm` in the configuration. */
export function slurmTargetsFor(
  ids: readonly string[],
  clusters: readonly ClusterConfig[],
  source: string,
  deployment: string,
  log?: Pick<Logger, 'warn'>,
): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const id of ids) {
    const c = clusters.find((x) => x.id === id);
    if (!c || !('slurm' in c.connect)) {
      const slurmIds = clusters.filter((x) => 'slurm' in x.connect).map((x) => x.id);
      throw new AppError(
        'INVALID_CONFIG',
        `DRAINER_CLUSTERS names ${id}=slurm, but the configuration ${source} has ${c ? `cluster ${id} without connect.slurm` : `no cluster ${id}`} (clusters with connect.slurm: ${slurmIds.join(', ') || 'none'}); point SWITCHYARD_CONFIG at the configuration that defines it`,
      );
    }
    targets.set(id, slurmTargetFor(c, c.connect.slurm, deployment, log));
  }
  return targets;
}
