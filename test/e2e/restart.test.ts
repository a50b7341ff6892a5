// Crash safety: kill -9 the real server while jobs are queued, being created and running; start it
// again on the same data directory. Every job must still be there and finish, and no Kubernetes
// Job may be created twice (the simulated clusters count successful creates per name, durably).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';

type JobBody = { id: string; state: string; clusterId: string | null };
type ClusterList = { items: Array<{ id: string; simulated: { apiUrl: string } }> };

describe('kill -9 and restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-restart-'));
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every job, drains queued work, and creates no Job twice', async () => {
    server = await startServer({ dataDir: dir });
    let api = apiClient(server.url, server.token);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { status, body } = await api<JobBody>('POST', '/v1/jobs', {
        name: `batch-${i}`,
        project: 'restart',
        image: 'busybox',
        env: { SIM_DURATION_SECONDS: String(1 + (i % 3)) },
        resources: { accelerator: { type: i % 2 ? 'nvidia-h100' : 'nvidia-a100', count: 4 } },
      });
      expect(status).toBe(202);
      ids.push(body.id);
    }
    // Let some of them start running, then crash mid-flight.
    await waitFor(
      async () => {
        const { body } = await api<{ items: JobBody[] }>(
          'GET',
          '/v1/jobs?project=restart&state=running',
        );
        return body.items.length > 0 ? true : undefined;
      },
      30_000,
      'a running job',
    );
    const token = server.token;
    await server.kill9();

    server = await startServer({ dataDir: dir });
    expect(server.token).toBe(token); // same admin token, not a new bootstrap
    api = apiClient(server.url, server.token);

    const final = await waitFor(
      async () => {
        const jobs = await Promise.all(
          ids.map(async (id) => (await api<JobBody>('GET', `/v1/jobs/${id}`)).body),
        );
        return jobs.every((j) => j.state === 'succeeded') ? jobs : undefined;
      },
      90_000,
      'every job to succeed after the restart',
    );
    expect(final).toHaveLength(12);

    const clusters = await api<ClusterList>('GET', '/v1/clusters');
    const creates: Record<string, number> = {};
    for (const c of clusters.body.items) {
      const stats = (await (await fetch(`${c.simulated.apiUrl}/sim/stats`)).json()) as {
        creates: Record<string, number>;
      };
      for (const [name, n] of Object.entries(stats.creates))
        creates[name] = (creates[name] ?? 0) + n;
    }
    for (const id of ids) expect(creates[`sy-admin/sy-${id}`], `creates of sy-${id}`).toBe(1);
    // Two server starts, a message leased by the killed drainer coming back after
    // queue.visibilitySeconds (10 s), and the jobs' own run times: the test's time is its waits'.
  }, 120_000);
});
