// One job followed by its trace id, end to end in-process: the API over loopback HTTP, the
// simulated Kubernetes cluster, the pull drainer over the drainer protocol's HTTP routes, and the
// status webhooks sent by the delivery worker to a loopback receiver. The submit's `traceparent`
// must come back in the answer, sit on the Kubernetes Job as an annotation (read with
// @kubernetes/client-node), ride every status report the drainer sends, appear on every log line
// about the job on both sides, and on every status webhook request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { jobBody } from '../security/fixture.js';
import { startDrainedApp } from '../support/drained-app.js';
import { waitFor } from '../support/server-process.js';
import { clients } from '../sim-cluster/helpers.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SECRET = 'whsec_dHJhY2VzLXNlY3JldC10cmFjZXMtc2VjcmV0LXRyYWNlcw==';
const OF_TRACE = new RegExp(`^00-${TRACE}-([0-9a-f]{16})-01$`);

/**
 * A status-webhook endpoint that keeps the headers of every request and answers 204. It does not
 * verify signatures: the fixture's clock is in 2030, which a verifier would call a replay.
 */
async function startHeaderReceiver() {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let stack: Awaited<ReturnType<typeof startDrainedApp>>;
let receiver: Awaited<ReturnType<typeof startHeaderReceiver>>;

beforeAll(async () => {
  [stack, receiver] = await Promise.all([startDrainedApp(), startHeaderReceiver()]);
});

afterAll(async () => {
  await Promise.all([stack?.stop(), receiver?.close()]);
});

const lines = (logged: string[]) => logged.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a job followed by its trace id', () => {
  it('carries the trace id from submit to workload, reports, log lines and webhooks', async () => {
    const { f } = stack;
    const acme = (await f.mint('acme', ['jobs:submit', 'jobs:read'])).token;
    const res = await f.call('POST', '/v1/jobs', {
      token: acme,
      body: jobBody('research', {
        env: { SIM_DURATION_SECONDS: '1' },
        callback: { url: receiver.url, secret: SECRET },
      }),
      headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('traceparent')).toMatch(OF_TRACE);
    const id = res.body.id as string;
    await waitFor(
      async () => ((await f.store.jobs.get(id))?.state === 'succeeded' ? true : undefined),
      15_000,
      'the job succeeded',
    );

    // 1. The Kubernetes Job, read back from the simulated cluster.
    const placement = (await f.store.jobs.get(id))!.placement!;
    const kube = await clients(stack.sim.url).batch.readNamespacedJob({
      name: placement.kubeName,
      namespace: placement.namespace,
    });
    expect(kube.metadata?.annotations?.['switchyard.io/traceparent']).toMatch(OF_TRACE);

    // 2. Every status report the drainer sent about the job carried the trace.
    const reports = stack.sent.filter((s) => s.route === 'report' && s.body.jobId === id);
    expect(reports.map((r) => r.body.phase)).toEqual(
      expect.arrayContaining(['pending', 'running', 'succeeded']),
    );
    for (const r of reports) expect(r.body.traceparent).toMatch(OF_TRACE);

    // 3. The drainer's lines about the job: the create and each report, every one with the trace.
    const drainer = lines(stack.logged).filter((l) => l.jobId === id);
    expect(drainer.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['Kubernetes Job created', 'status reported']),
    );
    for (const l of drainer) expect(l.traceId, JSON.stringify(l)).toBe(TRACE);

    // 4. The status webhooks: sent by the delivery worker, logged through the control plane's log.
    const worker = createDeliveryWorker({
      deliveries: f.store.deliveries,
      secretFor: async () => SECRET,
      clock: f.clock,
      log: (event) => f.ctx.log.info('webhook', event),
    });
    const events = (await f.store.jobs.get(id))!.events.filter((e) => e.state).length;
    await waitFor(
      async () => {
        await worker.runOnce();
        return receiver.received.length >= events ? true : undefined;
      },
      10_000,
      'every status webhook delivered',
    );
    await worker.close();
    const spans = receiver.received.map((h) => OF_TRACE.exec(String(h.traceparent))?.[1]);
    expect(spans.every((s) => s !== undefined)).toBe(true);
    expect(new Set(spans).size).toBe(spans.length); // a fresh span id per request

    // 5. The control plane's lines about the job: submit, publish, each state, each webhook.
    const control = lines(stack.controlLogged).filter((l) => l.jobId === id);
    expect(control.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['job submitted', 'create published', 'job state', 'webhook']),
    );
    expect(control.filter((l) => l.msg === 'webhook')).toHaveLength(events);
    for (const l of control) expect(l.traceId, JSON.stringify(l)).toBe(TRACE);
  });
});
