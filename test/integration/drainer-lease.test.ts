// A remote pull drainer leasing its queue through the control plane over loopback HTTP
// (/v1/drainer/lease, /settle): an idle long-poll answers as soon as a job is published, not at its
// timeout; an empty one answers at its timeout; a queue that cannot wake (the Worker's) answers at
// once; bad input gets a stable code.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import { createDrainer } from '../../shared/drainer/drainer.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createHttpQueue } from '../../shared/protocol/http-queue.js';
import { LEASE_MAX_WAIT_MS } from '../../shared/protocol/lease.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { startTestSim } from '../sim-cluster/helpers.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';

const VISIBILITY = 30_000;
let stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
});

async function served(wakeups: boolean) {
  const f: Fixture = await createFixture({ wakeups });
  const { token } = await f.mint(ADMIN);
  const server: ServerType = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const queue = createHttpQueue({ baseUrl: url, token, visibilityMs: VISIBILITY });
  stops.push(async () => {
    await queue.close();
    await new Promise((r) => server.close(r));
  });
  const lease = (body: unknown) =>
    fetch(`${url}/v1/drainer/lease`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { f, token, queue, lease, url };
}

describe('drainer lease long-poll', () => {
  it('answers an idle long-poll as soon as a job is published, and settles over HTTP', async () => {
    const { f, token, queue } = await served(true);
    const t0 = performance.now();
    const woken = queue.waitForMessages('aws', 10_000);
    await new Promise((r) => setTimeout(r, 150));
    const submitted = await f.call('POST', '/v1/jobs', { token, body: jobBody() });
    expect(submitted.status).toBe(202);
    const tPublished = performance.now();
    expect(await woken).toBe(true);
    const waited = performance.now() - t0;
    // Answered right after the publish, not at the 10 s timeout (nor a 1 s poll slice).
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(performance.now() - tPublished).toBeLessThan(500);
    const [message, ...rest] = await queue.pull('aws', { max: 10, visibilityMs: VISIBILITY });
    expect(rest).toEqual([]);
    expect(message!.body).toMatchObject({ kind: 'create', jobId: submitted.body.id });
    await queue.ack('aws', message!.receipt);
    f.clock.advance(VISIBILITY + 1);
    expect(await f.ctx.queue.pull('aws', { max: 10, visibilityMs: VISIBILITY })).toEqual([]);
  });

  it('answers an empty long-poll at its timeout with no messages', async () => {
    const { lease } = await served(true);
    const t0 = performance.now();
    const res = await lease({ queue: 'aws', max: 5, visibilityMs: VISIBILITY, waitMs: 400 });
    const took = performance.now() - t0;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: unknown[]; waitedMs: number };
    expect(body.messages).toEqual([]);
    expect(body.waitedMs).toBeGreaterThanOrEqual(395);
    expect(took).toBeGreaterThanOrEqual(395);
    expect(took).toBeLessThan(2_000);
  });

  it('answers at once when the queue cannot wake its consumers (as on the Worker)', async () => {
    const { lease, queue } = await served(false);
    const t0 = performance.now();
    const res = await lease({ queue: 'aws', max: 5, visibilityMs: VISIBILITY, waitMs: 5_000 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { messages: unknown[] }).messages).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // The drainer's side then sleeps out its idle wait (up to 1 s) instead of spinning.
    const t1 = performance.now();
    expect(await queue.waitForMessages('aws', 600)).toBe(false);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(500);
  });

  it('refuses a wait past 20 s, a malformed settle and a queue no cluster drains', async () => {
    const { token, lease, f } = await served(true);
    const tooLong = await lease({ queue: 'aws', max: 5, visibilityMs: VISIBILITY, waitMs: 60_000 });
    expect(tooLong.status).toBe(400);
    const e1 = (await tooLong.json()) as { error: { code: string; message: string } };
    expect(e1.error.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(e1)).toContain('waitMs');
    const unknown = await lease({ queue: 'gcp', max: 5, visibilityMs: VISIBILITY });
    expect(unknown.status).toBe(404);
    const e2 = (await unknown.json()) as { error: { code: string; message: string } };
    expect(e2.error.code).toBe('NOT_FOUND');
    expect(e2.error.message).toContain('queues: aws');
    const settle = await f.call('POST', '/v1/drainer/settle', {
      token,
      body: { queue: 'aws', receipt: 'r', action: 'nack', delayMs: -1 },
    });
    expect(settle.status).toBe(400);
    expect((settle.body.error as { code: string }).code).toBe('BAD_REQUEST');
  });

  it('lets a remote drainer idling in a 20 s long-poll create a job submitted meanwhile', async () => {
    const { f, token, queue, url } = await served(true);
    const sim = await startTestSim({ id: 'sim-one', defaultDurationSeconds: 30 });
    const cluster = createKubernetesCluster({
      clusterId: 'sim-one',
      kubeconfig: { server: sim.url },
      clock: f.clock,
    });
    const drainer = createDrainer({
      queueName: 'aws',
      queue,
      clusters: new Map([['sim-one', cluster]]),
      control: createHttpControlPlane({ baseUrl: url, token }),
      clock: f.clock,
      log: silentLogger,
      idleWaitMs: LEASE_MAX_WAIT_MS,
      visibilityMs: VISIBILITY,
    });
    stops.unshift(async () => {
      await drainer.stop();
      await cluster.close();
      await sim.close();
    });
    drainer.start();
    await new Promise((r) => setTimeout(r, 300)); // the pump is now in its long-poll
    const t0 = performance.now();
    const submitted = await f.call('POST', '/v1/jobs', { token, body: jobBody() });
    expect(submitted.status).toBe(202);
    let state = '';
    while (performance.now() - t0 < 5_000) {
      state = String(
        (await f.call('GET', `/v1/jobs/${String(submitted.body.id)}`, { token })).body.state,
      );
      if (state === 'submitted' || state === 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(['submitted', 'running']).toContain(state);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(Object.keys(sim.stats().creates)).toHaveLength(1);
  });
});
