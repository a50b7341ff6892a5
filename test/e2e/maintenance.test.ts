// A fleet upgrade end to end on the real server: three simulated H100 clusters upgraded with
// `maxUnavailable: 1` while jobs keep arriving. The operator's upgrade system is a signed-webhook
// receiver that, told "cluster X is drained: upgrade it", calls the simulated cluster's
// /sim/upgrade; readiness is the new kubelet version in the drainer's heartbeat. The control plane
// is killed with SIGKILL mid-plan and the plan carries on after the restart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { MaintenancePlan } from '../../shared/domain/maintenance.js';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';

const CLUSTERS = ['gcp-europe-west4', 'gcp-us-central1', 'onprem-dc2'];
const NEW_VERSION = 'v1.33.1-upgraded';
const SECRET = 'whsec_' + Buffer.from('maintenance-e2e-secret!!').toString('base64');
type Api = ReturnType<typeof apiClient>;
type ClusterList = { items: Array<{ id: string; status: string; simulated?: { apiUrl: string } }> };
type JobBody = { id: string; state: string };

/** The operator's upgrade system: verifies each webhook and upgrades the cluster it names. */
async function upgradeSystem(apiNow: () => Api) {
  const wh = new Webhook(SECRET);
  const received: Array<{ type: string; clusterId: string | null; verified: boolean }> = [];
  const upgrade = async (clusterId: string) => {
    const { body } = await apiNow()<ClusterList>('GET', '/v1/clusters');
    const apiUrl = body.items.find((c) => c.id === clusterId)?.simulated?.apiUrl;
    await fetch(`${apiUrl}/sim/upgrade`, {
      method: 'POST',
      body: JSON.stringify({ version: NEW_VERSION, nodeRestartMs: 50 }),
    });
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, `${v}`]));
      try {
        const p = wh.verify(Buffer.concat(chunks).toString(), headers) as {
          type: string;
          data: { clusterId: string | null };
        };
        received.push({ type: p.type, clusterId: p.data.clusterId, verified: true });
        if (p.type === 'maintenance.cluster.upgrade-requested') void upgrade(p.data.clusterId!);
        res.writeHead(204).end();
      } catch {
        received.push({ type: '?', clusterId: null, verified: false });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upgrade`,
    received,
    upgrade,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('a rolling fleet upgrade', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-maintenance-'));
  let server: ServerProcess | undefined;
  let receiver: Awaited<ReturnType<typeof upgradeSystem>> | undefined;

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never has two clusters out, fails no job, and survives kill -9 mid-plan', async () => {
    const config = parse(readFileSync('infra/config/embedded.yaml', 'utf8'));
    config.drainers = { heartbeatSeconds: 0.3 };
    config.scheduling = { ...config.scheduling, admissionIntervalSeconds: 0.3 };
    config.webhooks = { ...config.webhooks, intervalSeconds: 0.2 };
    // One admin token submits the job stream and polls every job each round: more than the
    // default 100 requests/s. Rate limiting has its own tests; here it would only hide states.
    config.rateLimit = { perSecond: 1000, burst: 2000 };
    writeFileSync(join(dir, 'config.yaml'), stringify(config));
    const env = { SWITCHYARD_CONFIG: join(dir, 'config.yaml') };
    server = await startServer({ dataDir: dir, env });
    let api = apiClient(server.url, server.token);
    receiver = await upgradeSystem(() => api);

    // A steady stream of one-GPU H100 jobs, which only these three clusters run.
    const jobs: string[] = [];
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        const res = await api<JobBody>('POST', '/v1/jobs', {
          name: `steady-${i}`,
          project: 'upgrade',
          image: 'busybox',
          env: { SIM_DURATION_SECONDS: '1' },
          resources: { accelerator: { type: 'nvidia-h100', count: 1 } },
        }).catch(() => undefined); // the server is down for a moment
        if (res?.status === 202) jobs.push(res.body.id);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await waitFor(async () => (jobs.length >= 3 ? true : undefined), 10_000, 'first jobs');
    // A longer job on the second cluster, so the crash below comes while it drains (not while a
    // webhook is in flight, which the delivery worker would only retry after its lease).
    const long = await api<JobBody>('POST', '/v1/jobs', {
      name: 'long',
      project: 'upgrade',
      image: 'busybox',
      env: { SIM_DURATION_SECONDS: '6' },
      resources: { accelerator: { type: 'nvidia-h100', count: 1 } },
      constraints: { clusters: ['gcp-us-central1'] },
    });
    expect(long.status).toBe(202);
    jobs.push(long.body.id);

    const start = await api<MaintenancePlan>('POST', '/v1/maintenance', {
      description: 'kubelet upgrade',
      clusters: CLUSTERS,
      maxUnavailable: 1,
      drainTimeoutSeconds: 120,
      upgrade: { webhook: { url: receiver.url, secret: SECRET } },
    });
    expect(start.status).toBe(201);
    expect(JSON.stringify(start.body)).not.toContain(SECRET);
    const id = start.body.id;

    // Watch the fleet: never two of the three out of service at once.
    let maxOut = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const res = await api<ClusterList>('GET', '/v1/clusters').catch(() => undefined);
        const out = res?.body.items?.filter(
          (c) => CLUSTERS.includes(c.id) && c.status !== 'active' && c.status !== 'offline',
        );
        if (out) maxOut = Math.max(maxOut, out.length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const plan = async () => (await api<MaintenancePlan>('GET', `/v1/maintenance/${id}`)).body;

    // Crash once the first cluster is done and the second drains (its webhook delivered).
    await waitFor(
      async () =>
        (await plan()).steps[1]!.state === 'draining' &&
        receiver!.received.some(
          (r) => r.type === 'maintenance.cluster.draining' && r.clusterId === CLUSTERS[1],
        )
          ? true
          : undefined,
      20_000,
      'the second cluster draining',
    );
    await new Promise((r) => setTimeout(r, 300)); // the delivery is recorded
    await server.kill9();
    server = await startServer({ dataDir: dir, env });
    api = apiClient(server.url, server.token);
    // The upgrade system resumes its own work too: a cluster whose roll the crash cut short.
    for (const step of (await plan()).steps.filter((s) => s.state === 'upgrading')) {
      await receiver.upgrade(step.clusterId);
    }

    const final = await waitFor(
      async () => {
        const p = await plan();
        return p.state === 'succeeded' ? p : undefined;
      },
      30_000,
      'the plan to succeed',
    );
    streaming = false;
    await stream;
    watching = false;
    await watch;

    expect(maxOut).toBe(1);
    expect(final.steps.map((s) => [s.clusterId, s.state, s.toVersion])).toEqual(
      CLUSTERS.map((c) => [c, 'done', NEW_VERSION]),
    );
    const story = final.events.map((e) => `${e.type}${e.clusterId ? ` ${e.clusterId}` : ''}`);
    expect(story[0]).toBe('plan.started');
    expect(story.at(-1)).toBe('plan.succeeded');
    for (const c of CLUSTERS) {
      const mine = story.filter((s) => s.endsWith(` ${c}`));
      expect(mine).toEqual([
        `cluster.draining ${c}`,
        `cluster.upgrade-requested ${c}`,
        `cluster.done ${c}`,
      ]);
    }
    // Clusters one after another: each starts draining only after the previous one is done.
    const order = story.filter(
      (s) => s.startsWith('cluster.draining') || s.startsWith('cluster.done'),
    );
    expect(order).toEqual(CLUSTERS.flatMap((c) => [`cluster.draining ${c}`, `cluster.done ${c}`]));
    // The webhooks tell the same story, signed.
    await waitFor(
      async () =>
        receiver!.received.some((r) => r.type === 'maintenance.plan.succeeded') ? true : undefined,
      10_000,
      'the last webhook',
    );
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const hooks = new Set(receiver.received.map((r) => `${r.type} ${r.clusterId ?? ''}`.trim()));
    for (const s of story) expect(hooks).toContain(`maintenance.${s}`);

    const { body: clusters } = await api<ClusterList>('GET', '/v1/clusters');
    for (const c of CLUSTERS) {
      expect(clusters.items.find((x) => x.id === c)?.status).toBe('active');
    }
    // Every job of the stream succeeds.
    const states = await waitFor(
      async () => {
        const all = await Promise.all(
          jobs.map(async (j) => (await api<JobBody>('GET', `/v1/jobs/${j}`)).body.state),
        );
        return all.every((s) => s === 'succeeded' || s === 'failed' || s === 'cancelled')
          ? all
          : undefined;
      },
      30_000,
      'every job to end',
    );
    expect(jobs.length).toBeGreaterThan(10);
    expect(states.filter((s) => s !== 'succeeded')).toEqual([]);
  }, 90_000);
});
