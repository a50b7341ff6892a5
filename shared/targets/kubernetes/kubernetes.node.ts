/**
 * Cluster driver for any Kubernetes API through `@kubernetes/client-node` 1.4: real clusters by
 * kubeconfig or in-cluster credentials, and the local simulated clusters by `{ server }`. Every
 * request goes through a per-cluster token bucket (client-node has none) and a throttled request
 * is retried after the server's `Retry-After`. Failures leave as classified `ClusterError`s.
 * Workloads are Jobs or, where API discovery finds their groups, JobSets, PyTorchJobs and
 * RayJobs (kube-workloads.node.ts); lists and watches cover every served kind (multi-kind.ts).
 * The pure parts are edge-safe siblings: object mapping in kube-status.ts and
 * kube-workload-status.ts, errors in kube-errors.ts.
 */
import type { Clock } from '../../base/clock.js';
import { iso, systemClock } from '../../base/clock.js';
import type { CapacityReport } from '../../domain/cluster.js';
import type { WorkloadKind } from '../../domain/job.js';
import { makeClients, withCallerSignal, type Clients } from './kube-clients.node.js';
import { createDiscovery, podsOf, readCapacity } from './kube-lookups.node.js';
import {
  classify,
  describeError,
  statusOf,
  throttleDelayMs,
  watchEventError,
} from './kube-errors.js';
import { containerResult, pendingReason } from './kube-status.js';
import { replicasOf } from './replicas.js';
import {
  failingReplica,
  workloadStatusFromKube,
  type WorkloadLike,
} from './kube-workload-status.js';
import { watchPath, workloadApi } from './kube-workloads.node.js';
import { LABEL_JOB_ID } from './labels.js';
import { withKueue } from './manifest-kueue.js';
import { decodeVersions, encodeVersions, listAcrossKinds } from './multi-kind.js';
import { podLogMethods } from './pod-logs.node.js';
import type {
  ClusterDriver,
  JobWatch,
  JobWatchHandlers,
  KubeJobStatus,
  RequestOptions,
  WorkloadManifest,
} from './port.js';
import { ClusterError } from './port.js';
import type { ThrottleRetryOptions } from './rate-limit.js';
import { createRateLimiter, monotonicClock, withRateLimit } from './rate-limit.js';
import { kindOfObject, WORKLOAD_RESOURCES } from './workload-kinds.js';

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
  /**
   * The cluster runs Kueue: workloads go to this LocalQueue, created suspended for Kueue to
   * admit (only while discovery finds kueue.x-k8s.io).
   */
  kueue?: { localQueue: string };
  /** How long discovered API groups are trusted before `GET /apis` again; default 60 s. */
  discoveryTtlMs?: number;
  clock?: Clock;
  /** This deployment's id (functions/common/deployment.node.ts), exposed as `driver.deployment`. */
  deployment?: string;
}

/** Pods that may hold GPUs: everything not finished (also filtered client-side). */

