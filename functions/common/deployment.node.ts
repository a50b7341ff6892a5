/**
 * This deployment's id (config `deployment`; docs/targets.md), written on the jobs it makes on
 * shared targets so that two deployments on one Slurm never touch each other's jobs. Unset, it is
 * derived from where the state lives — the resolved SQLite folder, or the DynamoDB table, region
 * and endpoint — so the server, its restarts and the drainers reading the same configuration agree,
 * and two deployments with their own stores differ. The memory store lives in one process only, so
 * its id is random per process.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { SwitchyardConfig } from '../../shared/config/schema.js';

type DeploymentConfig = Pick<SwitchyardConfig, 'deployment' | 'dataDir' | 'store'>;

const perProcess = randomUUID();

export function deploymentIdOf(config: DeploymentConfig): string {
  if (config.deployment) return config.deployment;
  const { store } = config;
  let where: string;
  if (store.driver === 'sqlite') where = `sqlite:${resolve(config.dataDir)}`;
  else if (store.driver === 'dynamodb') {
    const d = store.dynamodb;
    where = `dynamodb:${d.region}:${d.table}:${d.endpoint ?? 'aws'}`;
  } else where = `memory:${perProcess}`;
  return `${store.driver}-${createHash('sha256').update(where).digest('hex').slice(0, 10)}`;
}
