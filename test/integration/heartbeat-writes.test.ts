// A heartbeat that says what the stored report says, only later, is not written until the stored
// time is a quarter of the heartbeat timeout old; a changed report is written at once; a cluster
// whose drainer stops still goes offline within the timeout of its last heartbeat, and never while
// it keeps reporting. The real control plane over a SQLite store, its cluster writes counted.
import { describe, expect, it } from 'vitest';
import { dispatchOf } from '../support/dispatch-context.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import type { CapacityReport } from '../../shared/domain/cluster.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { heartbeatUnchanged } from '../../shared/dispatch/heartbeat-write.js';
import { clusterView } from '../../shared/api/views.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';

const TIMEOUT = defaultCoreSettings.heartbeatTimeoutMs;
const EVERY = 5_000; // the drainer's heartbeat period

async function setUp() {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => now };
  const store = createSqliteStore({ path: ':memory:' });
  const writes: string[] = [];
  const update = store.clusters.update.bind(store.clusters);
  store.clusters.update = (c) => {
    writes.push(c.capacity?.reportedAt ?? '');
    return update(c);
  };
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ctx: CoreContext = {
    store,
    queue: createMemoryQueue({ clock }),
    clock,
    settings: defaultCoreSettings,
    log: quiet,
  };
  await createClusterService(ctx).register([
    {
      id: 'gpu',
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8, costPerGpuHour: 1 }],
    },
  ]);
  writes.length = 0;
  const control = createControlPlane(dispatchOf(ctx));
  const report = (free: number): CapacityReport => ({
    reportedAt: new Date(now).toISOString(),
    accelerators: { 'nvidia-a100': { total: 8, free, maxFreePerNode: free } },
    kinds: ['job'],
  });
  const status = async () =>
    clusterView((await store.clusters.get('gpu'))!, now, TIMEOUT).status as string;
  return {
    control,
    writes,
    report,
    status,
    advance: (ms: number) => void (now += ms),
    beat: (free = 8) => control.heartbeat('gpu', report(free)),
  };
}

describe('heartbeat writes', () => {
  it('writes identical heartbeats once per quarter timeout, a changed one at once', async () => {
    const t = await setUp();
    await t.beat();
    for (let i = 1; i < 10; i++) {
      t.advance(1_000);
      await t.beat();
    }
    expect(t.writes).toHaveLength(1); // 10 heartbeats within 9 s < 15 s
    t.advance(1_000);
    await t.beat(6); // two GPUs taken: written at once
    expect(t.writes).toHaveLength(2);
    t.advance(TIMEOUT / 4 - 1);
    await t.beat(6);
    expect(t.writes).toHaveLength(2);
    t.advance(1);
    await t.beat(6); // the stored time is a quarter timeout old: refreshed
    expect(t.writes).toHaveLength(3);
  });

  it('keeps a reporting cluster online and takes a silent one offline within the timeout', async () => {
    const t = await setUp();
    for (let i = 0; i < 60; i++) {
      await t.beat();
      expect(await t.status()).toBe('active');
      t.advance(EVERY);
      expect(await t.status()).toBe('active');
    }
    // 60 heartbeats over 5 min, a write per 15 s instead of one per heartbeat.
    expect(t.writes.length).toBeLessThanOrEqual(Math.ceil((60 * EVERY) / (TIMEOUT / 4)) + 1);
    expect(t.writes.length).toBeGreaterThan(1);
    // The drainer stopped after its last heartbeat, EVERY ago: offline once TIMEOUT has passed
    // since then, not later; still online three quarters of the way there.
    t.advance((TIMEOUT * 3) / 4 - EVERY);
    expect(await t.status()).toBe('active');
    t.advance(TIMEOUT / 4 + 1);
    expect(await t.status()).toBe('offline');
    await t.beat(); // back: written at once, the stored time being old
    expect(await t.status()).toBe('active');
  });

  it('compares reports regardless of key order and writes a report older than the stored one', () => {
    const a: CapacityReport = {
      reportedAt: '2030-01-01T00:00:10.000Z',
      accelerators: { x: { total: 2, free: 1, maxFreePerNode: 1 } },
      version: 'v1',
    };
    const reordered = JSON.parse(
      '{"version":"v1","accelerators":{"x":{"maxFreePerNode":1,"free":1,"total":2}},' +
        '"reportedAt":"2030-01-01T00:00:12.000Z"}',
    ) as CapacityReport;
    expect(heartbeatUnchanged(a, reordered, TIMEOUT, 2_000)).toBe(true);
    expect(heartbeatUnchanged(a, { ...reordered, version: 'v2' }, TIMEOUT, 2_000)).toBe(false);
    const older = { ...a, reportedAt: '2030-01-01T00:00:09.000Z' };
    expect(heartbeatUnchanged(a, older, TIMEOUT, 2_000)).toBe(false);
    expect(heartbeatUnchanged(undefined, a, TIMEOUT, 2_000)).toBe(false);
  });

  it('writes an unchanged report whose lead plus the gap since the last report nears half the timeout', () => {
    const stored: CapacityReport = { reportedAt: '2030-01-01T00:00:00.000Z', accelerators: {} };
    const later = (s: number) => ({ ...stored, reportedAt: `2030-01-01T00:00:${s}.000Z` });
    expect(heartbeatUnchanged(stored, later(10), TIMEOUT, 5_000)).toBe(true);
    // 10 s ahead, the previous report 25 s before this one (a late heartbeat): 35 s >= 30 s.
    expect(heartbeatUnchanged(stored, later(10), TIMEOUT, 25_000)).toBe(false);
    // The previous report is unknown (a restarted control plane): written.
    expect(heartbeatUnchanged(stored, later(10), TIMEOUT, Number.NaN)).toBe(false);
  });
});