export function createKubernetesCluster(options: KubernetesClusterOptions): ClusterDriver {
  const { clusterId } = options;
  const clock = options.clock ?? systemClock;
  // The request budget runs on monotonic time, not on `clock` (the reports' wall clock).
  const limiter = createRateLimiter({ ...options.limiter, clock: monotonicClock });
  const watches = new Set<{ close(): void }>();
  let clients: Clients | undefined;
  let closed = false;
  /** Namespaces seen to exist: a Job in one then costs 1 request, not 2 (forgotten on a 404). */
  const knownNamespaces = new Set<string>();
  const ensuring = new Map<string, Promise<void>>();

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

  /** One request through the budget (`spare`: only its spare part, see `acquireSpare`). */
  async function call<T>(what: string, send: (c: Clients) => Promise<T>, spare?: boolean) {
    const c = getClients();
    try {
      const retry = { ...options.throttleRetry, spare };
      return await withRateLimit<T>(limiter, () => send(c), throttleDelayMs, retry);
    } catch (error) {
      throw classify(error, clusterId, what);
    }
  }
  const api = workloadApi(call);

  const discover = createDiscovery(call, clock, options.discoveryTtlMs ?? 60_000);

  function statusOfObject(kind: WorkloadKind, obj: WorkloadLike): KubeJobStatus {
    return workloadStatusFromKube(kind, obj);
  }

  /**
   * Adds how a finished workload's failing (else first) container ended, or why it waits; and for
   * a gang kind, each replica (its pods are read in every phase).
   */
  async function withPods(kind: WorkloadKind, status: KubeJobStatus): Promise<KubeJobStatus> {
    const done = status.phase === 'succeeded' || status.phase === 'failed';
    const waits = status.phase === 'pending' && !status.reason && !!status.uid;
    if (kind === 'job' && !done && !waits) return status;
    try {
      const pods = await podsOf(call, kind, status, !done);
      const seen = kind === 'job' ? status : { ...status, replicas: replicasOf(pods) };
      if (!done) return waits ? { ...seen, ...pendingReason(pods) } : seen;
      const result = containerResult(pods, status.reason);
      const ended = Object.keys(result).length > 0 ? { ...seen, result } : seen;
      // A gang: say which replica failed (the result has its exit code and reason).
      const replica = kind !== 'job' && status.phase === 'failed' && failingReplica(pods);
      if (!replica) return ended;
      const message = `replica ${replica} failed${status.message ? `: ${status.message}` : ''}`;
      return { ...ended, message };
    } catch {
      return status; // best effort: the pods may be gone; the object's own status still holds
    }
  }

  async function ensureNamespaceNow(name: string, labels: Record<string, string>) {
    try {
      await call(`reading namespace ${name}`, (c) => c.core.readNamespace({ name }));
      knownNamespaces.add(name);
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
    knownNamespaces.add(name);
  }

  async function createJobNow(manifest: WorkloadManifest): Promise<'created' | 'exists'> {
    const { namespace, name } = manifest.metadata;
    const kind = kindOfObject(manifest.kind) ?? 'job';
    const what = `${manifest.kind} ${namespace}/${name}`;
    const found = kind !== 'job' || options.kueue ? await discover() : undefined;
    if (found && !found.kinds.includes(kind)) {
      const r = WORKLOAD_RESOURCES[kind];
      throw new ClusterError(
        'invalid',
        `cluster ${clusterId} cannot run a ${manifest.kind}: its API does not serve ${r.group}/${r.version}; install the operator or place the job elsewhere`,
      );
    }
    const body =
      options.kueue && found?.kueue ? withKueue(manifest, options.kueue.localQueue) : manifest;
    try {
      await api.create(kind, namespace, body);
      return 'created';
    } catch (error) {
      if (
        error instanceof ClusterError &&
        error.statusCode === 404 &&
        knownNamespaces.delete(namespace)
      ) {
        // The namespace was deleted since we saw it: retryable, and the retry creates it again.
        const gone = new ClusterError(
          'server',
          `cluster ${clusterId}: namespace ${namespace} no longer exists; it is created again on the retry`,
          404,
        );
        gone.cause = error;
        throw gone;
      }
      if (!(error instanceof ClusterError) || error.statusCode !== 409) throw error;
    }
    // 409 AlreadyExists: a redelivery of our own create, or somebody else's object.
    const existing = await api.read(kind, namespace, name);
    if (!existing) {
      throw new ClusterError(
        'conflict',
        `cluster ${clusterId}: ${what} existed a moment ago and is gone now; retry the create`,
        409,
      );
    }
    const wanted = manifest.metadata.labels[LABEL_JOB_ID];
    const theirs = existing.metadata?.labels?.[LABEL_JOB_ID];
    if (wanted === undefined || theirs !== wanted) {
      throw new ClusterError(
        'foreign-object',
        `cluster ${clusterId}: ${what} exists but is not this job's ` +
          `(${LABEL_JOB_ID}=${theirs ?? '<none>'}, expected ${wanted ?? '<none>'}); it was left untouched — ` +
          'find out who created it before removing it',
        409,
      );
    }
    if ((existing.metadata as { deletionTimestamp?: unknown } | undefined)?.deletionTimestamp) {
      throw new ClusterError(
        'conflict',
        `cluster ${clusterId}: ${what} is being deleted; retry once it is gone`,
        409,
      );
    }
    return 'exists';
  }

  const driver = {
    clusterId,
    ...(options.deployment ? { deployment: options.deployment } : {}),
    budgetWaitMs: () => limiter.waitedMs(),
    ...podLogMethods(call),

    async ensureNamespace(name: string, labels: Record<string, string>, opts?: RequestOptions) {
      if (knownNamespaces.has(name)) return;
      // One check per namespace at a time: a burst of a new tenant's creates shares it (each used
      // to read, and often create, the namespace itself: a request per Job against the budget).
      // The shared check is bounded by the request timeout, not by one caller's signal.
      let ensured = ensuring.get(name);
      if (!ensured) {
        ensured = ensureNamespaceNow(name, labels).finally(() => ensuring.delete(name));
        ensuring.set(name, ensured);
      }
      await ensured;
      opts?.signal?.throwIfAborted();
    },

    async createJob(manifest: WorkloadManifest, opts?: RequestOptions) {
      return withCallerSignal(opts?.signal, () => createJobNow(manifest));
    },

    async getJob(
      namespace: string,
      name: string,
      kind: WorkloadKind = 'job',
    ): Promise<KubeJobStatus | undefined> {
      const obj = await api.read(kind, namespace, name);
      return obj ? withPods(kind, statusOfObject(kind, obj)) : undefined;
    },

    async deleteJob(namespace: string, name: string, kind?: WorkloadKind, grace?: number) {
      if (kind) return api.remove(kind, namespace, name, grace);
      // Kind unknown (a cancel): whichever served kind has it; names are unique per job.
      const { kinds } = await discover();
      const removed = await Promise.all(kinds.map((k) => api.remove(k, namespace, name, grace)));
      return removed.some(Boolean);
    },

    async listJobs(labelSelector: string, page?: { limit?: number; continue?: string }) {
      const { kinds } = await discover();
      if (page?.limit || page?.continue) {
        const one = await listAcrossKinds(kinds, page.limit, page.continue, (kind, limit, token) =>
          api.list(kind, labelSelector, {
            ...(limit ? { limit } : {}),
            ...(token ? { continue: token } : {}),
          }),
        );
        return { ...one, items: one.items.map(([kind, o]) => statusOfObject(kind, o)) };
      }
      const lists = await Promise.all(kinds.map((k) => api.list(k, labelSelector)));
      const versions = new Map<WorkloadKind, string>();
      const items: KubeJobStatus[] = [];
      kinds.forEach((k, i) => {
        versions.set(k, lists[i]!.resourceVersion);
        for (const o of lists[i]!.items) items.push(statusOfObject(k, o));
      });
      return { items, resourceVersion: encodeVersions(versions) };
    },

    async watchJobs(
      labelSelector: string,
      resourceVersion: string,
      handlers: JobWatchHandlers,
    ): Promise<JobWatch> {
      const versions = decodeVersions(resourceVersion);
      const kinds = versions.size > 0 ? [...versions.keys()] : (await discover()).kinds;
      let ended = false;
      const controllers: AbortController[] = [];
      const entry = { close: () => finish(false) };
      // One exit for every way a watch ends; `onEnd` only when the caller did not stop it.
      const finish = (notify: boolean, error?: unknown) => {
        if (ended) return;
        ended = true;
        watches.delete(entry);
        for (const controller of controllers) controller.abort();
        if (notify) handlers.onEnd(error);
      };
      watches.add(entry);
      for (const kind of kinds) {
        if (ended) break;
        const controller = await watchKind(
          kind,
          labelSelector,
          versions.get(kind),
          handlers,
          finish,
        );
        controllers.push(controller);
        if (ended) controller.abort();
      }
      return { stop: () => finish(false) };
    },

    capacity: (): Promise<CapacityReport> => readCapacity(call, discover, () => iso(clock.now())),

    async close(): Promise<void> {
      closed = true;
      for (const watch of [...watches]) watch.close();
    },
  } satisfies ClusterDriver;

  /** One kind's watch of every namespace; events and its end go to the shared `finish`. */
  async function watchKind(
    kind: WorkloadKind,
    labelSelector: string,
    resourceVersion: string | undefined,
    handlers: JobWatchHandlers,
    finish: (notify: boolean, error?: unknown) => void,
  ): Promise<AbortController> {
    const c = getClients();
    await limiter.acquire();
    const what = `watching ${WORKLOAD_RESOURCES[kind].objectKind}s`;
    try {
      return await c.watch.watch(
        watchPath(kind),
        { labelSelector, resourceVersion: resourceVersion || undefined, allowWatchBookmarks: true },
        (type: string, object: unknown) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            try {
              handlers.onEvent(type, workloadStatusFromKube(kind, object as WorkloadLike));
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
          finish(true, error ? classify(error, clusterId, what) : undefined);
        },
      );
    } catch (error) {
      // Thrown before any request was made (e.g. credentials could not be applied).
      finish(false);
      throw classify(error, clusterId, `starting a watch on ${kind}`);
    }
  }

  return driver;
}
