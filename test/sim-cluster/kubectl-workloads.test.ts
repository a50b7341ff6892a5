/**
 * The gang workload kinds through the real kubectl: apply, wait, `get jobsets,pytorchjobs,rayjobs
 * -A`, `describe pytorchjob` with the controller's events, `get pods -l switchyard.io/job-id=…`,
 * `get crd`, and the server-side schema check of `kubectl apply`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { startTestSim, tempDir } from './helpers.js';
import { jobSet, pytorchJob, rayJob } from './workload-fixtures.js';

let sim: SimCluster;
let dir: string;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base = ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')];
    execFile(
      'kubectl',
      [...base, '--request-timeout', '10s', ...args],
      { timeout: 20_000, cwd: dir },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

beforeAll(async () => {
  sim = await startTestSim({ id: 'kcw' });
  dir = tempDir('sim-kubectl-gang-');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sim', cluster: { server: sim.url } }],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim' } }],
    'current-context': 'sim',
    users: [{ name: 'sim', user: {} }],
  };
  writeFileSync(join(dir, 'config'), stringify(kubeconfig));
  const docs = [
    pytorchJob({ name: 'ft', workers: 1, seconds: 1, jobId: 'job-ft' }),
    jobSet({ name: 'js', replicas: 2, seconds: 1, jobId: 'job-js' }),
    rayJob({ name: 'rj', seconds: 1, jobId: 'job-rj' }),
  ];
  writeFileSync(join(dir, 'gang.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  const bad = pytorchJob({ name: 'bad' }) as { spec: Record<string, unknown> };
  bad.spec.nprocPerNodes = '8';
  writeFileSync(join(dir, 'bad.yaml'), stringify(bad));
});
afterAll(() => sim.close());

describe('kubectl with gang workloads', () => {
  it('applies, waits for, lists and describes the workloads and their pods', async () => {
    const applied = await kubectl('apply', '-f', 'gang.yaml');
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('pytorchjob.kubeflow.org/ft created');
    expect(applied.stdout).toContain('jobset.jobset.x-k8s.io/js created');
    expect(applied.stdout).toContain('rayjob.ray.io/rj created');
    const pods = await kubectl('get', 'pods', '-l', 'switchyard.io/job-id=job-ft', '-o', 'name');
    expect(pods.stdout.trim().split('\n').sort()).toEqual(['pod/ft-master-0', 'pod/ft-worker-0']);
    const waited = await kubectl(
      'wait',
      '--for=condition=Succeeded',
      'pytorchjob/ft',
      '--timeout=10s',
    );
    expect(waited.stdout).toContain('pytorchjob.kubeflow.org/ft condition met');
    await kubectl('wait', '--for=condition=Completed', 'jobset/js', '--timeout=10s');
    await kubectl(
      'wait',
      '--for=jsonpath={.status.jobDeploymentStatus}=Complete',
      'rayjob/rj',
      '--timeout=10s',
    );
    const all = await kubectl('get', 'jobsets,pytorchjobs,rayjobs', '-A');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      /default\s+jobset\.jobset\.x-k8s\.io\/js\s+Completed\s+0\s+True\s+false\s+\d+s/,
    );
    expect(all.stdout).toMatch(/default\s+pytorchjob\.kubeflow\.org\/ft\s+Succeeded\s+\d+s/);
    expect(all.stdout).toMatch(
      /default\s+rayjob\.ray\.io\/rj\s+SUCCEEDED\s+Complete\s+rj-raycluster/,
    );
    const described = await kubectl('describe', 'pytorchjob', 'ft');
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('Pytorch Replica Specs:');
    expect(described.stdout).toMatch(/Normal\s+SuccessfulCreatePod\s+.*Created pod: ft-worker-0/);
    expect(described.stdout).toMatch(/Normal\s+GangScheduled/);
    const crds = await kubectl('get', 'crd', '-o', 'name');
    expect(crds.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/pytorchjobs.kubeflow.org',
    );
  });

  it('apply refuses a field the CRD schema does not know', async () => {
    const run = await kubectl('apply', '-f', 'bad.yaml');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('unknown field "spec.nprocPerNodes"');
  });
});
