/** The simulated API through the real kubectl binary (v1.32) with a temporary kubeconfig. */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { startTestSim, tempDir, waitFor } from './helpers.js';

let sim: SimCluster;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [
        '--kubeconfig',
        join(dir, 'config'),
        '--cache-dir',
        join(dir, 'cache'),
        '--request-timeout',
        '10s',
        ...args,
      ],
      { timeout: 20_000, cwd: dir },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const JOB_YAML = (name: string, extra = '') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: team-k
  labels: {app: train}
spec:${extra}
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {switchyard.io/accelerator: nvidia-a100}
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      containers:
      - name: main
        image: ghcr.io/example/train:1
        env: [{name: SIM_DURATION_SECONDS, value: "1"}]
        resources: {limits: {nvidia.com/gpu: 2}}
`;

beforeAll(async () => {
  sim = await startTestSim({ id: 'kc' });
  dir = tempDir('sim-kubectl-');
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: {server: "${sim.url}"}
contexts:
- name: sim
  context: {cluster: sim, user: sim}
current-context: sim
users:
- name: sim
  user: {}
`,
  );
  writeFileSync(
    join(dir, 'ns.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-k\n',
  );
  writeFileSync(join(dir, 'job.yaml'), JOB_YAML('train'));
  writeFileSync(join(dir, 'long.yaml'), JOB_YAML('long').replace('value: "1"', 'value: "60"'));
  writeFileSync(join(dir, 'bogus.yaml'), JOB_YAML('bogus', '\n  bogus: 1'));
});
afterAll(() => sim.close());

describe('kubectl', () => {
  it('reports the simulated server version', async () => {
    const run = await kubectl('version');
    expect(run.stdout).toContain('Server Version: v1.32.0-switchyard-sim');
  });

  it('get nodes prints a table with status, version and GPUs', async () => {
    const run = await kubectl('get', 'nodes');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+ACCELERATOR\s+GPUS$/);
    expect(lines[1]).toMatch(
      /^kc-nvidia-a100-0\s+Ready\s+<none>\s+\d+s\s+v1\.32\.0-switchyard-sim\s+nvidia-a100\s+4$/,
    );
    expect(lines).toHaveLength(3);
  });

  it('get follows limit/continue pages (--chunk-size), as a table and as a plain list', async () => {
    const table = await kubectl('get', 'nodes', '--chunk-size=1', '--no-headers');
    expect(table.code).toBe(0);
    expect(
      table.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['kc-nvidia-a100-0', 'kc-nvidia-a100-1']);
    const names = await kubectl('get', 'nodes', '--chunk-size=1', '-o', 'name');
    expect(names.stdout.trim().split('\n')).toEqual([
      'node/kc-nvidia-a100-0',
      'node/kc-nvidia-a100-1',
    ]);
  });

  it('create namespace works although kubectl sends it as protobuf', async () => {
    const run = await kubectl('create', 'namespace', 'imperative');
    expect(run.stdout.trim()).toBe('namespace/imperative created');
    const get = await kubectl('get', 'namespace', 'imperative', '-o', 'jsonpath={.status.phase}');
    expect(get.stdout).toBe('Active');
  });

  it('create -f validates (OpenAPI v3 + server-side Strict) and creates', async () => {
    expect((await kubectl('create', '-f', 'ns.yaml')).stdout).toContain('namespace/team-k created');
    const run = await kubectl('create', '-f', 'job.yaml');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('job.batch/train created');
    const again = await kubectl('create', '-f', 'job.yaml');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('Error from server (AlreadyExists)');
    const bogus = await kubectl('create', '-f', 'bogus.yaml');
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
  });

  it('get jobs -A and get pods -A show the job running, then complete', async () => {
    const pods = await waitFor('pod running', async () => {
      const r = await kubectl('get', 'pods', '-A');
      return /team-k\s+train-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s/.test(r.stdout)
        ? r
        : undefined;
    });
    expect(pods.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/,
    );
    const jobs = await waitFor('job complete', async () => {
      const r = await kubectl('get', 'jobs', '-A');
      return /team-k\s+train\s+Complete\s+1\/1\s+\d+s\s+\d+s/.test(r.stdout) ? r : undefined;
    });
    expect(jobs.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/,
    );
    const done = await kubectl('get', 'pods', '-n', 'team-k');
    expect(done.stdout).toMatch(/train-[a-z0-9]{5}\s+0\/1\s+Completed/);
  });

  it('get job -o yaml prints the object', async () => {
    const run = await kubectl('get', 'job', 'train', '-n', 'team-k', '-o', 'yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('kind: Job');
    expect(run.stdout).toContain('name: train');
    expect(run.stdout).toContain('type: Complete');
    expect(run.stdout).toMatch(/resourceVersion: "\d+"/);
  });

  it('delete job returns promptly and removes job and pods', async () => {
    await kubectl('create', '-f', 'long.yaml');
    const started = Date.now();
    const run = await kubectl('delete', 'job', 'long', '-n', 'team-k');
    expect(run.stdout.trim()).toBe('job.batch "long" deleted');
    expect(Date.now() - started).toBeLessThan(5_000);
    const get = await kubectl('get', 'job', 'long', '-n', 'team-k');
    expect(get.stderr).toContain('Error from server (NotFound): jobs.batch "long" not found');
    const pods = await kubectl('get', 'pods', '-n', 'team-k', '-l', 'job-name=long');
    expect(pods.stderr).toContain('No resources found');
  });
});

