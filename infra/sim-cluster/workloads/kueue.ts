/**
 * A small Kueue: for each JobSet/PyTorchJob/RayJob labelled `kueue.x-k8s.io/queue-name` it keeps
 * a kueue.x-k8s.io/v1beta1 Workload, and admits it (QuotaReserved + Admitted, then unsuspends the
 * job) when the LocalQueue's ClusterQueue has enough unused `nvidia.com/gpu` nominal quota for the
 * whole gang; otherwise the Workload says how much more is needed and the job stays suspended.
 * Finished jobs release their quota. Admission is BestEffortFIFO, oldest first; no preemption,
 * cohorts or borrowing. The configured ClusterQueue, and a LocalQueue of the configured name in
 * every namespace, are created when missing.
 */
import { cond } from '../kubelet.js';
import { GPU } from '../nodes.js';
import { podGpus } from '../placement.js';
import type { Store } from '../store.js';
import type { Condition, KubeObject } from '../types.js';
import { recordEvent } from './events.js';
import { isSuspended, QUEUE_LABEL, replicaPods, setSuspended } from './shape.js';
import { finished } from './status.js';

export interface SimKueueOptions {
  /** nominalQuota of nvidia.com/gpu of the ClusterQueue the cluster starts with. */
  gpuQuota: number;
  /** Default "cluster-queue". */
  clusterQueue?: string;
  /** A LocalQueue of this name, pointing at the ClusterQueue, exists in every namespace; default "user-queue". */
  localQueue?: string;
}

const API = 'kueue.x-k8s.io/v1beta1';
type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
const conditions = (o: KubeObject) => (rec(o.status).conditions ?? []) as Condition[];
const isTrue = (o: KubeObject, type: string) =>
  conditions(o).some((c) => c.type === type && c.status === 'True');

function ensureQueues(store: Store, now: Date, k: SimKueueOptions): void {
  const cq = k.clusterQueue ?? 'cluster-queue';
  if (!store.get('ClusterQueue', '', cq)) {
    const resources = [{ name: GPU, nominalQuota: k.gpuQuota }];
    store.create(
      'ClusterQueue',
      {
        apiVersion: API,
        kind: 'ClusterQueue',
        metadata: { name: cq, generation: 1 },
        spec: {
          namespaceSelector: {},
          queueingStrategy: 'BestEffortFIFO',
          resourceGroups: [
            { coveredResources: [GPU], flavors: [{ name: 'default-flavor', resources }] },
          ],
        },
        status: {},
      },
      now,
    );
  }
  const lq = k.localQueue ?? 'user-queue';
  for (const ns of store.list('Namespace')) {
    if (store.get('LocalQueue', ns.metadata.name, lq)) continue;
    store.create(
      'LocalQueue',
      {
        apiVersion: API,
        kind: 'LocalQueue',
        metadata: { name: lq, namespace: ns.metadata.name, generation: 1 },
        spec: { clusterQueue: cq },
        status: {},
      },
      now,
    );
  }
}

function nominalGpus(cq: KubeObject): number {
  const groups = (rec(cq.spec).resourceGroups ?? []) as Rec[];
  let total = 0;
  for (const g of groups)
    for (const f of (g.flavors ?? []) as Rec[])
      for (const r of (f.resources ?? []) as Rec[])
        if (r.name === GPU) total += Number(r.nominalQuota) || 0;
  return total;
}

function workloadName(job: KubeObject): string {
  return `${job.kind.toLowerCase()}-${job.metadata.name}`.slice(0, 63).replace(/-+$/, '');
}

