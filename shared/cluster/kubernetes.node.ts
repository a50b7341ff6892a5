/**
 * Cluster driver for any Kubernetes API through `@kubernetes/client-node` 1.4: real clusters by
 * kubeconfig or in-cluster credentials, and the local simulated clusters by `{ server }`. Every
 * request goes through a per-cluster token bucket (client-node has none) and a throttled request
 * is retried after the server's `Retry-After`. Failures leave as classified `ClusterError`s.
 */
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  Watch,
  createConfiguration,
} from '@kubernetes/client-node';
import type { Middleware, V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { iso, systemClock } from '../clock.js';
import type { AcceleratorCapacity, CapacityReport } from '../clusters/model.js';
import { GPU_RESOURCE, LABEL_ACCELERATOR, LABEL_JOB_ID } from './labels.js';
import type {
  ClusterDriver,
  ClusterErrorKind,
  JobWatch,
  JobWatchHandlers,
  KubeJobManifest,
  KubeJobStatus,
} from './port.js';
import { ClusterError } from './port.js';
import type { ThrottleRetryOptions } from './rate-limit.js';
import { createRateLimiter, withRateLimit } from './rate-limit.js';

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
          `cluster ${clusterId}: cannot load its kubeconfig (${describe(error)}); check the cluster's connection settings`,
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

  const driver = {
    clusterId,

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

    async listJobs(labelSelector: string) {
      const list = await call(`listing Jobs (${labelSelector})`, (c) =>
        c.batch.listJobForAllNamespaces({ labelSelector }),
      );
      return {
        items: list.items.map((job) => jobStatusFromKube(job)),
        resourceVersion: list.metadata?.resourceVersion ?? '',
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

// ---------------------------------------------------------------------------------------------
// Reading Jobs. Objects come either typed from the API (dates as `Date`) or raw from a watch
// (dates as strings), so this reads both.

interface JobLike {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  status?: {
    active?: number;
    ready?: number;
    startTime?: unknown;
    completionTime?: unknown;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What Switchyard reads back from a Job: `Failed=True` → failed, `Complete=True` → succeeded
 * (reason and message from that condition), a ready pod (or, on servers without `status.ready`,
 * an active pod after the start) → running, else pending.
 */
export function jobStatusFromKube(job: JobLike): KubeJobStatus {
  const meta = job.metadata ?? {};
  const status = job.status ?? {};
  const result: KubeJobStatus = {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    labels: { ...meta.labels },
    annotations: { ...meta.annotations },
    phase: 'pending',
    resourceVersion: meta.resourceVersion ?? '',
  };
  const startTime = isoOf(status.startTime);
  const completionTime = isoOf(status.completionTime);
  if (startTime) result.startTime = startTime;
  if (completionTime) result.completionTime = completionTime;

  const conditions = status.conditions ?? [];
  const terminal =
    conditions.find((c) => c.type === 'Failed' && c.status === 'True') ??
    conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  if (terminal) {
    result.phase = terminal.type === 'Failed' ? 'failed' : 'succeeded';
    if (terminal.reason) result.reason = terminal.reason;
    if (terminal.message) result.message = terminal.message;
    return result;
  }
  const active = status.active ?? 0;
  const ready = status.ready;
  if ((ready ?? 0) >= 1 || (ready === undefined && active >= 1 && startTime !== undefined)) {
    result.phase = 'running';
  }
  return result;
}

/** Why the first waiting pod waits: not scheduled, or a container not started yet. */
export function pendingReason(pods: V1Pod[]): { reason?: string; message?: string } {
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason) {
      return scheduled.message
        ? { reason: scheduled.reason, message: scheduled.message }
        : { reason: scheduled.reason };
    }
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting;
      if (waiting?.reason) {
        return waiting.message
          ? { reason: waiting.reason, message: waiting.message }
          : { reason: waiting.reason };
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Capacity.

function gpuQuantity(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function isSchedulable(node: V1Node): boolean {
  if (node.spec?.unschedulable) return false;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True';
}

type ContainerLike = {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

function containerGpus(container: ContainerLike): number {
  const resources = container.resources;
  // Extended resources: a request defaults to the limit.
  return gpuQuantity(resources?.requests?.[GPU_RESOURCE] ?? resources?.limits?.[GPU_RESOURCE]);
}

function podGpus(pod: V1Pod): number {
  const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + containerGpus(c), 0);
  const init = (pod.spec?.initContainers ?? []).reduce(
    (max, c) => Math.max(max, containerGpus(c)),
    0,
  );
  return Math.max(main, init);
}

/**
 * GPU capacity per accelerator type: allocatable `nvidia.com/gpu` of schedulable, Ready nodes
 * labelled `switchyard.io/accelerator`, minus what bound pods (Running, or Pending with a node)
 * request on those nodes.
 */
export function capacityFromKube(
  nodes: V1Node[],
  pods: V1Pod[],
  reportedAt: string,
): CapacityReport {
  const nodeType = new Map<string, string>();
  const allocatable = new Map<string, number>();
  for (const node of nodes) {
    const name = node.metadata?.name;
    const type = node.metadata?.labels?.[LABEL_ACCELERATOR];
    if (!name || !type || !isSchedulable(node)) continue;
    nodeType.set(name, type);
    allocatable.set(name, gpuQuantity(node.status?.allocatable?.[GPU_RESOURCE]));
  }
  const used = new Map<string, number>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!nodeName || !nodeType.has(nodeName)) continue;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    used.set(nodeName, (used.get(nodeName) ?? 0) + podGpus(pod));
  }
  const accelerators: Record<string, AcceleratorCapacity> = {};
  for (const [name, type] of [...nodeType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const total = allocatable.get(name) ?? 0;
    const free = Math.max(0, total - (used.get(name) ?? 0));
    const entry = (accelerators[type] ??= { total: 0, free: 0, maxFreePerNode: 0 });
    entry.total += total;
    entry.free += free;
    entry.maxFreePerNode = Math.max(entry.maxFreePerNode, free);
  }
  return { reportedAt, accelerators };
}

// ---------------------------------------------------------------------------------------------
// Errors.

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] || error.name : String(error);
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The network-level reason a request failed (`ECONNREFUSED`, `timeout`, …), if it did. */
function networkReason(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, name, type } = e as { code?: unknown; name?: unknown; type?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (name === 'AbortError' || name === 'TimeoutError' || type === 'aborted') {
      return 'timed out: whether the request took effect is unknown';
    }
    if (type === 'system' || type === 'request-timeout' || type === 'body-timeout') {
      return typeof code === 'string' ? code : String(type);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Kubernetes' own message from a `Status` body, when there is one. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** `Retry-After` in seconds from a 429: the header (seconds or HTTP date), else the Status details. */
function retryAfterSeconds(error: ApiException<unknown>): number | undefined {
  const header = Object.entries(error.headers ?? {}).find(
    ([k]) => k.toLowerCase() === 'retry-after',
  )?.[1];
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  let body = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const details = (body as { details?: { retryAfterSeconds?: unknown } } | null)?.details;
  return typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : undefined;
}

function throttleDelayMs(error: unknown): number | null {
  if (!(error instanceof ApiException) || error.code !== 429) return null;
  return (retryAfterSeconds(error) ?? 0) * 1000;
}

function kindOfStatus(status: number): ClusterErrorKind {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status === 410) return 'server';
  return 'invalid';
}

const ADVICE: Record<ClusterErrorKind, string> = {
  unreachable: 'check that its API server is up and reachable; retrying later may help',
  forbidden: "check the drainer's credentials and RBAC for this cluster",
  invalid: 'the request was rejected as invalid; fix it rather than retrying',
  throttled: 'the API server is shedding load; retry after the advised delay',
  server: 'the API server failed; retrying later may help',
  conflict: 'read the object again and retry',
  'foreign-object': 'the object belongs to someone else and was left untouched',
};

/** Turns whatever client-node threw into a `ClusterError` whose kind says whether to retry. */
export function classify(error: unknown, clusterId: string, what: string): ClusterError {
  if (error instanceof ClusterError) return error;
  const status = statusOf(error);
  let result: ClusterError;
  if (status !== undefined) {
    const kind = kindOfStatus(status);
    const detail = error instanceof ApiException ? statusMessage(error.body) : describe(error);
    const retryAfter =
      kind === 'throttled' && error instanceof ApiException ? retryAfterSeconds(error) : undefined;
    result = new ClusterError(
      kind,
      `cluster ${clusterId}: ${what} failed with HTTP ${status}${detail ? ` (${detail})` : ''}; ${ADVICE[kind]}`,
      status,
      retryAfter,
    );
  } else {
    const reason = networkReason(error);
    const kind: ClusterErrorKind = reason ? 'unreachable' : 'server';
    result = new ClusterError(
      kind,
      `cluster ${clusterId}: ${what} failed (${reason ?? describe(error)}); ${ADVICE[kind]}`,
    );
  }
  result.cause = error;
  return result;
}

/** A watch `ERROR` event carries a `Status`; 410 Gone means the resourceVersion is too old. */
function watchEventError(object: unknown, clusterId: string): ClusterError {
  const status = object as { code?: unknown; message?: unknown; reason?: unknown } | null;
  const code = typeof status?.code === 'number' ? status.code : 500;
  const message = typeof status?.message === 'string' ? status.message : 'watch error';
  if (code === 410) {
    return new ClusterError(
      'server',
      `cluster ${clusterId}: watch expired (410 Gone: ${message}); relist and watch again`,
      410,
    );
  }
  const kind = kindOfStatus(code);
  return new ClusterError(
    kind,
    `cluster ${clusterId}: watching Jobs failed with ${code} (${message}); ${ADVICE[kind]}`,
    code,
  );
}
