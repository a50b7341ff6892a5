/**
 * The files under docs/examples/ that the README walkthrough uses are valid: each job parses with
 * the job submission schema and asks for an accelerator the embedded clusters have, the policy
 * parses with the policy schema, and the kubectl Job is accepted by a simulated cluster through
 * the real `kubectl create -f` and gets scheduled onto a GPU node. Every file there is checked,
 * and every `docs/examples/…` the README names exists.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { parseJobSpec } from '../../shared/domain/spec.js';
import { parsePolicyText } from '../../shared/policy/schema.js';
import { startTestSim, tempDir, waitFor } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'docs', 'examples');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');

const JOBS = ['job.yaml', 'failing-job.yaml', 'a100-job.yaml', 'pytorchjob.yaml', 'rayjob.yaml'];
const POLICIES = ['policy.yaml'];
const KUBECTL = ['kubectl-job.yaml'];

/** The accelerator types of the embedded default's clusters. */
function embeddedAccelerators(): string[] {
  const config = parse(readFileSync(join(ROOT, 'infra/config/embedded.yaml'), 'utf8')) as {
    clusters: Array<{ pools: Array<{ accelerator: string }> }>;
  };
  return config.clusters.flatMap((c) => c.pools.map((p) => p.accelerator));
}

describe('docs/examples', () => {
  it('every file is one this test checks, and every one the README names exists', () => {
    expect(readdirSync(DIR).sort()).toEqual([...JOBS, ...POLICIES, ...KUBECTL].sort());
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/docs\/examples\/([\w.-]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const name of new Set(named)) expect(readdirSync(DIR), name).toContain(name);
  });

  it.each(JOBS)('%s is a valid job submission for the embedded clusters', (name) => {
    const spec = parseJobSpec(parse(read(name)));
    expect(embeddedAccelerators()).toContain(spec.resources.accelerator?.type);
  });

  it('failing-job.yaml makes its simulated container exit non-zero', () => {
    const spec = parseJobSpec(parse(read('failing-job.yaml')));
    expect(Number(spec.env?.SIM_EXIT_CODE)).toBeGreaterThan(0);
  });

  it('pytorchjob.yaml is a 2-node PyTorchJob gang', () => {
    const spec = parseJobSpec(parse(read('pytorchjob.yaml')));
    expect([spec.kind, spec.nodes]).toEqual(['pytorchjob', 2]);
  });

  it.each(POLICIES)('%s is a valid routing policy', (name) => {
    const policy = parsePolicyText(read(name));
    expect(policy.rules.length).toBeGreaterThan(0);
  });
});

describe('docs/examples/kubectl-job.yaml', () => {
  let sim: SimCluster | undefined;
  afterAll(() => sim?.close());

  it('real kubectl creates it in a simulated cluster and it is scheduled on a GPU node', async () => {
    const cluster = await startTestSim({ id: 'examples' });
    sim = cluster;
    const dir = tempDir('sim-examples-');
    writeFileSync(
      join(dir, 'config'),
      `apiVersion: v1
kind: Config
clusters: [{name: sim, cluster: {server: "${cluster.url}"}}]
contexts: [{name: sim, context: {cluster: sim, user: sim}}]
current-context: sim
users: [{name: sim, user: {}}]
`,
    );
    const kubectl = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const base = ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')];
        execFile('kubectl', [...base, ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? 1 : 0, stdout, stderr }),
        );
      });
    const created = await kubectl('create', '-f', join(DIR, 'kubectl-job.yaml'));
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toMatch(/^job\.batch\/[a-z0-9-]+ created$/);
    const name = created.stdout.trim().split(/[/ ]/)[1]!;
    const node = await waitFor('the pod bound to a node', async () => {
      const r = await kubectl(
        'get',
        'pods',
        '-l',
        `job-name=${name}`,
        '-o',
        'jsonpath={.items[0].spec.nodeName}',
      );
      return r.stdout.trim();
    });
    expect(node).toMatch(/^examples-nvidia-a100-\d$/);
    const events = await kubectl('get', 'events');
    expect(events.stdout).not.toContain('FailedScheduling');
  });
});
