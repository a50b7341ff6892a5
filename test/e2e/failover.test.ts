// Failover, drain and outages end to end: the real server with two A100 clusters (simulated), a
// policy that prefers one of them, and faults injected into the simulated Kubernetes APIs. Jobs
// must land on the other cluster, and no job may be created (or run) on two clusters.
import { beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/server-process.js';
import { useTwoClusterServer } from '../support/two-cluster-server.js';

type Job = {
  id: string;
  state: string;
  clusterId: string | null;
  events: Array<{ state?: string; reason: string; message: string }>;
};

type Cluster = { id: string; status: string; simulated: { apiUrl: string } };

const SETTINGS = `
server: { port: 0 }
scheduling: { heartbeatTimeoutSeconds: 5, offlineGraceSeconds: 5, admissionIntervalSeconds: 0.5, redispatchAfterSeconds: 5 }
queue: { visibilitySeconds: 5, maxAttempts: 10 }
webhooks: { allowHosts: ['127.0.0.1'] }
`;

describe('failover, drain and outages', () => {
  const { api, sims } = useTwoClusterServer({
    dirPrefix: 'sy-failover',
    settings: SETTINGS,
    policyVersion: 'ha-1',
  });

  const faults = async (cluster: string, f: object) => {
    const res = await fetch(`${sims[cluster]}/sim/faults`, {
      method: 'PUT',
      body: JSON.stringify(f),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.ok).toBe(true);
  };
  const creates = async (cluster: string, jobId: string): Promise<number> => {
    const stats = (await (await fetch(`${sims[cluster]}/sim/stats`)).json()) as {
      creates: Record<string, number>;
    };
    return stats.creates[`sy-admin/sy-${jobId}`] ?? 0;
  };
  const submit = async (name: string, seconds = 1) =>
    (
      await api<Job>('POST', '/v1/jobs', {
        name,
        project: 'ha',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: String(seconds) },
        resources: { accelerator: { type: 'nvidia-a100', count: 2 } },
      })
    ).body;
  const until = (id: string, pred: (j: Job) => boolean, ms: number, what: string) =>
    waitFor(
      async () => {
        const { body } = await api<Job>('GET', `/v1/jobs/${id}`);
        return pred(body) ? body : undefined;
      },
      ms,
      what,
    );

  beforeEach(async () => {
    await faults('aws-main', {});
    await api('POST', '/v1/clusters/aws-main/uncordon');
  });

  it('places on the preferred cluster when it is healthy, recording the policy version', async () => {
    const job = await submit('healthy');
    expect(job.clusterId).toBe('aws-main');
    const { body } = await api<
      Job & { decision: { policyVersion: string; matchedRules: string[] } }
    >('GET', `/v1/jobs/${job.id}`);
    expect(body.decision.policyVersion).toBe('ha-1');
    expect(body.decision.matchedRules).toEqual(['prefer-aws']);
    await until(job.id, (j) => j.state === 'succeeded', 30_000, 'healthy job to succeed');
  });

  it('re-places a job whose create is refused (403 quota) within seconds, and runs it once', async () => {
    await faults('aws-main', { failCreates: { status: 403 } });
    const job = await submit('refused');
    expect(job.clusterId).toBe('aws-main');
    const done = await until(
      job.id,
      (j) => j.state === 'succeeded',
      30_000,
      'the refused job to run elsewhere',
    );
    expect(done.clusterId).toBe('onprem-spare');
    expect(done.events.map((e) => e.reason)).toContain('CreateForbidden');
    expect(await creates('aws-main', job.id)).toBe(0);
    expect(await creates('onprem-spare', job.id)).toBe(1);
  });

  it('drain moves dispatched-but-not-created work away; the cluster never creates it', async () => {
    await faults('aws-main', { down: true });
    const job = await submit('drained');
    expect(job.clusterId).toBe('aws-main');
    const drain = await api<{
      moved: Array<{ jobId: string; clusterId: string }>;
      cluster: Cluster;
    }>('POST', '/v1/clusters/aws-main/drain');
    expect(drain.status).toBe(200);
    expect(drain.body.cluster.status).toBe('draining');
    expect(drain.body.moved).toContainEqual(
      expect.objectContaining({ jobId: job.id, clusterId: 'onprem-spare' }),
    );
    await until(
      job.id,
      (j) => j.state === 'succeeded',
      30_000,
      'the drained job to finish elsewhere',
    );
    await faults('aws-main', {}); // back: the old message is redelivered and must be skipped
    const later = await submit('while-draining');
    expect(later.clusterId).toBe('onprem-spare'); // draining clusters take no new work
    await until(
      later.id,
      (j) => j.state === 'succeeded',
      30_000,
      'new work to run on the other cluster',
    );
    await new Promise((r) => setTimeout(r, 6_000)); // past the visibility timeout of the old message
    expect(await creates('aws-main', job.id)).toBe(0);
  });

  it('moves not-yet-started work off a cluster that stays away past the grace period', async () => {
    await faults('aws-main', { down: true });
    const job = await submit('outage');
    expect(job.clusterId).toBe('aws-main');
    const moved = await until(
      job.id,
      (j) => j.clusterId === 'onprem-spare',
      40_000,
      'the job to move off the offline cluster',
    );
    expect(moved.events.map((e) => e.reason)).toContain('ClusterOffline');
    const cluster = await api<Cluster>('GET', '/v1/clusters/aws-main');
    expect(cluster.body.status).toBe('offline');
    await until(job.id, (j) => j.state === 'succeeded', 30_000, 'the moved job to finish');
    await faults('aws-main', {});
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await creates('aws-main', job.id)).toBe(0);
    expect(await creates('onprem-spare', job.id)).toBe(1);
  });
});
