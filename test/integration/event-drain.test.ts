// Event-driven drain in the embedded system (SQLite store and queue, one simulated cluster, the
// in-process drainer): the drainer's idle wait is set to a minute, longer than this test may take,
// so a submission reaches its Kubernetes Job only because the publish woke the drainer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../functions/server/embedded.js';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { oneClusterConfig, submitAndWait } from '../support/embedded-jobs.js';

const MINUTE = 60_000;
let dir: string;
let emb: Embedded;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-event-drain-'));
  const config = oneClusterConfig('event-drain test', dir, 'sim-one', 60);
  emb = await startEmbedded(config, silentLogger, systemClock, {
    drainer: { idleWaitMs: MINUTE, pollMs: MINUTE },
  });
  await Promise.all(emb.drainers.map((d) => d.heartbeat()));
});

afterAll(async () => {
  await emb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('event-driven drain', () => {
  it('creates the Kubernetes Job of a submission while the drainer waits a minute between pulls', async () => {
    const { id, job } = await submitAndWait(emb, 'woken', {
      states: ['submitted', 'running'],
      what: 'the job to reach its cluster',
      ms: 10_000,
    });
    expect(job.clusterId).toBe('sim-one');
    expect(Object.keys((await emb.sims[0]!.stats()).creates)).toEqual([
      expect.stringContaining(id),
    ]);
  });
});
