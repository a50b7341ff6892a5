// `connect.slurm` in the cluster configuration (shared/config/slurm.ts), the shipped
// infra/config/with-slurm.yaml, and how the drainer reports what a target shows
// (shared/drainer/targets.ts `reportOf`): waiting is requeued, cancelled is cancelled, and every
// report names the target kind and the Slurm job id.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../shared/config/schema.js';
import { reportOf } from '../../shared/drainer/targets.js';
import type { TargetJobStatus } from '../../shared/targets/port.js';
import { runIncludesSlurm } from '../support/slurm-run.js';

const cluster = (slurm: Record<string, unknown>) => ({
  clusters: [
    {
      id: 'onprem-hpc',
      cloud: 'onprem',
      region: 'dc1',
      pools: [{ accelerator: 'nvidia-a100', nodes: 2, gpusPerNode: 4 }],
      connect: { slurm },
    },
  ],
});
const good = {
  url: 'http://slurm-head:6820',
  tokenFile: '/etc/switchyard/slurm.jwt',
  user: 'svc-switchyard',
  partition: 'gpu',
  workdir: '/shared/switchyard',
};

describe('connect.slurm', () => {
  it('reads a Slurm cluster with defaults for containers and gres types', () => {
    const c = parseConfig(cluster(good), 'test.yaml').clusters[0]!;
    expect(c.connect).toEqual({ slurm: { ...good, containers: 'none', gresTypes: {} } });
  });

  it.each([
    [
      'no token source',
      { ...good, tokenFile: undefined },
      /give exactly one of tokenFile and tokenEnv/,
    ],
    [
      'both token sources',
      { ...good, tokenEnv: 'SLURM_JWT' },
      /exactly one of tokenFile and tokenEnv/,
    ],
    ['a bad env var name', { ...good, tokenFile: undefined, tokenEnv: 'SLURM-JWT' }, /tokenEnv/],
    [
      'an unknown container runtime',
      { ...good, containers: 'docker' },
      /slurm\.containers: .*"pyxis"/,
    ],
    ['an unknown output mode', { ...good, output: 'nfs' }, /slurm\.output: .*"shared"/],
    ['no partition', { ...good, partition: undefined }, /slurm\.partition/],
    ['a URL that is not one', { ...good, url: 'slurm-head' }, /url/],
  ])('refuses %s with INVALID_CONFIG naming the field', (_, slurm, message) => {
    expect(() => parseConfig(cluster(slurm), 'test.yaml')).toThrow(message);
  });

  it('names the kinds when connect matches none', () => {
    const doc = cluster(good);
    (doc.clusters[0] as { connect: unknown }).connect = { slurmrestd: {} };
    expect(() => parseConfig(doc, 'test.yaml')).toThrow(
      'clusters.0.connect: use exactly one of simulated, kubeconfig, inCluster or slurm',
    );
  });

  it('the shipped with-slurm.yaml is valid: the embedded clusters plus onprem-hpc on Slurm', () => {
    const doc: unknown = parse(readFileSync('infra/config/with-slurm.yaml', 'utf8'));
    const config = parseConfig(doc, 'with-slurm.yaml');
    expect(config.clusters.map((c) => c.id)).toEqual([
      'aws-us-east-1',
      'gcp-europe-west4',
      'onprem-dc1',
      'onprem-hpc',
    ]);
    const hpc = config.clusters[3]!;
    expect(hpc.cloud).toBe('onprem');
    expect('slurm' in hpc.connect).toBe(true);
  });
});

describe('reports of target statuses', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const s = (o: Partial<TargetJobStatus>): TargetJobStatus => ({
    jobId: 'j',
    name: 'sy-j',
    externalId: '7',
    attempt: 2,
    state: 'submitted',
    ...o,
  });

  it.each([
    ['submitted', 'pending'],
    ['waiting', 'requeued'],
    ['running', 'running'],
    ['cancelled', 'cancelled'],
  ] as const)('%s is reported as %s', (state, phase) => {
    expect(reportOf('hpc', s({ state }), at)).toMatchObject({
      phase,
      attempt: 2,
      clusterId: 'hpc',
      targetKind: 'slurm',
      targetJobId: '7',
    });
  });

  it('an ended job carries its exit code and reason', () => {
    expect(
      reportOf('hpc', s({ state: 'failed', exitCode: 3, reason: 'NonZeroExitCode' }), at),
    ).toMatchObject({
      phase: 'failed',
      result: { exitCode: 3, reason: 'NonZeroExitCode' },
    });
    expect(reportOf('hpc', s({ state: 'succeeded', exitCode: 0 }), at).result).toEqual({
      exitCode: 0,
      reason: 'Completed',
    });
  });
});

describe('whether a test run starts the shared local Slurm', () => {
  const argv = (...args: string[]) => ['node', 'vitest.mjs', 'run', ...args];
  it.each([
    [argv('--config', 'test/vitest.config.ts'), true],
    [argv('--config', 'test/vitest.config.ts', 'test/e2e/slurm.test.ts'), true],
    [argv('--config', 'test/vitest.config.ts', 'test/unit/openapi.test.ts'), false],
    [argv('test/unit/openapi.test.ts', '-t', 'Slurm job id'), false],
  ])('%j → %s', (args, starts) => expect(runIncludesSlurm(args)).toBe(starts));
});
