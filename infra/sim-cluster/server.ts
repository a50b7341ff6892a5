/**
 * The simulated cluster's HTTP server: fault injection, the `/sim/*` control endpoints, the
 * Kubernetes routes, the controller tick, and a close() that frees the port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api.js';
import type { ApiContext } from './api-context.js';
import { TickIndex } from './tick-index.js';
import { tickIndexed } from './tick-indexed.js';
import { StatusError, tooManyRequests } from './errors.js';
import { ensureDefaultNamespaces } from './events.js';
import { readJsonAnyType, sendJson, sendStatusError } from './http.js';
import { syncNodes } from './nodes.js';
import { applyLostNodes, checkLoseNodes } from './faults-node.js';
import { createUpgrader } from './upgrade.js';
import type { SimCluster, SimClusterOptions, SimFaults, SimStats } from './options.js';
import { Store } from './store.js';
import type { WatchRegistry } from './watch.js';
import { DEFAULT_OPERATORS } from './workloads/crds.js';
import { tickKueue } from './workloads/kueue.js';
import { tickWorkloads } from './workloads/reconcile.js';

export async function startSimCluster(options: SimClusterOptions): Promise<SimCluster> {
  const log = (line: string) => options.log?.(`[sim-cluster ${options.id}] (simulated) ${line}`);
  const store = new Store(options.dataFile);
  syncNodes(store, options.id, options.pools, new Date());
  ensureDefaultNamespaces(store, new Date());
  applyLostNodes(store, [], new Date(), log); // faults do not survive a restart: nodes come back
  let faults: SimFaults = {};
  let createFailuresLeft: number | undefined;
  let createAttempts = 0;
  let requests = 0;
  const watches: WatchRegistry = new Set();
  const pendingDelays = new Set<NodeJS.Timeout>();
  let closed = false;

  const setFaults = (f: SimFaults) => {
    applyLostNodes(store, checkLoseNodes(store, f.loseNodes), new Date(), log);
    faults = { ...f };
    createFailuresLeft = f.failCreates?.count;
    log(`faults set: ${JSON.stringify(f)}`);
  };
  const upgrader = createUpgrader(store, log);
  const stats = (): SimStats => ({ creates: store.creates(), createAttempts, requests });

  const ctx: ApiContext = {
    store,
    faults: () => faults,
    takeCreateFailure: () => {
      const f = faults.failCreates;
      if (!f) return undefined;
      if (createFailuresLeft === undefined) return f;
      if (createFailuresLeft <= 0) return undefined;
      createFailuresLeft -= 1;
      return f;
    },
    countCreateAttempt: () => {
      createAttempts += 1;
    },
    watches,
    bookmarkMs: options.bookmarkMs ?? 5_000,
    defaultDurationSeconds: options.defaultDurationSeconds ?? 3,
    log,
    operators: new Set([
      ...(options.operators ?? DEFAULT_OPERATORS),
      ...(options.kueue ? (['kueue'] as const) : []),
    ]),
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/sim/stats' && req.method === 'GET') return sendJson(res, 200, stats());
    if (path === '/sim/faults' && req.method === 'GET') return sendJson(res, 200, faults);
    if (path === '/sim/faults' && req.method === 'PUT') {
      const body = await readJsonAnyType(req);
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        const example = '{"down": true}, {"failCreates": {"status": 503}} or {} to clear';
        throw new StatusError(400, 'BadRequest', `faults must be a JSON object, e.g. ${example}`);
      }
      setFaults(body as SimFaults);
      return sendJson(res, 200, faults);
    }
    if (path === '/sim/upgrade' && req.method === 'GET')
      return sendJson(res, 200, upgrader.status());
    if (path === '/sim/upgrade' && req.method === 'POST') {
      return sendJson(res, 202, upgrader.start(await readJsonAnyType(req), delay));
    }
    throw new StatusError(404, 'NotFound', `unknown control endpoint ${req.method} ${path}`);
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.pathname.startsWith('/sim/')) return control(req, res, url.pathname);
    if (faults.down) {
      req.socket.destroy();
      return;
    }
    if (faults.latencyMs) await delay(faults.latencyMs);
    if (closed || res.destroyed) return;
    if (faults.throttleAll) throw tooManyRequests(faults.throttleAll.retryAfterSeconds);
    await handleApi(ctx, req, res, url);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.destroyed) return;
      if (error instanceof StatusError) return sendStatusError(res, error);
      log(
        `internal error on ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`,
      );
      sendStatusError(
        res,
        new StatusError(
          500,
          'InternalError',
          `Internal error occurred: ${String((error as Error)?.message ?? error)}`,
        ),
      );
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const tickOptions = { defaultDurationSeconds: options.defaultDurationSeconds ?? 3, log };
  const runTick = () => {
    try {
      const now = new Date();
      if (ctx.operators.has('kueue')) tickKueue(store, now, options.kueue);
      tickWorkloads(store, now, { ...tickOptions, operators: ctx.operators });
      tickIndexed(store, index, now, tickOptions);
    } catch (error) {
      log(`tick failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  };
  // A new pod or freed GPUs schedule a tick on the next turn of the event loop (coalesced), so a
  // created Job runs within milliseconds; the period still ends pods and expires TTLs.
  let soon: NodeJS.Immediate | undefined;
  const index = new TickIndex(store, () => {
    if (soon || closed) return;
    soon = setImmediate(() => {
      soon = undefined;
      if (!closed) runTick();
    });
  });
  runTick();
  const ticker = setInterval(runTick, options.tickMs ?? 200);
  log(`simulated Kubernetes API listening on ${url} (${options.dataFile ?? 'in memory'})`);

  return {
    id: options.id,
    url,
    setFaults,
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      if (soon) clearImmediate(soon);
      index.close();
      pendingDelays.forEach((t) => clearTimeout(t));
      [...watches].forEach((stop) => stop());
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
      store.close();
      log('stopped');
    },
  };
}
