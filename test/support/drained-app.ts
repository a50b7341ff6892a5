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

export async function startDrainedApp(options: FixtureOptions = {}) {
  const f = await createFixture(options);
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
  const record =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void logged.push(JSON.stringify({ level, msg, ...fields }));
  const log: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
  const drainer: Drainer = createDrainer({
    queueName: 'aws',
    queue: f.ctx.queue,
    clusters: new Map([['sim-one', cluster]]),
    control: createHttpControlPlane({ baseUrl: url, token }),
    clock: f.clock,
    log,
    pollMs: 100,
    logEveryMs: 200,
  });
  drainer.start();
  return {
    f,
    url,
    token,
    logged,
    async stop() {
      await drainer.stop();
      await cluster.close();
      await sim.close();
      await new Promise((r) => server.close(r));
    },
  };
}
