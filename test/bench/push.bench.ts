/**
 * Push versus pull drainer (figures, no assertions): `npm run bench:push`.
 *
 * One control plane (the test fixture's core: memory store and queue, served over loopback HTTP),
 * one simulated cluster, and in the same run, one after the other on the same load:
 * - **pull**: the pull drainer (`createDrainer`) pulling the control plane's own queue;
 * - **push**: the same create messages published to a Pub/Sub emulator topic whose push
 *   subscription points at the drainer function (`createPushApp`, Node listener on loopback).
 * Both reach the control plane through the HTTP control client. For BENCH_JOBS jobs submitted at
 * once it prints creates per second (first submit to last job `submitted`), submit → created
 * latency (p50/p95: until the job shows `submitted`, polled every 10 ms), and invocations per job
 * (pushes answered, including retries), and the push/pull ratio of each.
 * The emulator is started on a free port and stopped at the end. Knobs: BENCH_JOBS (default 100).
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../shared/base/log.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { createDrainer } from '../../shared/drainer/drainer.js';
import { createPushApp } from '../../shared/drainer/push.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { startPubSubEmulator } from '../../infra/emulators/pubsub.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim } from '../sim-cluster/helpers.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 100);
const PROJECT = 'bench-push';

interface Figures {
  perSecond: number;
  p50: number;
  p95: number;
  invocationsPerJob: number;
}

const listen = async (s: ServerType) => {
  await new Promise<void>((r) => s.once('listening', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** Submits JOBS jobs; `deliver` gets their create messages; waits until every job is submitted. */
async function run(
  f: Fixture,
  token: string,
  deliver: (messages: unknown[]) => Promise<void>,
  invocations: () => number,
): Promise<Figures> {
  const before = invocations();
  const started = performance.now();
  const submittedAt = new Map<string, number>();
  for (let i = 0; i < JOBS; i++) {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
    submittedAt.set(res.body.id as string, performance.now());
  }
  await deliver([...submittedAt.keys()]);
  const latency: number[] = [];
  const waiting = new Set(submittedAt.keys());
  const deadline = performance.now() + 30_000;
  while (waiting.size > 0) {
    if (performance.now() > deadline) {
      const one = await f.ctx.store.jobs.get([...waiting][0]!);
      throw new Error(
        `${waiting.size} job(s) never submitted; one is ${one?.state}: ${JSON.stringify(one?.events.at(-1))}`,
      );
    }
    for (const id of [...waiting]) {
      const job = await f.ctx.store.jobs.get(id);
      if (job && job.state !== 'dispatched' && job.state !== 'pending') {
        latency.push(performance.now() - submittedAt.get(id)!);
        waiting.delete(id);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: JOBS / seconds,
    p50: pct(latency, 0.5),
    p95: pct(latency, 0.95),
    invocationsPerJob: (invocations() - before) / JOBS,
  };
}

async function main() {
  console.error('starting the Pub/Sub emulator');
  const emulator = await startPubSubEmulator();
  console.error('emulator up');
  const f = await createFixture();
  f.clock.set(Date.now());
  const token = (await f.mint(ADMIN)).token;
  // Room for every job at once, and cheaper than the fixture's own cluster so placement picks it.
  await createClusterService(f.ctx).register([
    {
      id: 'sim-big',
      cloud: 'aws',
      region: 'us-east-2',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 64, gpusPerNode: 8, costPerGpuHour: 0.1 }],
    },
  ]);
  const api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  const apiUrl = await listen(api);
  const sim = await startTestSim({ id: 'sim-big', defaultDurationSeconds: 600 });
  const clusters = new Map([
    ['sim-big', createKubernetesCluster({ clusterId: 'sim-big', kubeconfig: { server: sim.url } })],
  ]);
  const control = createHttpControlPlane({ baseUrl: apiUrl, token });
  const base = { queueName: 'aws', clusters, control, clock: f.clock, log: silentLogger };
  const e = (path: string, body: unknown) =>
    fetch(`http://${emulator.host}/v1/projects/${PROJECT}/${path}`, {
      method: path.endsWith(':publish') ? 'POST' : 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  let pushes = 0;
  const app = createPushApp({ ...base, budgetMs: 8_000, authenticate: 'none' });
  const fn = serve({
    fetch: async (req) => {
      pushes++;
      return app.fetch(req);
    },
    hostname: '127.0.0.1',
    port: 0,
  });
  const fnUrl = await listen(fn);
  await e('topics/bench-aws', {});
  await e('subscriptions/bench-aws-push', {
    topic: `projects/${PROJECT}/topics/bench-aws`,
    pushConfig: { pushEndpoint: `${fnUrl}/push` },
    ackDeadlineSeconds: 30,
    retryPolicy: { minimumBackoff: '1s', maximumBackoff: '10s' },
  });
  try {
    // Pull: the drainer pulls the control plane's queue as soon as the submits publish.
    let pulls = 0;
    const queue = {
      ...f.ctx.queue,
      pull: (...a: Parameters<typeof f.ctx.queue.pull>) => {
        pulls++;
        return f.ctx.queue.pull(...a);
      },
    };
    const drainer = createDrainer({ ...base, queue, heartbeatMs: 60_000 });
    drainer.start();
    console.error('pull run');
    const pull = await run(
      f,
      token,
      async () => {},
      () => pulls,
    );
    await drainer.stop();
    // Push: the same messages, taken off the queue and published to the emulator topic.
    console.error('push run');
    const push = await run(
      f,
      token,
      async () => {
        const msgs = [];
        while (msgs.length < JOBS) {
          const batch = await f.ctx.queue.pull('aws', { max: JOBS, visibilityMs: 60_000 });
          if (batch.length === 0) throw new Error(`only ${msgs.length} create messages queued`);
          msgs.push(...batch);
        }
        for (const m of msgs) await f.ctx.queue.ack('aws', m.receipt);
        const data = msgs.map((m) => ({
          data: Buffer.from(JSON.stringify(m.body)).toString('base64'),
        }));
        await e('topics/bench-aws:publish', { messages: data });
      },
      () => pushes,
    );
    const row = (name: string, x: Figures) =>
      `${name.padEnd(6)} ${x.perSecond.toFixed(1).padStart(10)} ${x.p50.toFixed(0).padStart(9)} ${x.p95.toFixed(0).padStart(9)} ${x.invocationsPerJob.toFixed(2).padStart(10)}`;
    console.log(`bench:push — ${JOBS} jobs submitted at once, one simulated cluster`);
    console.log(
      `${'drain'.padEnd(6)} ${'creates/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'calls/job'.padStart(10)}`,
    );
    console.log(row('pull', pull));
    console.log(row('push', push));
    console.log(
      `push/pull: creates/s ×${(push.perSecond / pull.perSecond).toFixed(2)}, p50 ×${(push.p50 / pull.p50).toFixed(2)}, p95 ×${(push.p95 / pull.p95).toFixed(2)}`,
    );
    console.log(
      '(pull calls/job = queue pulls per job, including empty ones; push = HTTP pushes answered)',
    );
  } finally {
    await Promise.all([...clusters.values()].map((c) => c.close()));
    await sim.close();
    await new Promise((r) => fn.close(r));
    await new Promise((r) => api.close(r));
    await emulator.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