describe('kubectl logs', () => {
  it("shows the job's SIM_LOG lines, a step per second run, and the exit line", async () => {
    writeFileSync(
      join(dir, 'logs.yaml'),
      JOB_YAML('logged')
        .replace('namespace: team-k', 'namespace: logs-ns')
        .replace(
          'env: [{name: SIM_DURATION_SECONDS, value: "1"}]',
          'env: [{name: SIM_DURATION_SECONDS, value: "2"}, {name: SIM_EXIT_CODE, value: "3"}, {name: SIM_LOG, value: "loading data\\nepoch 1"}]',
        ),
    );
    expect((await kubectl('create', 'namespace', 'logs-ns')).code).toBe(0);
    expect((await kubectl('create', '-f', join(dir, 'logs.yaml'))).code).toBe(0);
    await waitFor(
      'the logged job to fail',
      async () => {
        const run = await kubectl('get', 'job', 'logged', '-n', 'logs-ns', '-o', 'json');
        const status = JSON.parse(run.stdout || '{}').status ?? {};
        return (status.failed ?? 0) > 0;
      },
      15_000,
    );
    const logs = await kubectl('logs', '-n', 'logs-ns', '-l', 'job-name=logged');
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/simulated cluster\] pod logs-ns\/logged-\w+: no real container/);
    expect(lines.slice(1)).toEqual([
      'loading data',
      'epoch 1',
      'step 1/2',
      'step 2/2',
      'exited with code 3 (Error)',
    ]);
  });

  it('-f streams the lines as the pod prints them and ends when the pod ends', async () => {
    writeFileSync(
      join(dir, 'follow.yaml'),
      JOB_YAML('followed')
        .replace('namespace: team-k', 'namespace: logs-ns')
        .replace('value: "1"}]', 'value: "2"}, {name: SIM_LOG, value: "warming up"}]'),
    );
    expect((await kubectl('create', '-f', join(dir, 'follow.yaml'))).code).toBe(0);
    await waitFor(
      'the followed pod to run',
      async () => {
        const run = await kubectl('get', 'pods', '-n', 'logs-ns', '-l', 'job-name=followed');
        return run.stdout.includes('Running');
      },
      15_000,
    );
    const config = ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')];
    const child = spawn('kubectl', [...config, 'logs', '-f', '-n', 'logs-ns', 'job/followed']);
    const started = Date.now();
    const arrived: Array<{ line: string; ms: number }> = [];
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      for (const line of parts) arrived.push({ line, ms: Date.now() - started });
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const killer = setTimeout(() => child.kill(), 15_000); // bounded: a stream that never ends fails
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(killer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = arrived.map((a) => a.line);
    expect(lines[0]).toMatch(/pod logs-ns\/followed-\w+: no real container/);
    expect(lines.slice(1)).toEqual([
      'warming up',
      'step 1/2',
      'step 2/2',
      'exited with code 0 (Completed)',
    ]);
    // Streamed, not read at the end: the exit line came well after the first line.
    expect(arrived.at(-1)!.ms - arrived[0]!.ms).toBeGreaterThan(700);
  });
});
