/**
 * The simulated Job controller: creating a Job (with its one pod) and deleting one with its pods.
 * The periodic pass that binds pending pods, ends pods whose run time or deadline has passed,
 * deletes finished Jobs past their TTL and garbage-collects orphaned pods is tick-indexed.ts (the
 * only tick the server runs). Time is wall-clock, so after a restart a running pod ends when it
 * would have. `backoffLimit` is not honoured: one failed pod fails the Job.
 */
import { randomUUID } from 'node:crypto';
import { ownerUid } from './kubelet.js';
import type { Store } from './store.js';
import type { JobObject, PodObject } from './types.js';
import { randomSuffix } from './validate.js';

/** Stores a validated Job (adding the labels a real Job controller adds) and creates its pod. */
export function createJob(store: Store, input: JobObject, now: Date): JobObject {
  return store.atomically(() => createJobAndPod(store, input, now));
}

function createJobAndPod(store: Store, input: JobObject, now: Date): JobObject {
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
  store.add('Pod', pod, now);
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