function ensureWorkload(store: Store, job: KubeObject, now: Date): KubeObject {
  const ns = job.metadata.namespace ?? 'default';
  const found = store.get('Workload', ns, workloadName(job));
  if (found) return found;
  const replicas = replicaPods(job);
  const roles = [...new Set(replicas.map((r) => r.role))];
  return store.create(
    'Workload',
    {
      apiVersion: API,
      kind: 'Workload',
      metadata: {
        name: workloadName(job),
        namespace: ns,
        generation: 1,
        labels: { 'kueue.x-k8s.io/job-uid': job.metadata.uid ?? '' },
        ownerReferences: [
          {
            apiVersion: job.apiVersion,
            kind: job.kind,
            name: job.metadata.name,
            uid: job.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        queueName: job.metadata.labels?.[QUEUE_LABEL] ?? '',
        active: true,
        podSets: roles.map((role) => {
          const of = replicas.filter((r) => r.role === role);
          return { name: role.toLowerCase(), count: of.length, template: { spec: of[0]?.spec } };
        }),
      },
      status: {},
    },
    now,
  );
}

function setStatus(store: Store, wl: KubeObject, status: Rec): KubeObject {
  if (JSON.stringify(status) === JSON.stringify(wl.status)) return wl;
  return store.update('Workload', { ...wl, status });
}

function withCondition(
  wl: KubeObject,
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
): Condition[] {
  const rest = conditions(wl).filter((c) => c.type !== type);
  const old = conditions(wl).find((c) => c.type === type);
  if (old && old.status === status && old.message === message) return conditions(wl);
  return [...rest, cond(type, status, now, reason, message)];
}

/** One admission pass. */
export function tickKueue(store: Store, now: Date, k: SimKueueOptions | undefined): void {
  if (k) ensureQueues(store, now, k);
  const jobs = ['JobSet', 'PyTorchJob', 'RayJob']
    .flatMap((kind) => store.list(kind as 'JobSet'))
    .filter((j) => j.metadata.labels?.[QUEUE_LABEL])
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
  const live = new Set(jobs.map((j) => j.metadata.uid));
  for (const wl of store.list('Workload'))
    if (!live.has(wl.metadata.ownerReferences?.[0]?.uid))
      store.delete('Workload', wl.metadata.namespace ?? '', wl.metadata.name);
  const usage = new Map<string, number>();
  const pending: [KubeObject, KubeObject][] = [];
  for (const job of jobs) {
    let wl = ensureWorkload(store, job, now);
    const admitted = isTrue(wl, 'Admitted');
    if (finished(job)) {
      if (!isTrue(wl, 'Finished')) {
        const ok = !JSON.stringify(job.status).includes('"Failed"');
        setStatus(store, wl, {
          ...rec(wl.status),
          conditions: withCondition(
            wl,
            'Finished',
            'True',
            ok ? 'Succeeded' : 'Failed',
            ok ? 'Job finished successfully' : 'Job failed',
            now,
          ),
        });
      }
      continue;
    }
    if (admitted) {
      const cq = String(rec(rec(wl.status).admission).clusterQueue ?? '');
      usage.set(cq, (usage.get(cq) ?? 0) + gangGpus(job));
      continue;
    }
    if (!isSuspended(job)) {
      setSuspended(job, true);
      store.update(job.kind as 'JobSet', job);
    }
    wl = store.get('Workload', wl.metadata.namespace ?? '', wl.metadata.name) ?? wl;
    pending.push([job, wl]);
  }
  for (const [job, wl] of pending) admitOne(store, job, wl, usage, now);
  queueStatuses(store);
}

function gangGpus(job: KubeObject): number {
  return replicaPods(job).reduce((n, r) => n + podGpus(r.spec), 0);
}

function admitOne(
  store: Store,
  job: KubeObject,
  wl: KubeObject,
  usage: Map<string, number>,
  now: Date,
): void {
  const ns = job.metadata.namespace ?? 'default';
  const queue = job.metadata.labels?.[QUEUE_LABEL] ?? '';
  const lq = store.get('LocalQueue', ns, queue);
  const cqName = String(rec(lq?.spec).clusterQueue ?? '');
  const cq = cqName ? store.get('ClusterQueue', '', cqName) : undefined;
  const need = gangGpus(job);
  const pend = (message: string, reason = 'Pending') =>
    setStatus(store, wl, {
      ...rec(wl.status),
      conditions: withCondition(wl, 'QuotaReserved', 'False', reason, message, now),
    });
  if (!lq) return void pend(`LocalQueue ${queue} doesn't exist`, 'Inadmissible');
  if (!cq) return void pend(`ClusterQueue ${cqName} doesn't exist`, 'Inadmissible');
  const used = usage.get(cqName) ?? 0;
  const nominal = nominalGpus(cq);
  if (used + need > nominal) {
    const role = (rec(wl.spec).podSets as Rec[] | undefined)?.[0]?.name ?? 'main';
    return void pend(
      `couldn't assign flavors to pod set ${String(role)}: insufficient unused quota for ${GPU} in flavor default-flavor, ${used + need - nominal} more needed`,
    );
  }
  usage.set(cqName, used + need);
  const podSets = (rec(wl.spec).podSets ?? []) as Rec[];
  let conds = withCondition(
    wl,
    'QuotaReserved',
    'True',
    'QuotaReserved',
    `Quota reserved in ClusterQueue ${cqName}`,
    now,
  );
  conds = [
    ...conds.filter((c) => c.type !== 'Admitted'),
    cond('Admitted', 'True', now, 'Admitted', 'The workload is admitted'),
  ];
  setStatus(store, wl, {
    ...rec(wl.status),
    conditions: conds,
    admission: {
      clusterQueue: cqName,
      podSetAssignments: podSets.map((p) => ({
        name: p.name,
        count: p.count,
        flavors: { [GPU]: 'default-flavor' },
      })),
    },
  });
  setSuspended(job, false);
  store.update(job.kind as 'JobSet', job);
  recordEvent(
    store,
    job,
    'Normal',
    'Started',
    `Admitted by clusterQueue ${cqName}`,
    now,
    'kueue-admission',
  );
}

function queueStatuses(store: Store): void {
  const workloads = store.list('Workload');
  const count = (match: (wl: KubeObject) => boolean) => ({
    pendingWorkloads: workloads.filter((w) => match(w) && !isTrue(w, 'Admitted')).length,
    admittedWorkloads: workloads.filter(
      (w) => match(w) && isTrue(w, 'Admitted') && !isTrue(w, 'Finished'),
    ).length,
  });
  for (const lq of store.list('LocalQueue')) {
    const c = count(
      (w) =>
        w.metadata.namespace === lq.metadata.namespace &&
        rec(w.spec).queueName === lq.metadata.name,
    );
    const status = { ...rec(lq.status), ...c, reservingWorkloads: c.admittedWorkloads };
    if (JSON.stringify(status) !== JSON.stringify(lq.status))
      store.update('LocalQueue', { ...lq, status });
  }
  for (const cq of store.list('ClusterQueue')) {
    const c = count(
      (w) =>
        rec(rec(w.status).admission).clusterQueue === cq.metadata.name ||
        (!isTrue(w, 'Admitted') && queueOf(store, w) === cq.metadata.name),
    );
    const status = { ...rec(cq.status), ...c, reservingWorkloads: c.admittedWorkloads };
    if (JSON.stringify(status) !== JSON.stringify(cq.status))
      store.update('ClusterQueue', { ...cq, status });
  }
}

function queueOf(store: Store, wl: KubeObject): string {
  const lq = store.get(
    'LocalQueue',
    wl.metadata.namespace ?? '',
    String(rec(wl.spec).queueName ?? ''),
  );
  return String(rec(lq?.spec).clusterQueue ?? '');
}
