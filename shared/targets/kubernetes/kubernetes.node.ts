/**
 * Cluster driver for any Kubernetes API through `@kubernetes/client-node` 1.4: real clusters by
 * kubeconfig or in-cluster credentials, and the local simulated clusters by `{ server }`. Every
 * request goes through a per-cluster token bucket (client-node has none) and a throttled request
 * is retried after the server's `Retry-After`. Failures leave as classified `ClusterError`s.
 * The pure parts are edge-safe siblings: object mapping in kube-status.ts, errors in kube-errors.ts.
 */
import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  Watch,
  createConfiguration,
} from '@kubernetes/client-node';
import type { Middleware, V1Job } from '@kubernetes/client-node';
import type { Clock } from '../../base/clock.js';
import { iso, systemClock } from '../../base/clock.js';
import type { CapacityReport } from '../../domain/cluster.js';
import {
  classify,
  describeError,
  statusOf,
  throttleDelayMs,
  watchEventError,
} from './kube-errors.js';
import type { JobLike } from './kube-status.js';
import {
  capacityFromKube,
  containerResult,
  jobStatusFromKube,
  pendingReason,
} from './kube-status.js';
import { LABEL_JOB_ID } from './labels.js';
import { podLogMethods } from './pod-logs.node.js';
import type {
  ClusterDriver,
  JobWatch,
  JobWatchHandlers,
  KubeJobManifest,
  KubeJobStatus,
} from './port.js';
import { ClusterError } from './port.js';
import type { ThrottleRetryOptions } from './rate-limit.js';
import { createRateLimiter, withRateLimit } from './rate-limit.js';

// The pure parts live beside the driver; re-exported for callers that import them from here.
export { classify } from './kube-errors.js';
export {
  capacityFromKube,
  containerResult,
  jobStatusFromKube,
  pendingReason,
} from './kube-status.js';

export interface KubernetesClusterOptions {
  clusterId: string;
  /** A kubeconfig (file, inline YAML, optional context), or a bare server URL without auth. */
  kubeconfig?: { file?: string; context?: string; yaml?: string } | { server: string };
  /** Use the pod's service account (`KUBERNETES_SERVICE_HOST`, mounted token). */
  inCluster?: boolean;
  limiter?: { qps?: number; burst?: number };
  /** Per-request timeout (not for watches); default 15 s. */
  requestTimeoutMs?: number;
  /** Retry budget for throttled requests; default 3 tries, advised waits up to 10 s. */
  throttleRetry?: ThrottleRetryOptions;
  clock?: Clock;
}

interface Clients {
  config: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  watch: Watch;
}

const JOBS_WATCH_PATH = '/apis/batch/v1/jobs';
/** Set by the Job controller on its pods (Kubernetes ≥ 1.27). */
const LABEL_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
/** Set by the Job controller on its pods (also as `batch.kubernetes.io/job-name` since 1.27). */
const LABEL_JOB_NAME = 'job-name';
/** Pods that may hold GPUs: everything not finished (also filtered client-side). */
const UNFINISHED_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

