/**
 * The controller tick driven by `TickIndex`, in four steps: garbage-collect orphaned pods, end pods
 * whose time or deadline came, bind pending pods oldest first (an unschedulable pod gets a
 * FailedScheduling event each time the reason changes), delete finished Jobs past their TTL. Each
 * step reads only the index entries it acts on, so a tick over 10,000 idle pods costs what a tick
 * over none does. (It replaced a full-scan `tick` in controller.ts, removed once nothing called it.)
 */
import { deleteJob, type TickOptions } from './controller.js';
import { expireEvents, recordFailedScheduling } from './events.js';
import { bindPod, cond, endPod, envNumber } from './kubelet.js';
import { placeOnSorted } from './placement.js';
import type { Store } from './store.js';
import type { TickIndex } from './tick-index.js';
import type { JobObject, PodObject } from './types.js';

/**
 * A copy of a stored pod or Job for the kubelet to change and write back, one level deep: bindPod,
 * endPod and the FailedScheduling update replace `status` and `metadata` fields and set
 * `spec.nodeName`, never edit deeper, so copying the whole object (as `get` does) is not needed.
 */
function writable<T extends PodObject | JobObject>(stored: Readonly<T> | undefined): T | undefined {
  if (!stored) return undefined;
  const { metadata, spec, status } = stored;
  return { ...stored, metadata: { ...metadata }, spec: { ...spec }, status: { ...status } } as T;
}

function podOf(store: Store, entry: { namespace: string; name: string }): PodObject | undefined {
  return writable(store.peek<PodObject>('Pod', entry.namespace, entry.name));
}

function jobOf(store: Store, index: TickIndex, uid: string | undefined): JobObject | undefined {
  const entry = uid ? index.jobs.get(uid) : undefined;
  return entry ? writable(store.peek<JobObject>('Job', entry.namespace, entry.name)) : undefined;
}

function collectOrphans(store: Store, index: TickIndex): void {
  for (const key of [...index.orphans]) {
    const entry = index.pods.get(key);
    index.orphans.delete(key);
    if (entry?.owner && !index.jobs.has(entry.owner))
      store.delete('Pod', entry.namespace, entry.name);
  }
}

function endDuePods(store: Store, index: TickIndex, now: Date, options: TickOptions): void {
  const t = now.getTime();
  for (const key of index.dueRunning(t)) {
    const entry = index.pods.get(key);
    if (!entry) continue;
    const jobEntry = entry.owner ? index.jobs.get(entry.owner) : undefined;
    const endsAt = entry.endsAt || t;
    const startedAt = entry.startedAt || Date.parse(jobEntry?.startTime ?? '');
    const deadline = jobEntry?.deadlineSeconds;
    const deadlineAt = startedAt && deadline ? startedAt + deadline * 1000 : Infinity;
    const byDeadline = deadlineAt <= t && deadlineAt < endsAt;
    if (!byDeadline && endsAt > t) continue;
    const pod = podOf(store, entry);
    if (!pod) continue;
    const job = jobOf(store, index, entry.owner);
    if (byDeadline) endPod(store, pod, job, new Date(deadlineAt), 137, 'DeadlineExceeded', options);
    else
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
}

function bindPending(store: Store, index: TickIndex, now: Date, options: TickOptions): void {
  if (!index.schedulingDirty) return;
  index.schedulingDirty = false;
  if (index.pending.size === 0) return;
  const nodes = index.nodes();
  const order = [...index.pending]
    .map((key) => index.pods.get(key))
    .filter((e) => e !== undefined)
    .sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  for (const entry of order) {
    const pod = podOf(store, entry);
    if (!pod) continue;
    // index.used is updated by the store event of each bind, so later pods see the GPUs taken.
    const placement = placeOnSorted(pod.spec, nodes, index.used);
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
    bindPod(store, pod, placement.node, jobOf(store, index, entry.owner), now, options);
  }
  // Binding may have been interleaved with events that dirtied it again; those stay dirty.
}

function deleteExpiredJobs(store: Store, index: TickIndex, now: Date, options: TickOptions): void {
  for (const uid of index.dueTtlJobs(now.getTime())) {
    const entry = index.jobs.get(uid);
    if (entry?.deleteAt === undefined || entry.deleteAt > now.getTime()) continue;
    const job = store.get<JobObject>('Job', entry.namespace, entry.name);
    if (!job) continue;
    deleteJob(store, job, 'Background');
    options.log(
      `job ${entry.namespace}/${entry.name} deleted after ttlSecondsAfterFinished=${job.spec.ttlSecondsAfterFinished}`,
    );
  }
}

/** One pass of controller, scheduler and kubelet over what the index says is due. */
export function tickIndexed(store: Store, index: TickIndex, now: Date, options: TickOptions): void {
  collectOrphans(store, index);
  endDuePods(store, index, now, options);
  bindPending(store, index, now, options);
  expireEvents(store, now, index.dueEvents(now.getTime()));
  deleteExpiredJobs(store, index, now, options);
}
