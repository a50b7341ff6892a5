/**
 * `POST /sim/upgrade`: nodes restart one by one (never two NotReady at once), each comes back
 * with the new kubelet version, and the version a drainer reports (the lowest of the nodes') turns
 * new only when the last node has. Bad bodies and a second upgrade are refused with a message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { SIM_VERSION } from '../../infra/sim-cluster/nodes.js';
import { capacityFromKube } from '../../shared/targets/kubernetes/kube-status.js';
import { lowestKubeletVersion } from '../../shared/targets/kubernetes/node-version.js';
import { clients, startTestSim, waitFor } from './helpers.js';

let sim: SimCluster;
beforeEach(async () => {
  sim = await startTestSim({ pools: [{ accelerator: 'nvidia-a100', nodes: 3, gpusPerNode: 4 }] });
});
afterEach(() => sim.close());

const upgrade = (body: unknown) =>
  fetch(`${sim.url}/sim/upgrade`, { method: 'POST', body: JSON.stringify(body) });

describe('POST /sim/upgrade', () => {
  it('restarts the nodes one at a time and reports the new version when the last is back', async () => {
    const { core } = clients(sim.url);
    const res = await upgrade({ version: 'v1.33.1', nodeRestartMs: 150 });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { nodes: string[] };
    expect(started.nodes).toHaveLength(3);
    let maxNotReady = 0;
    const versionsSeen = new Set<string | undefined>();
    const sawNotReady = new Set<string>();
    await waitFor(
      'every node upgraded and Ready',
      async () => {
        const nodes = (await core.listNode({})).items;
        const notReady = nodes.filter(
          (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
        );
        for (const n of notReady) sawNotReady.add(n.metadata!.name!);
        maxNotReady = Math.max(maxNotReady, notReady.length);
        const lowest = lowestKubeletVersion(nodes);
        versionsSeen.add(lowest);
        // While a node restarts it offers no capacity.
        const free = capacityFromKube(nodes, [], new Date().toISOString()).accelerators[
          'nvidia-a100'
        ]?.total;
        expect(free).toBe((3 - notReady.length) * 4);
        return notReady.length === 0 && lowest === 'v1.33.1';
      },
      5_000,
      20,
    );
    expect(maxNotReady).toBe(1);
    expect([...sawNotReady].sort()).toEqual([...started.nodes].sort());
    expect([...versionsSeen]).toEqual([SIM_VERSION, 'v1.33.1']);
    expect(await (await fetch(`${sim.url}/sim/upgrade`)).json()).toEqual({ rolling: null });
  });

  it('refuses a bad body naming every field, and a second upgrade while one rolls', async () => {
    const bad = await upgrade({ version: '1.33', nodeRestartMs: -1, extra: 1 });
    expect(bad.status).toBe(400);
    const message = String(((await bad.json()) as { message: string }).message);
    expect(message).toMatch(/version must be.*nodeRestartMs must be.*unknown field\(s\): extra/);
    expect((await upgrade({ version: 'v1.34.0', nodeRestartMs: 300 })).status).toBe(202);
    const again = await upgrade({ version: 'v1.35.0' });
    expect(again.status).toBe(409);
    expect(String(((await again.json()) as { message: string }).message)).toContain('v1.34.0');
  });
});
