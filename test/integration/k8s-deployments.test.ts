// Two Switchyard deployments (staging and prod) sharing ONE simulated Kubernetes cluster, each
// with a control plane that answers `delete` for every job id it does not know (as
// shared/dispatch/control.ts `report` does): prod runs a pull drainer (watch), staging the push
// function (/push, /reconcile). Neither may report, and so delete, the other's workloads; a
// staging Job made before deployments had ids (no deployment label) is not listed but still found
// by its job id. What is on the cluster is read back with the real kubectl.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { systemClock } from '../../shared/base/clock.js';
import type { Logger } from '../../shared/base/log.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import { createPushApp } from '../../shared/drainer/push.js';
import type { ReconcileResult } from '../../shared/drainer/reconcile.js';
import type {
  ControlPlane,
  ExpectedJob,
  StatusReport,
} from '../../shared/protocol/control-port.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import { kubernetesTarget } from '../../shared/targets/kubernetes/target.js';
import { startTestSim, tempDir, waitFor } from '../sim-cluster/helpers.js';
import { pushBody } from '../support/push-delivery.js';
import { aCreateMessage, CREATE_NAMESPACE } from '../support/create-message.js';

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const NS = CREATE_NAMESPACE;

const createMessage = (jobId: string) => aCreateMessage(jobId, 'shared', 120);

/** A control plane knowing only `known`: `delete` for any other job, as control.ts answers. */
function controlPlane(known: string[]) {
  const reports: StatusReport[] = [];
  const control: ControlPlane = {
    claim: async (r) =>
      known.includes(r.jobId) ? { proceed: true } : { proceed: false, reason: 'unknown job' },
    report: async (r) => {
      reports.push(r);
      return known.includes(r.jobId) ? {} : { action: 'delete' };
    },
    heartbeat: async () => {},
    expected: async (): Promise<ExpectedJob[]> =>
      known.map((jobId) => ({ jobId, attempt: 1, namespace: NS, kubeName: `sy-${jobId}` })),
  };
  return { control, reports, reportedIds: () => new Set(reports.map((r) => r.jobId)) };
}

let sim: SimCluster;
let dir: string;
let staging: ClusterDriver;
let prod: ClusterDriver;
let drainer: Drainer | undefined;

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 20_000, cwd: dir },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || String(error))) : resolve(stdout),
    );
  });
}

/** The job ids of the Jobs (or pods) kubectl lists in the namespace with `selector`. */
async function idsOf(resource: 'jobs' | 'pods', selector: string): Promise<string[]> {
  const out = await kubectl('get', resource, '-n', NS, '-l', selector, '-o', 'json');
  const items = (JSON.parse(out) as { items: { metadata: { labels: Record<string, string> } }[] })
    .items;
  return [...new Set(items.map((i) => i.metadata.labels['switchyard.io/job-id']!))].sort();
}

beforeAll(async () => {
  sim = await startTestSim({ id: 'shared' });
  dir = tempDir('k8s-deployments-');
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {server: "${sim.url}"}\n` +
      `contexts:\n- name: sim\n  context: {cluster: sim, user: sim}\ncurrent-context: sim\n` +
      `users:\n- name: sim\n  user: {}\n`,
  );
  const driver = (deployment: string) =>
    createKubernetesCluster({ clusterId: 'shared', kubeconfig: { server: sim.url }, deployment });
  staging = driver('staging');
  prod = driver('prod');
});

afterAll(async () => {
  await drainer?.stop();
  await Promise.all([staging?.close(), prod?.close()]);
  await sim?.close();
});

describe('two deployments on one Kubernetes cluster', () => {
  it('never report or delete each other’s workloads; each lists only its own', async () => {
    const s = controlPlane(['stg-one', 'stg-two', 'stg-legacy']);
    const p = controlPlane(['prod-one', 'prod-two']);
    const push = createPushApp({
      queueName: 'aws',
      clusters: new Map([['shared', staging]]),
      control: s.control,
      clock: systemClock,
      log: silent,
      budgetMs: 8_000,
      authenticate: 'none',
    });
    const post = async (path: string, body: unknown = {}) => {
      const res = await push.request(`http://127.0.0.1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    // Staging's Job through /push, and one made before deployments had ids (no deployment label).
    expect((await post('/push', pushBody(createMessage('stg-one')))).status).toBe(200);
    const legacy = buildManifest(createMessage('stg-legacy'));
    expect(legacy.metadata.labels['switchyard.io/deployment']).toBeUndefined();
    writeFileSync(join(dir, 'legacy.json'), JSON.stringify(legacy));
    await kubectl('create', '-f', join(dir, 'legacy.json'));

    // Prod's pull drainer lists (finding staging's two Jobs were they selected) and then watches.
    const queue = createMemoryQueue();
    drainer = createDrainer({
      queueName: 'aws',
      queue,
      clusters: new Map([['shared', prod]]),
      control: p.control,
      clock: systemClock,
      log: silent,
      pollMs: 50,
    });
    drainer.start();
    await queue.publish('aws', createMessage('prod-one'));
    await waitFor('prod-one running', () =>
      p.reports.some((r) => r.jobId === 'prod-one' && r.phase === 'running'),
    );
    // A staging Job created while prod watches, then a prod one: its events come after.
    expect((await post('/push', pushBody(createMessage('stg-two')))).status).toBe(200);
    await queue.publish('aws', createMessage('prod-two'));
    await waitFor('prod-two reported', () => p.reports.some((r) => r.jobId === 'prod-two'));

    // Staging's reconcile: its two labelled Jobs listed, the legacy one found by its job id.
    const rec = await post('/reconcile');
    expect(rec.status).toBe(200);
    const result = rec.body as ReconcileResult;
    expect(result).toMatchObject({ complete: true, jobsSeen: 2, reported: 3, vanished: 0 });
    const legacyReport = s.reports.findLast((r) => r.jobId === 'stg-legacy');
    expect(legacyReport?.phase).not.toBe('deleted');

    expect([...p.reportedIds()].sort()).toEqual(['prod-one', 'prod-two']);
    expect([...s.reportedIds()].sort()).toEqual(['stg-legacy', 'stg-one', 'stg-two']);
    // Every workload is still there, labelled with its own deployment, pods included.
    const managed = 'app.kubernetes.io/managed-by=switchyard';
    expect(await idsOf('jobs', managed)).toEqual([
      'prod-one',
      'prod-two',
      'stg-legacy',
      'stg-one',
      'stg-two',
    ]);
    expect(await idsOf('jobs', 'switchyard.io/deployment=prod')).toEqual(['prod-one', 'prod-two']);
    expect(await idsOf('pods', 'switchyard.io/deployment=staging')).toEqual(['stg-one', 'stg-two']);
    // Each deployment's listing (the Target view dispatch reads) shows only its own.
    const listed = async (d: ClusterDriver) =>
      (await kubernetesTarget(d).list()).map((j) => j.jobId).sort();
    expect(await listed(prod)).toEqual(['prod-one', 'prod-two']);
    expect(await listed(staging)).toEqual(['stg-one', 'stg-two']);
    // The legacy Job is still this deployment's by name: status and cancel reach it.
    const target = kubernetesTarget(staging);
    const ref = { jobId: 'stg-legacy', namespace: NS, name: 'sy-stg-legacy' };
    expect((await target.status(ref))?.jobId).toBe('stg-legacy');
    expect(await target.cancel(ref)).toBe(true);
  });
});
