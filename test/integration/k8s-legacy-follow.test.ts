// A pull drainer upgraded to deployment ids, on a simulated cluster still running Jobs made before
// them (no `switchyard.io/deployment` label): it follows the one its control plane expects to
// `succeeded` (shared/drainer/legacy.ts) and leaves the other — which may be another deployment's
// — alone: never reported, never deleted. The control plane answers `delete` for any job it does
// not know, as shared/dispatch/control.ts does, so a report of the other would delete it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { systemClock } from '../../shared/base/clock.js';
import type { Logger } from '../../shared/base/log.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import type { ControlPlane, StatusReport } from '../../shared/protocol/control-port.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import { startTestSim, waitFor } from '../sim-cluster/helpers.js';
import { aCreateMessage, CREATE_NAMESPACE } from '../support/create-message.js';

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const NS = CREATE_NAMESPACE;

const createMessage = (jobId: string) => aCreateMessage(jobId, 'c1', 1);

let sim: SimCluster;
let old: ClusterDriver;
let prod: ClusterDriver;
let drainer: Drainer | undefined;

beforeAll(async () => {
  sim = await startTestSim({ id: 'c1' });
  // The drainer of before the upgrade: no deployment, so no deployment label on what it makes.
  old = createKubernetesCluster({ clusterId: 'c1', kubeconfig: { server: sim.url } });
  prod = createKubernetesCluster({
    clusterId: 'c1',
    kubeconfig: { server: sim.url },
    deployment: 'prod',
  });
});

afterAll(async () => {
  await drainer?.stop();
  await Promise.all([old?.close(), prod?.close()]);
  await sim?.close();
});

describe('a pull drainer and workloads made before deployment ids', () => {
  it('follows an expected unmarked Job to succeeded and leaves an unexpected one alone', async () => {
    await old.ensureNamespace(NS, {});
    for (const id of ['old-mine', 'old-other']) {
      const manifest = buildManifest(createMessage(id));
      expect(manifest.metadata.labels['switchyard.io/deployment']).toBeUndefined();
      expect(await old.createJob(manifest)).toBe('created');
    }
    const reports: StatusReport[] = [];
    let expectedCalls = 0;
    const control: ControlPlane = {
      claim: async () => ({ proceed: true }),
      report: async (r) => {
        reports.push(r);
        return r.jobId === 'old-mine' ? {} : { action: 'delete' };
      },
      heartbeat: async () => {},
      expected: async (clusterId) => {
        expectedCalls++;
        expect(clusterId).toBe('c1');
        return [{ jobId: 'old-mine', attempt: 1, namespace: NS, kubeName: 'sy-old-mine' }];
      },
    };
    drainer = createDrainer({
      queueName: 'aws',
      queue: createMemoryQueue(),
      clusters: new Map([['c1', prod]]),
      control,
      clock: systemClock,
      log: silent,
      pollMs: 50,
      targetPollMs: 100,
    });
    drainer.start();

    const phasesOf = (id: string) => reports.filter((r) => r.jobId === id).map((r) => r.phase);
    await waitFor('old-mine reported succeeded', () => phasesOf('old-mine').includes('succeeded'));
    const done = reports.find((r) => r.jobId === 'old-mine' && r.phase === 'succeeded');
    expect(done).toMatchObject({ clusterId: 'c1', attempt: 1, result: { exitCode: 0 } });
    // The other one ran to its end too, and a few more passes went by: still never reported.
    await waitFor('old-other ended', async () => {
      return (await prod.getJob(NS, 'sy-old-other'))?.phase === 'succeeded';
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(phasesOf('old-other')).toEqual([]);
    expect(reports.every((r) => r.jobId === 'old-mine')).toBe(true);
    // Its end reported once; nothing followed after it. The control plane was asked twice only:
    // once by the legacy follower, once before the watch's one list (vanished.ts) — which did not
    // list old-mine (no deployment label) but found it by its job id, so never reported it deleted.
    expect(phasesOf('old-mine').filter((p) => p === 'succeeded')).toHaveLength(1);
    expect(phasesOf('old-mine').at(-1)).toBe('succeeded');
    expect(phasesOf('old-mine')).not.toContain('deleted');
    expect(expectedCalls).toBe(2);
    // Both are still on the cluster: nothing was deleted.
    expect((await prod.getJob(NS, 'sy-old-mine'))?.phase).toBe('succeeded');
    expect((await prod.getJob(NS, 'sy-old-other'))?.phase).toBe('succeeded');
  });
});
