// A pull drainer keeps no memory across a restart (issue #19 "Recovery"): a Kubernetes Job deleted
// while it was down must still be reported, or its job stays `running` forever. The real control
// plane over loopback HTTP, the simulated cluster, the Job deleted with @kubernetes/client-node
// between a drainer's stop and a new drainer's start: after its first complete list the new one
// reports the deleted Job's job `deleted` (the control plane fails it), and leaves the job whose Job
// is still there `running`, never reported deleted (shared/drainer/vanished.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody } from '../security/fixture.js';
import { startDrainedApp } from '../support/drained-app.js';
import { waitFor } from '../support/server-process.js';
import { clients } from '../sim-cluster/helpers.js';

let stack: Awaited<ReturnType<typeof startDrainedApp>>;

beforeAll(async () => {
  stack = await startDrainedApp();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a pull drainer restarted after a Job was deleted', () => {
  it('reports the vanished Job deleted and leaves the one still there running', async () => {
    const { f, sent, logged } = stack;
    const acme = (await f.mint('acme', ['jobs:submit', 'jobs:read'])).token;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await f.call('POST', '/v1/jobs', {
        token: acme,
        body: jobBody('research', { env: { SIM_DURATION_SECONDS: '600' } }),
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    const [gone, kept] = ids as [string, string];
    const stateOf = async (id: string) => (await f.store.jobs.get(id))?.state;
    for (const id of ids) {
      await waitFor(
        async () => ((await stateOf(id)) === 'running' ? true : undefined),
        5_000,
        `${id} running`,
      );
    }

    await stack.stopDrainer();
    const placement = (await f.store.jobs.get(gone))!.placement!;
    const { batch } = clients(stack.sim.url);
    await batch.deleteNamespacedJob({
      namespace: placement.namespace,
      name: placement.kubeName,
      propagationPolicy: 'Background',
    });
    expect(await stack.cluster.getJob(placement.namespace, placement.kubeName)).toBeUndefined();
    const before = sent.length;
    const afterList = () =>
      logged.slice().some((l) => l.includes('expected jobs it lacked were reported'));
    expect(afterList()).toBe(false);

    stack.startDrainer();
    await waitFor(
      async () => ((await stateOf(gone)) === 'failed' ? true : undefined),
      3_000,
      'gone failed',
    );
    await waitFor(async () => (afterList() ? true : undefined), 2_000, 'the list step done');
    const reports = sent.slice(before).filter((s) => s.route === 'report');
    const deleted = reports.filter((s) => s.body.phase === 'deleted').map((s) => s.body.jobId);
    expect(deleted).toEqual([gone]);
    const job = await f.store.jobs.get(gone);
    expect(job?.events.at(-1)).toMatchObject({ state: 'failed', reason: 'KubernetesJobDeleted' });
    // Asked before its list, once: the relist is what is bounded, not every event.
    expect(sent.slice(before).filter((s) => s.route === 'expected')).toHaveLength(1);
    expect(await stateOf(kept)).toBe('running');
    expect(reports.some((s) => s.body.jobId === kept && s.body.phase === 'deleted')).toBe(false);
  });
});
