/**
 * The client-node API objects of one cluster, built from its connection settings: kubeconfig
 * (file, inline, context), in-cluster credentials, or a bare server URL (the simulated clusters),
 * each request bounded by a timeout and by the caller's abort signal, if it gave one
 * (`withCallerSignal`). Node-only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ApisApi,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  Watch,
  createConfiguration,
} from '@kubernetes/client-node';
import type { Middleware } from '@kubernetes/client-node';
import { createAgentReuse, keepAliveAuthentication } from './keep-alive.node.js';
import { makeKubeHttp, type GetJson, type GetText, type PostJson } from './kube-http.node.js';

export interface ClientOptions {
  clusterId: string;
  kubeconfig?: { file?: string; context?: string; yaml?: string } | { server: string };
  inCluster?: boolean;
  requestTimeoutMs?: number;
}

export interface Clients {
  config: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  /** The CRD kinds (JobSet, PyTorchJob, RayJob). */
  custom: CustomObjectsApi;
  /** API discovery (`GET /apis`). */
  apis: ApisApi;
  watch: Watch;
  /** A create's POST of a plain JSON object, authenticated by `config` (kube-http.node.ts). */
  post: PostJson;
  /** A GET answered with text (pod lists as JSON, pod logs), the same way. */
  getText: GetText;
  /** A GET answered with JSON (the heartbeat's node and pod lists), the same way. */
  getJson: GetJson;
}

/**
 * The caller's signal for the requests made inside `withCallerSignal`: client-node's generated API
 * takes no per-call signal, so the timeout middleware reads it from the async context.
 */
const callerSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` so that every request it makes is aborted when `signal` is. */
export function withCallerSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>) {
  return signal ? callerSignal.run(signal, fn) : fn();
}

export function makeClients(options: ClientOptions): Clients {
  const config = new KubeConfig();
  const source = options.kubeconfig;
  if (source && 'server' in source) {
    config.loadFromOptions({
      // client-node refuses plain http unless TLS verification is "skipped"; there is no TLS then.
      clusters: [
        {
          name: options.clusterId,
          server: source.server,
          skipTLSVerify: source.server.startsWith('http:'),
        },
      ],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: options.clusterId, cluster: options.clusterId, user: 'anonymous' }],
      currentContext: options.clusterId,
    });
  } else if (options.inCluster) {
    config.loadFromCluster();
  } else if (source?.yaml !== undefined) {
    config.loadFromString(source.yaml);
  } else if (source?.file !== undefined) {
    config.loadFromFile(source.file);
  } else {
    config.loadFromDefault();
  }
  if (source && !('server' in source) && source.context !== undefined) {
    config.setCurrentContext(source.context);
  }
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster with a server URL');

  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const signal = () => {
    const caller = callerSignal.getStore();
    const limit = AbortSignal.timeout(timeoutMs);
    return caller ? AbortSignal.any([limit, caller]) : limit;
  };
  const timeout: Middleware = {
    pre: async (context) => {
      context.setSignal(signal());
      return context;
    },
    post: async (response) => response,
  };
  const reuse = createAgentReuse();
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: keepAliveAuthentication(config, reuse) },
    promiseMiddleware: [timeout],
  });
  return {
    config,
    batch: new BatchV1Api(configuration),
    core: new CoreV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    apis: new ApisApi(configuration),
    watch: new Watch(config),
    ...makeKubeHttp(config, server, reuse, signal),
  };
}
