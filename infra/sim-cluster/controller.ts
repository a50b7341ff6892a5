/**
 * The simulated Job controller, scheduler and kubelet. A Job gets one pod at once; each tick binds
 * pending pods, ends pods whose run time or deadline has passed, deletes finished Jobs past their
 * TTL and garbage-collects pods whose Job is gone. An unschedulable pod gets a FailedScheduling
 * event each time the reason changes. Time is wall-clock, so after a restart a running
 * pod ends when it would have. `backoffLimit` is not honoured: one failed pod fails the Job.
 */
import { randomUUID } from 'node:crypto';
import {
  bindPod,
  cond,
  endPod,
  ENDS_AT,
  STARTED_AT,
  envNumber,
  jobFinished,
  ownerUid,
} from './kubelet.js';
import { expireEvents, recordFailedScheduling } from './events.js';
import { placePod, podGpus } from './placement.js';
import type { Store } from './store.js';
import type { JobObject, NodeObject, PodObject } from './types.js';
import { randomSuffix } from './validate.js';
import { gangOwner } from './workloads/shape.js';

/** Stores a validated Job (adding the labels a real Job controller adds) and creates its pod. */
export function createJob(store: Store, input: JobObject, now: Date): JobObject {
  const uid = randomUUID();
  const name = input.metadata.name;
  const namespace = input.metadata.namespace ?? 'default';
  const controllerLabels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  input.metadata.uid = uid;
  input.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const tmplMeta = input.spec.template.metadata ?? {};
  input.spec.template.metadata = {
    ...tmplMeta,
    labels: { ...tmplMeta.labels, ...controllerLabels },
  };
  input.status = { active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} };
  const job = store.create('Job', input, now);
  const pod: PodObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-${randomSuffix()}`,
      namespace,
      labels: { ...job.spec.template.metadata?.labels, ...controllerLabels },
      annotations: { ...job.spec.template.metadata?.annotations },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(job.spec.template.spec),
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
  store.create('Pod', pod, now);
  return job;
}

/** Deletes a Job; `Orphan` keeps its pods (dropping their owner reference), others delete them. */
export function deleteJob(store: Store, job: JobObject, policy: string): void {
  store.delete('Job', job.metadata.namespace ?? '', job.metadata.name);
  for (const pod of store.list<PodObject>('Pod', job.metadata.namespace)) {
    if (ownerUid(pod) !== job.metadata.uid) continue;
    if (policy === 'Orphan') {
      pod.metadata.ownerReferences = pod.metadata.ownerReferences?.filter(
        (o) => o.uid !== job.metadata.uid,
      );
      store.update('Pod', pod);
    } else store.delete('Pod', pod.metadata.namespace ?? '', pod.metadata.name);
  }
}

export interface TickOptions {
  defaultDurationSeconds: number;
  log: (line: string) => void;
}

/** One pass of controller, scheduler and kubelet. */
export function tick(store: Store, now: Date, options: TickOptions): void {
  const jobsByUid = new Map(store.list<JobObject>('Job').map((j) => [j.metadata.uid ?? '', j]));
  const pods = store.list<PodObject>('Pod');
  // 1. Garbage-collect pods whose owning Job is gone.
  for (const pod of pods) {
    const uid = ownerUid(pod);
    if (uid && !jobsByUid.has(uid))
      store.delete('Pod', pod.metadata.namespace ?? '', pod.metadata.name);
  }
  const live = pods.filter((p) => !ownerUid(p) || jobsByUid.has(ownerUid(p) ?? ''));
  // 2. End running pods whose time or Job deadline has come.
  // Pods of a gang (JobSet, PyTorchJob, RayJob) are run by workloads/reconcile.ts instead.
  for (const pod of live.filter((p) => p.status.phase === 'Running' && !gangOwner(p))) {
    const job = jobsByUid.get(ownerUid(pod) ?? '');
    const endsAt = Date.parse(String(pod.metadata.annotations?.[ENDS_AT] ?? '')) || now.getTime();
    const deadline = job?.spec.activeDeadlineSeconds;
    // Measured from the pod's exact start (Job startTime has only second precision).
    const startedAt =
      Date.parse(String(pod.metadata.annotations?.[STARTED_AT] ?? '')) ||
      Date.parse(job?.status.startTime ?? '');
    const deadlineAt = startedAt && deadline ? startedAt + deadline * 1000 : Infinity;
    if (deadlineAt <= now.getTime() && deadlineAt < endsAt)
      endPod(store, pod, job, new Date(deadlineAt), 137, 'DeadlineExceeded', options);
    else if (endsAt <= now.getTime())
      endPod(
        store,
        pod,
        job,
        new Date(endsAt),
        envNumber(pod, 'SIM_EXIT_CODE', 0),
        undefined,
        options,
      );
  }
  // 3. Bind pending pods, oldest first, to nodes with room.
  const nodes = store.list<NodeObject>('Node');
  const used = new Map<string, number>();
  const current = store.list<PodObject>('Pod');
  for (const pod of current) {
    if (pod.spec.nodeName && (pod.status.phase === 'Running' || pod.status.phase === 'Pending')) {
      used.set(pod.spec.nodeName, (used.get(pod.spec.nodeName) ?? 0) + podGpus(pod.spec));
    }
  }
  const pending = current
    .filter((p) => p.status.phase === 'Pending' && !p.spec.nodeName && !gangOwner(p))
    .sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  for (const pod of pending) {
    const placement = placePod(pod.spec, nodes, used);
    const job = jobsByUid.get(ownerUid(pod) ?? '');
    if (placement.node === undefined) {
      const existing = pod.status.conditions?.find((c) => c.type === 'PodScheduled');
      if (existing?.message !== placement.message) {
        pod.status.conditions = [
          cond('PodScheduled', 'False', now, 'Unschedulable', placement.message),
        ];
        recordFailedScheduling(store, store.update('Pod', pod), placement.message, now);
        options.log(
          `pod ${pod.metadata.namespace}/${pod.metadata.name} unschedulable: ${placement.message}`,
        );
      }
      continue;
    }
    bindPod(store, pod, placement.node, job, now, options);
    used.set(placement.node, (used.get(placement.node) ?? 0) + podGpus(pod.spec));
  }
  expireEvents(store, now);
  // 4. Delete finished Jobs past ttlSecondsAfterFinished, with their pods.
  for (const job of store.list<JobObject>('Job')) {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || !jobFinished(job)) continue;
    const finished =
      job.status.completionTime ??
      job.status.conditions?.find((c) => c.type === 'Failed')?.lastTransitionTime;
    if (finished && Date.parse(finished) + ttl * 1000 <= now.getTime()) {
      deleteJob(store, job, 'Background');
      options.log(
        `job ${job.metadata.namespace}/${job.metadata.name} deleted after ttlSecondsAfterFinished=${ttl}`,
      );
    }
  }
}
