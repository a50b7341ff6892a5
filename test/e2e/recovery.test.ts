// Recovery end to end: the real server, two simulated clusters and the in-process pull drainers.
// A node lost under a running job (the simulated taint manager fails its pod with DisruptionTarget)
// makes the job run again on the other cluster, where it succeeds; a job exiting 3 retries only
// when `retry.onExitCodes` lists 3, and its view lists every run.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/server-process.js';
import { useTwoClusterServer } from '../support/two-cluster-server.js';

type Attempt = { attempt: number; clusterId: string; outcome: string; reason: string };
type Job = {
  id: string;
  state: string;
  clusterId: string | null;
  kubernetes: { name: string } | null;
  attempts: Attempt[];
  events: Array<{ state?: string; reason: string; message: string }>;
};
type PodList = { items: Array<{ metadata: { name: string }; spec: { nodeName?: string } }> };

const SETTINGS = `
server: { port: 0 }
scheduling: { admissionIntervalSeconds: 0.2 }
`;

describe('recovery', () => {
  const { api, sims } = useTwoClusterServer({
    dirPrefix: 'sy-recovery',
    settings: SETTINGS,
    policyVersion: 'recovery-1',
  });

  const submit = async (name: string, env: Record<string, string>, extra: object = {}) => {
    const res = await api<Job>('POST', '/v1/jobs', {
      name,
      project: 'ha',
      image: 'busybox',
      env,
      resources: { accelerator: { type: 'nvidia-a100', count: 8 } },
      ...extra,
    });
    expect(res.status).toBe(202);
    return res.body;
  };
  const until = (id: string, pred: (j: Job) => boolean, what: string) =>
    waitFor(
      async () => {
        const { body } = await api<Job>('GET', `/v1/jobs/${id}`);
        return pred(body) ? body : undefined;
      },
      20_000,
      what,
    );

  it('a node lost under a running job: the job runs again on the other cluster and succeeds', async () => {
    const job = await submit('node-lost', { SIM_DURATION_SECONDS: '3' });
    expect(job.clusterId).toBe('aws-main');
    // The pod runs on a node of aws-main: lose that node.
    const node = await waitFor(
      async () => {
        const pods = (await (
          await fetch(`${sims['aws-main']}/api/v1/namespaces/sy-admin/pods`)
        ).json()) as PodList;
        return pods.items.find((p) => p.metadata.name.startsWith(`sy-${job.id}`))?.spec.nodeName;
      },
      10_000,
      'the pod to be bound to a node',
    );
    const lost = await fetch(`${sims['aws-main']}/sim/faults`, {
      method: 'PUT',
      body: JSON.stringify({ loseNodes: [node] }),
    });
    expect(lost.status).toBe(200);
    const done = await until(
      job.id,
      (j) => j.state === 'succeeded',
      'the job to succeed elsewhere',
    );
    expect(done.clusterId).toBe('onprem-spare');
    expect(done.attempts.map((a) => [a.attempt, a.clusterId, a.outcome, a.reason])).toEqual([
      [1, 'aws-main', 'retried', 'DeletionByTaintManager'],
      [2, 'onprem-spare', 'succeeded', 'CompletionsReached'],
    ]);
    const requeued = done.events.find((e) => e.state === 'pending');
    expect(requeued?.reason).toBe('DeletionByTaintManager');
    expect(requeued?.message).toContain('attempt 2 of 3');
    expect(done.events.filter((e) => e.state === 'dispatched')).toHaveLength(2);
    await fetch(`${sims['aws-main']}/sim/faults`, { method: 'PUT', body: '{}' });
  });

  it('a job exiting 3 retries with onExitCodes [3] until maxAttempts; without it, fails at once', async () => {
    const env = { SIM_DURATION_SECONDS: '0', SIM_EXIT_CODE: '3' };
    const retried = await submit('exit-3-retry', env, {
      retry: { maxAttempts: 2, backoffSeconds: 0, onExitCodes: [3] },
    });
    const once = await submit('exit-3-once', env);
    const failed = await until(retried.id, (j) => j.state === 'failed', 'the retried job to fail');
    expect(failed.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retried'],
      [2, 'failed'],
    ]);
    expect(failed.kubernetes?.name).toBe(`sy-${retried.id}-r2`);
    expect(failed.events.filter((e) => e.reason === 'RetryOnExitCode')).toHaveLength(1);
    const plain = await until(once.id, (j) => j.state === 'failed', 'the plain job to fail');
    expect(plain.attempts.map((a) => a.outcome)).toEqual(['failed']);
    expect(
      plain.events.some((e) => e.state === 'pending' && e.reason !== 'WaitingForCapacity'),
    ).toBe(false);
  });
});
