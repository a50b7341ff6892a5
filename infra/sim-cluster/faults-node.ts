/**
 * Simulated node loss (`PUT /sim/faults {"loseNodes": ["<node>"]}`), done the way Kubernetes
 * does it: the node's Ready condition turns Unknown and it gets the `node.kubernetes.io/unreachable`
 * NoSchedule/NoExecute taints, so nothing is scheduled there and capacity reports leave it out;
 * its pods are failed by the taint manager (condition `DisruptionTarget`, reason
 * `DeletionByTaintManager`; containers `ContainerStatusUnknown`, exit code 137), and a Job whose
 * pod that was fails: `PodFailurePolicy` when a `FailJob` rule matches `DisruptionTarget`, else
 * `BackoffLimitExceeded` (`backoffLimit` is not honoured, as elsewhere in the simulation). Nodes lost
 * earlier and not listed any more come back Ready.
 */
import { cond, jobFinished, ownerUid } from './kubelet.js';
import { StatusError } from './errors.js';
import { isoSeconds, type Store } from './store.js';
import type { Condition, JobObject, NodeObject, PodObject, Taint } from './types.js';

/** Node annotation marking a node this module lost (and so may bring back). */
export const LOST_AT = 'sim.switchyard.io/lost-at';
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const TAINT_MANAGER = 'Taint manager: deleting due to NoExecute taint';

/** The node names a `loseNodes` fault gives, or a 400 saying what to send. */
export function checkLoseNodes(store: Store, value: unknown): string[] {
  if (value === undefined) return [];
  const names = store.list<NodeObject>('Node').map((n) => n.metadata.name);
  const example = `e.g. {"loseNodes": ["${names[0] ?? 'node-0'}"]}`;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new StatusError(400, 'BadRequest', `loseNodes must be a list of node names, ${example}`);
  const unknown = value.filter((v: string) => !names.includes(v));
  if (unknown.length > 0) {
    throw new StatusError(
      400,
      'BadRequest',
      `loseNodes names unknown node(s) ${unknown.join(', ')}; the nodes are ${names.join(', ')}`,
    );
  }
  return value as string[];
}

/** Loses the listed nodes not lost yet and brings back lost nodes not listed. */
export function applyLostNodes(
  store: Store,
  lose: readonly string[],
  now: Date,
  log: (line: string) => void,
): void {
  for (const node of store.list<NodeObject>('Node')) {
    const lost = node.metadata.annotations?.[LOST_AT] !== undefined;
    const wanted = lose.includes(node.metadata.name);
    if (wanted && !lost) loseNode(store, node, now, log);
    else if (!wanted && lost) restoreNode(store, node, now, log);
  }
}

function readyCondition(node: NodeObject, ready: Condition): Condition[] {
  return [...node.status.conditions.filter((c) => c.type !== 'Ready'), ready];
}

function loseNode(store: Store, node: NodeObject, now: Date, log: (line: string) => void): void {
  const taints: Array<Taint & { timeAdded?: string }> = (node.spec.taints ?? []).filter(
    (t) => t.key !== UNREACHABLE,
  );
  taints.push(
    { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: isoSeconds(now) },
    { key: UNREACHABLE, effect: 'NoExecute', timeAdded: isoSeconds(now) },
  );
  node.spec = { ...node.spec, taints };
  node.metadata.annotations = { ...node.metadata.annotations, [LOST_AT]: now.toISOString() };
  const unknown = cond(
    'Ready',
    'Unknown',
    now,
    'NodeStatusUnknown',
    'Kubelet stopped posting node status.',
  );
  node.status.conditions = readyCondition(node, { ...unknown, lastHeartbeatTime: isoSeconds(now) });
  store.update('Node', node);
  log(`node ${node.metadata.name} lost (simulated): NotReady, tainted ${UNREACHABLE}`);
  const jobs = new Map(store.list<JobObject>('Job').map((j) => [j.metadata.uid ?? '', j]));
  for (const pod of store.list<PodObject>('Pod')) {
    if (pod.spec.nodeName !== node.metadata.name) continue;
    if (pod.status.phase !== 'Running' && pod.status.phase !== 'Pending') continue;
    failPod(store, pod, now);
    log(`pod ${pod.metadata.namespace}/${pod.metadata.name} failed: ${TAINT_MANAGER}`);
    const job = jobs.get(ownerUid(pod) ?? '');
    if (job && !jobFinished(job)) failJob(store, job, pod, now);
  }
}

function failPod(store: Store, pod: PodObject, now: Date): void {
  const finished = isoSeconds(now);
  const kept = (pod.status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
  pod.status = {
    ...pod.status,
    phase: 'Failed',
    conditions: [
      cond('DisruptionTarget', 'True', now, 'DeletionByTaintManager', TAINT_MANAGER),
      ...kept.map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady'
          ? cond(c.type, 'False', now, 'PodFailed')
          : c,
      ),
    ],
    containerStatuses: (pod.status.containerStatuses ?? []).map((s) => ({
      ...s,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode: 137,
          reason: 'ContainerStatusUnknown',
          message: 'The container could not be located when the pod was terminated',
          startedAt: pod.status.startTime,
          finishedAt: finished,
        },
      },
    })),
  };
  store.update('Pod', pod);
}

/** The index of a `FailJob` rule of the Job's pod failure policy that matches a disruption. */
function disruptionRule(job: JobObject): number {
  const policy = job.spec.podFailurePolicy as
    { rules?: Array<{ action?: string; onPodConditions?: Array<{ type?: string }> }> } | undefined;
  return (policy?.rules ?? []).findIndex(
    (r) =>
      r.action === 'FailJob' &&
      (r.onPodConditions ?? []).some((c) => c.type === 'DisruptionTarget'),
  );
}

/** Fails the pod's Job: by its pod failure policy when a rule matches, else by backoffLimit 0. */
function failJob(store: Store, job: JobObject, pod: PodObject, now: Date): void {
  const { active: _active, ...rest } = job.status;
  const rule = disruptionRule(job);
  const why = rule >= 0 ? 'PodFailurePolicy' : 'BackoffLimitExceeded';
  const msg =
    rule >= 0
      ? `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition DisruptionTarget matching FailJob rule at index ${rule}`
      : 'Job has reached the specified backoff limit';
  job.status = {
    ...rest,
    ready: 0,
    failed: (job.status.failed ?? 0) + 1,
    conditions: [
      cond('FailureTarget', 'True', now, why, msg),
      cond('Failed', 'True', now, why, msg),
    ],
  };
  store.update('Job', job);
}

function restoreNode(store: Store, node: NodeObject, now: Date, log: (line: string) => void): void {
  node.spec = {
    ...node.spec,
    taints: (node.spec.taints ?? []).filter((t) => t.key !== UNREACHABLE),
  };
  const { [LOST_AT]: _lost, ...annotations } = node.metadata.annotations ?? {};
  node.metadata.annotations = annotations;
  const ready = cond(
    'Ready',
    'True',
    now,
    'KubeletReady',
    'simulated kubelet is posting ready status',
  );
  node.status.conditions = readyCondition(node, { ...ready, lastHeartbeatTime: isoSeconds(now) });
  store.update('Node', node);
  log(`node ${node.metadata.name} back (simulated): Ready`);
}