export function createKubernetesCluster(options: KubernetesClusterOptions): ClusterDriver {
  const { clusterId } = options;
  const clock = options.clock ?? systemClock;
  const limiter = createRateLimiter({ ...options.limiter, clock });
  const watches = new Set<{ close(): void }>();
  let clients: Clients | undefined;
  let closed = false;

  function getClients(): Clients {
    if (closed) throw new ClusterError('unreachable', `cluster ${clusterId}: driver is closed`);
    if (!clients) {
      try {
        clients = makeClients(options);
      } catch (error) {
        const e = new ClusterError(
          'invalid',
          `cluster ${clusterId}: cannot load its kubeconfig (${describeError(error)}); check the cluster's connection settings`,
        );
        e.cause = error;
        throw e;
      }
    }
    return clients;
  }

  async function call<T>(what: string, send: (c: Clients) => Promise<T>): Promise<T> {
    const c = getClients();
    try {
      return await withRateLimit(limiter, () => send(c), throttleDelayMs, options.throttleRetry);
    } catch (error) {
      throw classify(error, clusterId, what);
    }
  }

  async function readJob(namespace: string, name: string): Promise<V1Job | undefined> {
    try {
      return await call(`reading Job ${namespace}/${name}`, (c) =>
        c.batch.readNamespacedJob({ namespace, name }),
      );
    } catch (error) {
      if (error instanceof ClusterError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A finished Job's status with how its container ended, read from its pods (best effort). */
  async function withResult(
    namespace: string,
    name: string,
    uid: string | undefined,
    status: KubeJobStatus,
  ): Promise<KubeJobStatus> {
    try {
      const pods = await call(`listing pods of Job ${namespace}/${name}`, (c) =>
        c.core.listNamespacedPod({ namespace, labelSelector: `${LABEL_JOB_NAME}=${name}` }),
      );
      // Only this Job's pods, not those of an earlier Job of the same name.
      const own = pods.items.filter(
        (p) =>
          !uid ||
          !p.metadata?.ownerReferences ||
          p.metadata.ownerReferences.some((o) => o.uid === uid),
      );
      const result = containerResult(own, status.reason);
      return Object.keys(result).length > 0 ? { ...status, result } : status;
    } catch {
      return status; // the pods may be gone already; the Job's own status still holds
    }
  }

  const driver = {
    clusterId,
    ...podLogMethods(call),

    async ensureNamespace(name: string, labels: Record<string, string>): Promise<void> {
      try {
        await call(`reading namespace ${name}`, (c) => c.core.readNamespace({ name }));
        return;
      } catch (error) {
        if (!(error instanceof ClusterError) || error.statusCode !== 404) throw error;
      }
      try {
        await call(`creating namespace ${name}`, (c) =>
          c.core.createNamespace({ body: { metadata: { name, labels: { ...labels } } } }),
        );
      } catch (error) {
        // Someone else created it in between: that is what we wanted.
        if (!(error instanceof ClusterError) || error.statusCode !== 409) throw error;
      }
    },

    async createJob(manifest: KubeJobManifest): Promise<'created' | 'exists'> {
      const { namespace, name } = manifest.metadata;
      try {
        await call(`creating Job ${namespace}/${name}`, (c) =>
          c.batch.createNamespacedJob({ namespace, body: manifest as unknown as V1Job }),
        );
        return 'created';
      } catch (error) {
        if (!(error instanceof ClusterError) || error.statusCode !== 409) throw error;
      }
      // 409 AlreadyExists: a redelivery of our own create, or somebody else's object.
      const existing = await readJob(namespace, name);
      if (!existing) {
        throw new ClusterError(
          'conflict',
          `cluster ${clusterId}: Job ${namespace}/${name} existed a moment ago and is gone now; retry the create`,
          409,
        );
      }
      const wanted = manifest.metadata.labels[LABEL_JOB_ID];
      const found = existing.metadata?.labels?.[LABEL_JOB_ID];
      if (wanted === undefined || found !== wanted) {
        throw new ClusterError(
          'foreign-object',
          `cluster ${clusterId}: Job ${namespace}/${name} exists but is not this job's ` +
            `(${LABEL_JOB_ID}=${found ?? '<none>'}, expected ${wanted ?? '<none>'}); it was left untouched — ` +
            'find out who created it before removing it',
          409,
        );
      }
      if (existing.metadata?.deletionTimestamp) {
        throw new ClusterError(
          'conflict',
          `cluster ${clusterId}: Job ${namespace}/${name} is being deleted; retry once it is gone`,
          409,
        );
      }
      return 'exists';
    },

    async getJob(namespace: string, name: string): Promise<KubeJobStatus | undefined> {
      const job = await readJob(namespace, name);
      if (!job) return undefined;
      const status = jobStatusFromKube(job);
      const uid = job.metadata?.uid;
      if (status.phase === 'succeeded' || status.phase === 'failed') {
        return withResult(namespace, name, uid, status);
      }
      if (status.phase !== 'pending' || status.reason || !uid) return status;
      // Why it waits is only on its pod (Unschedulable, ContainerCreating, ImagePullBackOff…).
      try {
        const pods = await call(`listing pods of Job ${namespace}/${name}`, (c) =>
          c.core.listNamespacedPod({ namespace, labelSelector: `${LABEL_CONTROLLER_UID}=${uid}` }),
        );
        return { ...status, ...pendingReason(pods.items) };
      } catch {
        return status; // best effort: the Job's own status is what matters
      }
    },

    async deleteJob(namespace: string, name: string): Promise<boolean> {
      try {
        await call(`deleting Job ${namespace}/${name}`, (c) =>
          c.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }),
        );
        return true;
      } catch (error) {
        if (error instanceof ClusterError && error.statusCode === 404) return false;
        throw error;
      }
    },

    async listJobs(labelSelector: string, page?: { limit?: number; continue?: string }) {
      const list = await call(`listing Jobs (${labelSelector})`, (c) =>
        c.batch.listJobForAllNamespaces({
          labelSelector,
          ...(page?.limit ? { limit: page.limit } : {}),
          ...(page?.continue ? { _continue: page.continue } : {}),
        }),
      );
      const next = list.metadata?._continue;
      return {
        items: list.items.map((job) => jobStatusFromKube(job)),
        resourceVersion: list.metadata?.resourceVersion ?? '',
        ...(next ? { continue: next } : {}),
      };
    },

    async watchJobs(
      labelSelector: string,
      resourceVersion: string,
      handlers: JobWatchHandlers,
    ): Promise<JobWatch> {
      const c = getClients();
      await limiter.acquire();
      let ended = false;
      const connection: { controller?: AbortController } = {};
      const entry = { close: () => finish(false) };
      // One exit for every way a watch ends; `onEnd` only when the caller did not stop it.
      const finish = (notify: boolean, error?: unknown) => {
        if (ended) return;
        ended = true;
        watches.delete(entry);
        connection.controller?.abort();
        if (notify) handlers.onEnd(error);
      };
      watches.add(entry);
      let controller: AbortController;
      try {
        controller = await c.watch.watch(
          JOBS_WATCH_PATH,
          {
            labelSelector,
            resourceVersion: resourceVersion || undefined,
            allowWatchBookmarks: true,
          },
          (type: string, object: unknown) => {
            if (ended) return;
            if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
              try {
                handlers.onEvent(type, jobStatusFromKube(object as JobLike));
              } catch (error) {
                // client-node would swallow it; end the watch so the caller relists instead.
                finish(true, error);
              }
            } else if (type === 'ERROR') {
              finish(true, watchEventError(object, clusterId));
            }
            // BOOKMARK: nothing to report; the next watch starts from the caller's last version.
          },
          (error: unknown) => {
            if (error && statusOf(error) === 429) limiter.pause(1000);
            finish(true, error ? classify(error, clusterId, 'watching Jobs') : undefined);
          },
        );
      } catch (error) {
        // Thrown before any request was made (e.g. credentials could not be applied).
        finish(false);
        throw classify(error, clusterId, 'starting a watch on Jobs');
      }
      connection.controller = controller;
      if (ended) controller.abort();
      return { stop: () => finish(false) };
    },

    async capacity(): Promise<CapacityReport> {
      const [nodes, pods] = await Promise.all([
        call('listing nodes', (c) => c.core.listNode({})),
        call('listing pods', (c) =>
          c.core.listPodForAllNamespaces({ fieldSelector: UNFINISHED_PODS }),
        ),
      ]);
      return capacityFromKube(nodes.items, pods.items, iso(clock.now()));
    },

    async close(): Promise<void> {
      closed = true;
      for (const watch of [...watches]) watch.close();
    },
  } satisfies ClusterDriver;
  return driver;
}

function makeClients(options: KubernetesClusterOptions): Clients {
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
  const timeout: Middleware = {
    pre: async (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return context;
    },
    post: async (response) => response,
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: config },
    promiseMiddleware: [timeout],
  });
  return {
    config,
    batch: new BatchV1Api(configuration),
    core: new CoreV1Api(configuration),
    watch: new Watch(config),
  };
}
