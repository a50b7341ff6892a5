// Load with crashes (RELIABILITY.md "Load"): several tenants submit a few hundred jobs with
// Idempotency-Keys while the server is killed with SIGKILL twice at arbitrary points and started
// again. Clients retry every request whose outcome they did not see, with the same key. The checker
// then counts the jobs in the store and the creates in every simulated cluster: zero lost, zero
// duplicated, every job succeeded, and none ran twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const PER_TENANT = 60;

type Job = {
  id: string;
  state: string;
  name: string;
  kubernetes: { namespace: string; name: string } | null;
};

describe('load with kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-chaos-'));
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing and duplicates nothing', async () => {
    server = await startServer({ dataDir: dir });
    const admin = () => apiClient(server!.url, server!.token);
    const tokens: Record<string, string> = {};
    for (const tenant of TENANTS) {
      const r = await admin()<{ token: string }>('POST', '/v1/tokens', {
        tenantId: tenant,
        scopes: ['jobs:submit', 'jobs:read'],
        projects: ['*'],
      });
      expect(r.status).toBe(201);
      tokens[tenant] = r.body.token;
    }

    // Every submission is retried with its key until an answer is seen; at most 60 s each.
    const submitted = new Map<string, string>(); // `${tenant}/${key}` → job id
    let unanswered = 0; // requests whose outcome the client never saw
    const submitOne = async (tenant: string, i: number) => {
      const key = `${tenant}-${i}`;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        try {
          const r = await apiClient(server!.url, tokens[tenant]!)<Job>(
            'POST',
            '/v1/jobs',
            {
              name: `load-${i}`,
              project: 'load',
              image: 'busybox',
              env: { SIM_DURATION_SECONDS: '1' },
              resources: { accelerator: { type: i % 3 ? 'nvidia-a100' : 'nvidia-h100', count: 1 } },
            },
            { 'idempotency-key': key },
          );
          if (r.status === 202) {
            submitted.set(`${tenant}/${key}`, r.body.id);
            return;
          }
        } catch {
          unanswered++; // connection refused or reset: the server is down; retry with the key
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      throw new Error(`no answer for ${tenant}/${key} within 60 s`);
    };

    const load = Promise.all(
      TENANTS.map(async (tenant) => {
        for (let i = 0; i < PER_TENANT; i++) await submitOne(tenant, i);
      }),
    );
    // Two crashes in the middle of the run (after a quarter and after half of the submissions have
    // been answered), each followed by a restart on the same data.
    for (const fraction of [0.25, 0.5]) {
      const want = Math.floor(TENANTS.length * PER_TENANT * fraction);
      await waitFor(
        async () => (submitted.size >= want ? true : undefined),
        60_000,
        `${want} answers`,
      );
      await server.kill9();
      server = await startServer({ dataDir: dir });
    }
    await load;
    expect(submitted.size).toBe(TENANTS.length * PER_TENANT);
    expect(unanswered).toBeGreaterThan(0); // the crashes really cut requests off

    // Every tenant's store holds exactly its jobs, each once, and all of them finish.
    const final = await waitFor(
      async () => {
        const all: Job[] = [];
        for (const tenant of TENANTS) {
          const { body } = await apiClient(server!.url, tokens[tenant]!)<{ items: Job[] }>(
            'GET',
            '/v1/jobs?project=load&limit=500',
          );
          all.push(...body.items);
        }
        return all.every((j) => j.state === 'succeeded') ? all : undefined;
      },
      120_000,
      'every job to succeed',
    );
    expect(final).toHaveLength(TENANTS.length * PER_TENANT);
    expect(new Set(final.map((j) => j.id)).size).toBe(final.length);
    expect(new Set(submitted.values())).toEqual(new Set(final.map((j) => j.id)));

    // Every cluster created each Kubernetes Job at most once, and each job exactly once overall.
    const clusters = await admin()<{ items: Array<{ simulated: { apiUrl: string } }> }>(
      'GET',
      '/v1/clusters',
    );
    const creates = new Map<string, number>();
    for (const c of clusters.body.items) {
      const stats = (await (await fetch(`${c.simulated.apiUrl}/sim/stats`)).json()) as {
        creates: Record<string, number>;
      };
      for (const [name, n] of Object.entries(stats.creates))
        creates.set(name, (creates.get(name) ?? 0) + n);
    }
    // Nothing but the control plane died, so no job may run twice: a second run (an automatic
    // retry after an infrastructure failure gets its own name, `sy-<id>-r<n>`) means a restart was
    // taken for a lost workload. Each run's Kubernetes Job is created exactly once all the same.
    const ranTwice: string[] = [];
    for (const job of final) {
      const tenant = TENANTS.find(
        (t) => submitted.get(`${t}/${t}-${job.name.slice(5)}`) === job.id,
      )!;
      const tenantNs = `sy-${tenant}`;
      const runs = [...creates].filter(([name]) => name.startsWith(`${tenantNs}/sy-${job.id}`));
      for (const [name, n] of runs) expect(n, `creates of ${name}`).toBe(1);
      const last = `${tenantNs}/${job.kubernetes?.name ?? `sy-${job.id}`}`;
      expect(creates.get(last), `creates of ${job.id}'s last run`).toBe(1);
      if (runs.length > 1) {
        // Say why each run ended: the events of the job name the reason.
        const view = await apiClient(server!.url, tokens[tenant]!)<{
          events: Array<{ state: string; reason: string; message: string }>;
        }>('GET', `/v1/jobs/${job.id}`);
        const events = view.body.events.map((e) => `${e.state ?? '-'} ${e.reason}: ${e.message}`);
        ranTwice.push(`${job.id} (${runs.length} runs): ${events.join(' | ')}`);
      }
    }
    expect(ranTwice, 'jobs that ran more than once, with their events').toEqual([]);
  }, 300_000);
});
