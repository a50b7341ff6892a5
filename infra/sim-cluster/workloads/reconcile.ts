/**
 * One pass of the simulated JobSet, training-operator and KubeRay controllers with a gang
 * scheduler: create the pods of each workload, bind a gang only when every pod fits (else a
 * FailedScheduling event on the workload), end pods when their `SIM_DURATION_SECONDS` is over
 * (exit code `SIM_EXIT_CODE`, only for the replica named by `SIM_FAIL_REPLICA` when set), fail the
 * whole workload when one replica fails, honour `suspend`, write status, garbage-collect the pods
 * of deleted workloads and delete finished workloads past their TTL. Runs before the Job tick.
 */
import { bindPod, cond, endPod, ENDS_AT, envNumber } from '../kubelet.js';
import { podGpus } from '../placement.js';
import type { Store } from '../store.js';
import type { KubeObject, NodeObject, PodObject } from '../types.js';
import type { Operator } from './crds.js';
import { servedResources } from './crds.js';
import { recordEvent } from './events.js';
import { placeGang } from './gang.js';
import type { ReplicaPod } from './shape.js';
import { gangOwner, isSuspended, replicaPods } from './shape.js';
import type { GangPhase, GangView } from './status.js';
import { finished, finishedAt, nextStatus } from './status.js';

