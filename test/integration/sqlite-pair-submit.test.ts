// Submissions on the embedded SQLite pair: each dispatched job is stored with its queue message in
// one transaction (the queue's own publish is never used, so there is no window between the two),
// and a submission that loses the race for the last of a quota leaves neither a reservation nor a
// message behind — it waits as pending. The same with the writes on the writer thread (`npm start`'s
// default), where the quota's refusal crosses the thread as the same error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { createDispatchContext } from '../../shared/dispatch/context.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { SCOPES, type Principal } from '../../shared/domain/principal.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createSqlitePair } from '../../shared/queue/sqlite-pair.node.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-pair-submit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const principal: Principal = {
  tenantId: 'acme',
  tokenId: 'tok_test',
  scopes: new Set(SCOPES),
  projects: ['*'],
};

it.each(['inline', 'thread'] as const)(
  'stores each dispatched job with its message, and nothing for one over the quota (writer %s)',
  async (writer) => {
    const pair = createSqlitePair({ path: join(dir, `state-${writer}.db`), writer });
    let publishes = 0;
    const publish = pair.queue.publish.bind(pair.queue);
    pair.queue.publish = (queue, body) => (publishes++, publish(queue, body));
    const ctx: CoreContext = {
      store: pair.store,
      queue: pair.queue,
      clock: systemClock,
      log: silentLogger,
      settings: defaultCoreSettings,
    };
    const dispatch = { ...createDispatchContext(ctx), jobPublish: pair.jobPublish };
    await pair.store.clusters.put({
      id: 'big',
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      state: 'active',
      pools: [{ accelerator: 'nvidia-a100', nodes: 100, gpusPerNode: 8 }],
      version: 1,
      updatedAt: new Date().toISOString(),
    });
    await dispatch.policy.put(principal, {
      version: 'q1',
      quotas: { tenants: { acme: { gpus: { 'nvidia-a100': 8 } } } },
    });
    const jobs = createJobService(ctx, createDispatcher(dispatch));
    const spec = (i: number) => ({
      name: `j${i}`,
      project: 'p',
      image: 'busybox',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    });
    // One turn: all twenty share group commits; the placement snapshot lets every one of them try.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => jobs.submit(principal, spec(i))),
    );
    const dispatched = results.filter((r) => r.job.state === 'dispatched').map((r) => r.job.id);
    const pending = results.filter((r) => r.job.state === 'pending');
    expect(dispatched).toHaveLength(8);
    expect(pending).toHaveLength(12);
    expect(publishes).toBe(0);
    const messages = await pair.queue.pull('aws', { max: 100, visibilityMs: 60_000 });
    expect(messages.map((m) => m.body.jobId).sort()).toEqual([...dispatched].sort());
    expect(await pair.store.usage.get(['tenant:acme:nvidia-a100'])).toEqual({
      'tenant:acme:nvidia-a100': 8,
    });
    await pair.store.close();
  },
);
