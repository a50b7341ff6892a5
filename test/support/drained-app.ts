// The control plane's app served over loopback HTTP, with one simulated cluster (`sim-one`) and a
// pull drainer that reaches the API over the drainer protocol's HTTP routes, as a remote drainer
// does: enough to run jobs for real, in-process, in a few hundred milliseconds.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import type { Logger } from '../../shared/base/log.js';
import { createDrainer, type Drainer } from '../../shared/drainer/drainer.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { createKubernetesCluster } from '../../shared/targets/kubernetes/kubernetes.node.js';
import { ADMIN, createFixture, type FixtureOptions } from '../security/fixture.js';
import { startTestSim } from '../sim-cluster/helpers.js';

/** A logger that keeps every line as JSON in `into`, for tests that check what was written. */
function recordingLogger(into: string[]): Logger {
  const record =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void into.push(JSON.stringify({ level, msg, ...fields }));
  return { info: record('info'), warn: record('warn'), error: record('error') };
}

export async function startDrainedApp(options: FixtureOptions = {}) {
  /** Every line the control plane logged, as JSON. */
  const controlLogged: string[] = [];
  const f = await createFixture({ log: recordingLogger(controlLogged), ...options });
  const token = (await f.mint(ADMIN)).token;
  const server: ServerType = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sim: SimCluster = await startTestSim({ id: 'sim-one', defaultDurationSeconds: 2 });
  const cluster = createKubernetesCluster({
    clusterId: 'sim-one',
    kubeconfig: { server: sim.url },
    clock: f.clock,
  });
  /** Every line the drainer logged, as JSON, for tests that check what it wrote. */
  const logged: string[] = [];
  const log = recordingLogger(logged);
  /** Every request the drainer sent to the control plane: its route (`report`, …) and body. */
  const sent: Array<{ route: string; body: Record<string, unknown> }> = [];
  const observe: typeof fetch = (input, init) => {
    const route = String(input).split('/v1/drainer/')[1] ?? String(input);
    sent.push({ route, body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> });
    return fetch(input, init);
  };
  const newDrainer = (): Drainer =>
    createDrainer({
      queueName: 'aws',
      queue: f.ctx.queue,
      clusters: new Map([['sim-one', cluster]]),
      control: createHttpControlPlane({ baseUrl: url, token, fetch: observe }),
      clock: f.clock,
      log,
      pollMs: 100,
      logEveryMs: 200,
    });
  let drainer = newDrainer();
  drainer.start();
  return {
    f,
    url,
    token,
    logged,
    controlLogged,
    sent,
    sim,
    cluster,
    /** Stops the pull drainer (a restart: `startDrainer` starts a new one, with no memory). */
    stopDrainer: () => drainer.stop(),
    startDrainer(): void {
      drainer = newDrainer();
      drainer.start();
    },
    async stop() {
      await drainer.stop();
      await cluster.close();
      await sim.close();
      await new Promise((r) => server.close(r));
    },
  };
}
