/**
 * Simulated node loss (`PUT /sim/faults {"loseNodes": [...]}`): the node turns NotReady and
 * tainted unreachable, its pods fail with the `DisruptionTarget` condition the taint manager sets,
 * their Job fails, the Kubernetes driver reads the disruption reason, and clearing the fault
 * brings the node back. Bad node names get a 400 that lists the nodes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { clients, conditionTrue, gpuJob, startTestSim, waitFor } from './helpers.js';

let sim: SimCluster;
beforeEach(async () => {
  sim = await startTestSim();
  await clients(sim.url).core.createNamespace({ body: { metadata: { name: 'team-a' } } });
});
afterEach(() => sim.close());

const putFaults = (faults: object) =>
  fetch(`${sim.url}/sim/faults`, {
    method: 'PUT',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  });

const ready = (node: V1Node) => node.status?.conditions?.find((c) => c.type === 'Ready')?.status;

async function runningPod(name: string): Promise<V1Pod> {
  const { core } = clients(sim.url);
  return waitFor(`pod of ${name} running`, async () => {
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: `job-name=${name}`,
    });
    return pods.items.find((p) => p.status?.phase === 'Running');
  });
}

describe('node loss', () => {
  it('fails the pods of a lost node with DisruptionTarget and their Job; clearing brings it back', async () => {
    const { batch, core } = clients(sim.url);
    // As Switchyard creates Jobs: a disruption fails the Job by its pod failure policy.
    const withPolicy = gpuJob({ name: 'long', seconds: 60, gpus: 2 });
    withPolicy.spec!.podFailurePolicy = {
      rules: [
        { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    };
    await batch.createNamespacedJob({ namespace: 'team-a', body: withPolicy });
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'plain', seconds: 60, gpus: 2 }),
    });
    const node = (await runningPod('long')).spec!.nodeName!;
    expect((await runningPod('plain')).spec!.nodeName).toBe(node);
    const res = await putFaults({ loseNodes: [node] });
    expect(res.status).toBe(200);

    const lost = await core.readNode({ name: node });
    expect(ready(lost)).toBe('Unknown');
    expect(lost.spec?.taints).toContainEqual(
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }),
    );
    const pods = (await core.listNamespacedPod({ namespace: 'team-a' })).items;
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Failed');
      expect(pod.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
        }),
      );
    }
    const failedBy = async (name: string) => {
      const job = await batch.readNamespacedJob({ name, namespace: 'team-a' });
      expect(conditionTrue(job, 'Failed')).toBe(true);
      return job.status?.conditions?.find((c) => c.type === 'Failed');
    };
    const byPolicy = await failedBy('long');
    expect(byPolicy?.reason).toBe('PodFailurePolicy');
    expect(byPolicy?.message).toMatch(
      /has condition DisruptionTarget matching FailJob rule at index 0/,
    );
    expect((await failedBy('plain'))?.reason).toBe('BackoffLimitExceeded');

    // The driver reads the disruption as the end's reason (what retries are decided on).
    const driver = createKubernetesCluster({ clusterId: sim.id, kubeconfig: { server: sim.url } });
    try {
      const status = await driver.getJob('team-a', 'long');
      expect(status?.phase).toBe('failed');
      expect(status?.result).toEqual({ exitCode: 137, reason: 'DeletionByTaintManager' });
      // A lost node's GPUs are not offered.
      const capacity = await driver.capacity();
      expect(capacity.accelerators['nvidia-a100']?.total).toBe(4);
    } finally {
      await driver.close();
    }

    // A new pod goes to the other node; clearing the fault brings the lost one back.
    await batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'next', seconds: 60, gpus: 4 }),
    });
    expect((await runningPod('next')).spec?.nodeName).not.toBe(node);
    expect((await putFaults({})).status).toBe(200);
    const back = await core.readNode({ name: node });
    expect(ready(back)).toBe('True');
    expect(back.spec?.taints ?? []).not.toContainEqual(
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable' }),
    );
  });

  it('refuses unknown node names and non-lists with a 400 naming the nodes', async () => {
    for (const bad of [{ loseNodes: ['nope'] }, { loseNodes: 'test-nvidia-a100-0' }]) {
      const res = await putFaults(bad);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { message: string };
      expect(body.message).toContain('loseNodes');
    }
    const body = (await (await putFaults({ loseNodes: ['nope'] })).json()) as { message: string };
    expect(body.message).toContain('test-nvidia-a100-0, test-nvidia-a100-1');
    expect(await (await fetch(`${sim.url}/sim/faults`)).json()).toEqual({});
  });
});
