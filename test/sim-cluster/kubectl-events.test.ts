/**
 * What a new user meets first with real kubectl: the namespaces every cluster starts with (also in a
 * store persisted without them), and FailedScheduling events with kube-scheduler's wording for a
 * pod that cannot be placed, visible in `kubectl get events` and `kubectl describe pod`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { startTestSim, tempDir, waitFor } from './helpers.js';

let sim: SimCluster | undefined;
/** Starts a test cluster that afterEach closes. */
async function start(overrides: Parameters<typeof startTestSim>[0]): Promise<SimCluster> {
  sim = await startTestSim(overrides);
  return sim;
}
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against `url` with a kubeconfig of its own in `dir`. */
function kubectl(dir: string, url: string, ...args: string[]): Promise<Run> {
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
clusters: [{name: sim, cluster: {server: "${url}"}}]
contexts: [{name: sim, context: {cluster: sim, user: sim}}]
current-context: sim
users: [{name: sim, user: {}}]
`,
  );
  const base = ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')];
  return new Promise((resolve) => {
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

/** A Job without a namespace (so it lands in `default`); `pod` lines go under its pod spec. */
function jobYaml(name: string, gpus: number, tolerate: boolean): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {switchyard.io/accelerator: nvidia-a100}
${tolerate ? '      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]\n' : ''}      containers:
      - name: main
        image: busybox
        env: [{name: SIM_DURATION_SECONDS, value: "1"}]
        resources: {limits: {nvidia.com/gpu: ${gpus}}}
`;
}

describe('namespaces a cluster starts with', () => {
  it('has default, kube-system and kube-public, and create -f without a namespace works', async () => {
    const cluster = await start({ id: 'ns' });
    const dir = tempDir('sim-kubectl-ns-');
    const ns = await kubectl(dir, cluster.url, 'get', 'namespaces', '-o', 'name');
    expect(ns.stdout.trim().split('\n').sort()).toEqual([
      'namespace/default',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
    writeFileSync(join(dir, 'job.yaml'), jobYaml('hello', 1, true));
    const created = await kubectl(dir, cluster.url, 'create', '-f', 'job.yaml');
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('job.batch/hello created');
    await waitFor('job complete', async () => {
      const r = await kubectl(
        dir,
        cluster.url,
        'get',
        'job',
        'hello',
        '-o',
        'jsonpath={.status.succeeded}',
      );
      return r.stdout === '1';
    });
  });

  it('a store persisted without them gets them back at start', async () => {
    const dir = tempDir('sim-kubectl-ns-');
    const dataFile = join(dir, 'sim.db');
    const cluster = await start({ id: 'old', dataFile });
    const deleted = await kubectl(
      dir,
      cluster.url,
      'delete',
      'namespace',
      'default',
      'kube-public',
    );
    expect(deleted.code).toBe(0);
    const without = await kubectl(dir, cluster.url, 'get', 'namespace', 'default');
    expect(without.stderr).toContain('namespaces "default" not found');
    await cluster.close();
    const again = await start({ id: 'old', dataFile });
    const ns = await kubectl(dir, again.url, 'get', 'namespaces', '-o', 'name');
    expect(ns.stdout).toContain('namespace/default');
    expect(ns.stdout).toContain('namespace/kube-public');
  });
});

describe('FailedScheduling events', () => {
  it.each([
    [
      'no toleration',
      1,
      false,
      '0/2 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: present}.',
    ],
    ['too many GPUs', 5, true, '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.'],
  ] as const)('%s: get events and describe pod say why', async (_what, gpus, tolerate, want) => {
    const cluster = await start({ id: 'ev' });
    const dir = tempDir('sim-kubectl-ev-');
    writeFileSync(join(dir, 'job.yaml'), jobYaml('stuck', gpus, tolerate));
    expect((await kubectl(dir, cluster.url, 'create', '-f', 'job.yaml')).code).toBe(0);
    const events = await waitFor('FailedScheduling event', async () => {
      const r = await kubectl(dir, cluster.url, 'get', 'events');
      return r.stdout.includes('FailedScheduling') ? r : undefined;
    });
    const lines = events.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d+s\s+Warning\s+FailedScheduling\s+pod\/stuck-[a-z0-9]{5}\s+/);
    expect(lines[1]).toContain(want);

    const pod = await kubectl(
      dir,
      cluster.url,
      'get',
      'pods',
      '-l',
      'job-name=stuck',
      '-o',
      'name',
    );
    const describe = await kubectl(dir, cluster.url, 'describe', pod.stdout.trim());
    expect(describe.code).toBe(0);
    const section = describe.stdout.slice(describe.stdout.indexOf('Events:'));
    expect(section).toMatch(/Warning\s+FailedScheduling\s+\d+s\s+default-scheduler\s+0\/2 nodes/);
    expect(section).toContain(want);

    // The same event through a watch, as `kubectl get events -w` and informers read them.
    const watch = await fetch(
      `${cluster.url}/api/v1/namespaces/default/events?watch=true&timeoutSeconds=1`,
    );
    const first = JSON.parse((await watch.text()).split('\n')[0] ?? '') as {
      type: string;
      object: { reason: string; type: string; involvedObject: { kind: string; name: string } };
    };
    expect(first).toMatchObject({
      type: 'ADDED',
      object: { reason: 'FailedScheduling', type: 'Warning', involvedObject: { kind: 'Pod' } },
    });
    expect(`pod/${first.object.involvedObject.name}`).toBe(pod.stdout.trim());
  });

  it('deleting the namespace deletes its events', async () => {
    const cluster = await start({ id: 'gone' });
    const dir = tempDir('sim-kubectl-ev-');
    writeFileSync(join(dir, 'job.yaml'), jobYaml('stuck', 1, false));
    expect((await kubectl(dir, cluster.url, 'create', 'namespace', 'team-x')).code).toBe(0);
    expect((await kubectl(dir, cluster.url, 'create', '-n', 'team-x', '-f', 'job.yaml')).code).toBe(
      0,
    );
    await waitFor('FailedScheduling event', async () => {
      const r = await kubectl(dir, cluster.url, 'get', 'events', '-n', 'team-x');
      return r.stdout.includes('FailedScheduling');
    });
    expect((await kubectl(dir, cluster.url, 'delete', 'namespace', 'team-x')).code).toBe(0);
    const all = await kubectl(dir, cluster.url, 'get', 'events', '-A');
    expect(all.stderr).toContain('No resources found');
  });

  it('a schedulable pod gets no event', async () => {
    const cluster = await start({ id: 'ok' });
    const dir = tempDir('sim-kubectl-ev-');
    writeFileSync(join(dir, 'job.yaml'), jobYaml('fine', 1, true));
    expect((await kubectl(dir, cluster.url, 'create', '-f', 'job.yaml')).code).toBe(0);
    await waitFor('pod running', async () => {
      const r = await kubectl(dir, cluster.url, 'get', 'pods', '-l', 'job-name=fine');
      return r.stdout.includes('Running') || r.stdout.includes('Completed');
    });
    const events = await kubectl(dir, cluster.url, 'get', 'events');
    expect(events.stderr).toContain('No resources found in default namespace.');
  });
});
