/** Persistence with a data file: across close()/restart, and across kill -9 of the process. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { clients, conditionTrue, gpuJob, startTestSim, tempDir, waitFor } from './helpers.js';

let sim: SimCluster | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

describe('persistence', () => {
  it('keeps objects, resourceVersion and stats across close and restart; a running job finishes on time', async () => {
    const dataFile = join(tempDir(), 'sim.db');
    sim = await startTestSim({ dataFile });
    let c = clients(sim.url);
    await c.core.createNamespace({
      body: { metadata: { name: 'team-a', labels: { keep: 'me' } } },
    });
    await c.batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'survivor', seconds: 2 }),
    });
    await waitFor(
      'running',
      async () =>
        (await c.batch.readNamespacedJob({ namespace: 'team-a', name: 'survivor' })).status
          ?.ready === 1,
    );
    const before = await c.batch.listJobForAllNamespaces();
    await sim.close();

    sim = await startTestSim({ dataFile });
    c = clients(sim.url);
    const ns = await c.core.readNamespace({ name: 'team-a' });
    expect(ns.metadata?.labels).toMatchObject({ keep: 'me' });
    const after = await c.batch.listJobForAllNamespaces();
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(before.metadata?.resourceVersion),
    );
    expect(after.items[0]?.metadata?.uid).toBe(before.items[0]?.metadata?.uid);
    expect(sim.stats().creates).toEqual({ 'team-a/survivor': 1 });
    const done = await waitFor(
      'complete after restart',
      async () => {
        const j = await c.batch.readNamespacedJob({ namespace: 'team-a', name: 'survivor' });
        return conditionTrue(j, 'Complete') ? j : undefined;
      },
      5_000,
    );
    const time = (d: Date | string | undefined) => new Date(d ?? NaN).getTime();
    const ran = time(done.status?.completionTime) - time(done.status?.startTime);
    expect(ran).toBeGreaterThanOrEqual(1_000);
    expect(ran).toBeLessThanOrEqual(3_000);
  });

  it('survives kill -9 of the process (write-through SQLite)', async () => {
    const dataFile = join(tempDir(), 'sim.db');
    const start = async () => {
      const proc = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'infra/sim-cluster/main.ts',
          '--id',
          'k9',
          '--port',
          '0',
          '--pool',
          'nvidia-a100:1x8',
          '--data',
          dataFile,
          '--tick',
          '50',
          '--quiet',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      child = proc;
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      return waitFor('sim url', () => /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0], 15_000);
    };
    let url = await start();
    let c = clients(url);
    await c.core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const created = await c.batch.createNamespacedJob({
      namespace: 'team-a',
      body: gpuJob({ name: 'crashy', seconds: 1 }),
    });
    child?.kill('SIGKILL');
    await waitFor('process gone', () => child?.exitCode !== null || child?.signalCode !== null);
    url = await start();
    c = clients(url);
    const job = await c.batch.readNamespacedJob({ namespace: 'team-a', name: 'crashy' });
    expect(job.metadata?.uid).toBe(created.metadata?.uid);
    const stats = (await (await fetch(`${url}/sim/stats`)).json()) as {
      creates: Record<string, number>;
    };
    expect(stats.creates).toEqual({ 'team-a/crashy': 1 });
    await waitFor(
      'complete after crash',
      async () =>
        conditionTrue(
          await c.batch.readNamespacedJob({ namespace: 'team-a', name: 'crashy' }),
          'Complete',
        ),
      6_000,
    );
    child?.kill('SIGTERM');
    await waitFor('clean exit', () => child?.exitCode !== null, 5_000);
  });
});