export interface WorkloadTickOptions {
  operators: ReadonlySet<Operator>;
  defaultDurationSeconds: number;
  log: (line: string) => void;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
const WORKLOAD_KINDS = ['JobSet', 'PyTorchJob', 'RayJob'];

function env(pod: PodObject, name: string): string | undefined {
  return pod.spec.containers[0]?.env?.find((e) => e.name === name)?.value;
}

/** The replica's exit code: `SIM_EXIT_CODE`, unless `SIM_FAIL_REPLICA` names another replica. */
export function replicaExitCode(pod: PodObject, replica: ReplicaPod, gangIndex: number): number {
  const code = envNumber(pod, 'SIM_EXIT_CODE', 0);
  const only = env(pod, 'SIM_FAIL_REPLICA');
  if (!only) return code;
  return only === replica.key || only === String(gangIndex) ? code : 0;
}

function ownerRef(o: KubeObject) {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    uid: o.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function createPod(store: Store, o: KubeObject, r: ReplicaPod, now: Date): PodObject {
  const pod: PodObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: r.name,
      namespace: o.metadata.namespace ?? 'default',
      labels: r.labels,
      annotations: r.annotations,
      ownerReferences: [ownerRef(o)],
    },
    spec: { restartPolicy: 'Never', ...r.spec },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
  recordEvent(store, o, 'Normal', 'SuccessfulCreatePod', `Created pod: ${r.name}`, now);
  return store.create('Pod', pod, now);
}

function deadlineOf(o: KubeObject): number | undefined {
  const s = rec(o.spec);
  const v =
    o.kind === 'PyTorchJob' ? rec(s.runPolicy).activeDeadlineSeconds : s.activeDeadlineSeconds;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

interface Pass {
  store: Store;
  now: Date;
  nodes: NodeObject[];
  used: Map<string, number>;
  options: WorkloadTickOptions;
}

function phaseOf(o: KubeObject, view: Omit<GangView, 'phase'>, now: Date): GangPhase {
  const pods = view.replicas.map((r) => view.pods.get(r.name));
  if (view.failure) return 'Failed';
  const startedAt = Date.parse(String(rec(o.status).startTime ?? ''));
  const deadline = deadlineOf(o);
  if (deadline && startedAt && startedAt + deadline * 1000 <= now.getTime()) {
    view.deadline = true;
    return 'Failed';
  }
  const leaders = view.replicas.filter((r) => r.leader);
  const deciders = leaders.length ? leaders : view.replicas;
  if (deciders.length && deciders.every((r) => view.pods.get(r.name)?.status.phase === 'Succeeded'))
    return 'Succeeded';
  if (pods.length && pods.every((p) => p && p.spec.nodeName)) return 'Running';
  return 'Pending';
}

/** Ends gang pods whose run is over; returns the first failure among the gang's pods. */
function runKubelet(pass: Pass, replicas: ReplicaPod[], pods: Map<string, PodObject>) {
  let failure: GangView['failure'];
  replicas.forEach((r, i) => {
    const pod = pods.get(r.name);
    if (!pod) return;
    const endsAt = Date.parse(String(pod.metadata.annotations?.[ENDS_AT] ?? ''));
    if (pod.status.phase === 'Running' && !r.service && endsAt <= pass.now.getTime()) {
      const code = replicaExitCode(pod, r, i);
      endPod(pass.store, pod, undefined, new Date(endsAt), code, undefined, pass.options);
      pods.set(
        r.name,
        pass.store.get<PodObject>('Pod', pod.metadata.namespace ?? '', pod.metadata.name)!,
      );
    }
    const ended = pods.get(r.name);
    const term = (ended?.status.containerStatuses?.[0]?.state as Rec | undefined)?.terminated as
      { exitCode?: number; reason?: string } | undefined;
    if (!failure && ended?.status.phase === 'Failed')
      failure = {
        pod: r.name,
        role: r.role,
        exitCode: term?.exitCode ?? 1,
        reason: term?.reason ?? 'Error',
      };
  });
  return failure;
}

function deletePods(pass: Pass, pods: Iterable<PodObject>, keep: (p: PodObject) => boolean): void {
  for (const p of pods) {
    if (keep(p)) continue;
    if (p.spec.nodeName && (p.status.phase === 'Running' || p.status.phase === 'Pending'))
      pass.used.set(p.spec.nodeName, (pass.used.get(p.spec.nodeName) ?? 0) - podGpus(p.spec));
    pass.store.delete('Pod', p.metadata.namespace ?? '', p.metadata.name);
  }
}

function schedule(
  pass: Pass,
  o: KubeObject,
  replicas: ReplicaPod[],
  pods: Map<string, PodObject>,
): void {
  const unbound = replicas
    .map((r) => pods.get(r.name))
    .filter((p): p is PodObject => !!p && !p.spec.nodeName);
  if (!unbound.length) return;
  const placement = placeGang(
    unbound.map((p) => p.spec),
    pass.nodes,
    pass.used,
  );
  if (placement.nodes === undefined) {
    const first = unbound[0]!;
    const existing = first.status.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.message === placement.message) return;
    for (const p of unbound) {
      p.status.conditions = [
        cond('PodScheduled', 'False', pass.now, 'Unschedulable', placement.message),
      ];
      pass.store.update('Pod', p);
    }
    recordEvent(
      pass.store,
      o,
      'Warning',
      'FailedScheduling',
      placement.message,
      pass.now,
      'switchyard-sim-gang-scheduler',
    );
    pass.options.log(
      `${o.kind} ${o.metadata.namespace}/${o.metadata.name} waits: ${placement.message}`,
    );
    return;
  }
  unbound.forEach((p, i) => {
    const node = placement.nodes[i]!;
    bindPod(pass.store, p, node, undefined, pass.now, pass.options);
    pass.used.set(node, (pass.used.get(node) ?? 0) + podGpus(p.spec));
    pods.set(
      p.metadata.name,
      pass.store.get<PodObject>('Pod', p.metadata.namespace ?? '', p.metadata.name)!,
    );
  });
  recordEvent(
    pass.store,
    o,
    'Normal',
    'GangScheduled',
    `all ${unbound.length} pods bound at once (${[...new Set(placement.nodes)].join(', ')})`,
    pass.now,
    'switchyard-sim-gang-scheduler',
  );
}

function writeStatus(pass: Pass, o: KubeObject, view: GangView): void {
  const status = nextStatus(o, view, pass.now);
  if (JSON.stringify(status) === JSON.stringify(o.status)) return;
  const fresh = pass.store.get(o.kind as 'JobSet', o.metadata.namespace ?? '', o.metadata.name);
  if (!fresh) return;
  fresh.status = status;
  pass.store.update(o.kind as 'JobSet', fresh);
}

function afterFinish(pass: Pass, o: KubeObject, owned: PodObject[]): void {
  const byName = new Map(owned.map((p) => [p.metadata.name, p]));
  runKubelet(pass, replicaPods(o), byName);
  const pods = [...byName.values()];
  const s = rec(o.spec);
  const ttl =
    o.kind === 'PyTorchJob' ? rec(s.runPolicy).ttlSecondsAfterFinished : s.ttlSecondsAfterFinished;
  const at = finishedAt(o) ?? pass.now.getTime();
  if (o.kind === 'RayJob' && s.shutdownAfterJobFinishes === true) {
    const wait = typeof ttl === 'number' ? ttl : 0;
    if (at + wait * 1000 <= pass.now.getTime()) deletePods(pass, pods, () => false);
  }
  if (o.kind !== 'RayJob' && typeof ttl === 'number' && at + ttl * 1000 <= pass.now.getTime()) {
    pass.store.delete(o.kind as 'JobSet', o.metadata.namespace ?? '', o.metadata.name);
    deletePods(pass, pods, () => false);
    pass.options.log(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} deleted after its TTL`);
  }
}

function reconcileOne(pass: Pass, o: KubeObject, owned: PodObject[]): void {
  if (finished(o)) return afterFinish(pass, o, owned);
  const replicas = replicaPods(o);
  const pods = new Map(owned.map((p) => [p.metadata.name, p]));
  if (isSuspended(o)) {
    deletePods(pass, owned, () => false);
    return writeStatus(pass, o, { phase: 'Suspended', replicas, pods: new Map() });
  }
  for (const r of replicas)
    if (!pods.has(r.name)) pods.set(r.name, createPod(pass.store, o, r, pass.now));
  const failure = runKubelet(pass, replicas, pods);
  const base = { replicas, pods, ...(failure ? { failure } : {}) };
  const phase = phaseOf(o, base, pass.now);
  const view: GangView = { ...base, phase };
  if (phase === 'Failed') {
    const f = view.failure;
    const msg = f
      ? `pod ${f.pod} exited with code ${f.exitCode} (${f.reason}); the workload fails`
      : 'activeDeadlineSeconds exceeded; the workload fails';
    recordEvent(
      pass.store,
      o,
      'Warning',
      view.deadline ? 'DeadlineExceeded' : 'ReplicaFailed',
      msg,
      pass.now,
    );
    deletePods(
      pass,
      pods.values(),
      (p) => p.status.phase === 'Failed' || p.status.phase === 'Succeeded',
    );
  } else if (phase === 'Succeeded') {
    recordEvent(
      pass.store,
      o,
      'Normal',
      'Completed',
      `${o.kind} ${o.metadata.name} completed`,
      pass.now,
    );
    const clean = rec(rec(o.spec).runPolicy).cleanPodPolicy;
    if (o.kind === 'JobSet' || clean === 'Running' || clean === 'All')
      deletePods(
        pass,
        pods.values(),
        (p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed',
      );
  } else if (phase === 'Pending') schedule(pass, o, replicas, pods);
  const after = phase === 'Pending' ? phaseOf(o, base, pass.now) : phase;
  writeStatus(pass, { ...o }, { ...view, phase: after });
}

/**
 * Stores whose last pass found no workload: gang pods are only created by a pass that found one,
 * so while none exists the pass (and its pod listing, which clones every pod) can be skipped.
 */
const idle = new WeakSet<Store>();

/** One reconcile pass over every served workload kind. */
export function tickWorkloads(store: Store, now: Date, options: WorkloadTickOptions): void {
  const kinds = servedResources(options.operators).filter((r) => WORKLOAD_KINDS.includes(r.kind));
  const present = kinds.some((r) => store.count(r.kind) > 0);
  if (!present && idle.has(store)) return;
  if (present) idle.delete(store);
  else idle.add(store);
  const workloads = kinds
    .flatMap((r) => store.list(r.kind))
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
  const allPods = store.list<PodObject>('Pod');
  const byOwner = new Map<string, PodObject[]>();
  for (const p of allPods) {
    const uid = gangOwner(p);
    if (uid !== undefined) byOwner.set(uid, [...(byOwner.get(uid) ?? []), p]);
  }
  const live = new Set(workloads.map((o) => o.metadata.uid ?? ''));
  for (const [uid, pods] of byOwner)
    if (!live.has(uid))
      for (const p of pods) store.delete('Pod', p.metadata.namespace ?? '', p.metadata.name);
  const used = new Map<string, number>();
  for (const p of store.list<PodObject>('Pod'))
    if (p.spec.nodeName && (p.status.phase === 'Running' || p.status.phase === 'Pending'))
      used.set(p.spec.nodeName, (used.get(p.spec.nodeName) ?? 0) + podGpus(p.spec));
  const pass: Pass = { store, now, nodes: store.list<NodeObject>('Node'), used, options };
  for (const o of workloads) reconcileOne(pass, o, byOwner.get(o.metadata.uid ?? '') ?? []);
}
