/**
 * What the controller tick needs, kept up to date from the store's change events instead of
 * listing (and deep-copying) every Job and Pod on each tick: pending pods, running pods with their
 * end times, GPUs in use per node, pods whose Job is gone, finished Jobs with a TTL, the nodes in
 * placement order. Running pods, TTL Jobs and events also sit in due-time heaps, so each event
 * costs O(log n) and a tick touches only what is due. `onWork` is called when there may be
 * scheduling to do (a pod added, GPUs freed, nodes changed), so the server can run a tick at once
 * instead of on its next period.
 */
import { DueQueue } from './due-queue.js';
import { eventExpiresAt } from './events.js';
import { ENDS_AT, STARTED_AT, jobFinished, ownerUid } from './kubelet.js';
import { gangOwner } from './workloads/shape.js';
import { podGpus, sortNodes } from './placement.js';
import type { Store, StoreEvent } from './store.js';
import type { EventObject, JobObject, NodeObject, PodObject } from './types.js';

export interface PodEntry {
  namespace: string;
  name: string;
  created: string;
  owner: string | undefined;
  endsAt: number;
  startedAt: number;
}

export interface JobEntry {
  namespace: string;
  name: string;
  deadlineSeconds: number | undefined;
  startTime: string | undefined;
  /** When a finished Job with ttlSecondsAfterFinished is due for deletion. */
  deleteAt: number | undefined;
}

interface Bound {
  node: string;
  gpus: number;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

export class TickIndex {
  readonly pods = new Map<string, PodEntry>();
  readonly jobs = new Map<string, JobEntry>();
  readonly pending = new Set<string>();
  readonly running = new Set<string>();
  readonly used = new Map<string, number>();
  readonly orphans = new Set<string>();
  readonly ttlJobs = new Set<string>();
  /** Whether pending pods may now place differently than at the last scheduling pass. */
  schedulingDirty = true;
  private readonly bound = new Map<string, Bound>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly unsubscribe: () => void;
  /** The nodes in placement order, listed again only after a Node event. */
  private sortedNodes: NodeObject[] | undefined;
  /** Running pods by when they end (run time or Job deadline), and TTL Jobs by deletion time. */
  private readonly runningDue = new DueQueue();
  private readonly ttlDue = new DueQueue();
  /** Events (`namespace/name`) by when they expire; popped keys are checked on the store. */
  private readonly eventsDue = new DueQueue();
  /** When each key joined `running` / `ttlJobs`: due keys are handed out in the sets' order. */
  private readonly joined = new Map<string, number>();
  private joins = 0;

  constructor(
    private readonly store: Store,
    private readonly onWork: () => void = () => {},
  ) {
    for (const job of store.list<JobObject>('Job')) this.applyJob('ADDED', job);
    for (const pod of store.list<PodObject>('Pod')) this.applyPod('ADDED', pod);
    for (const event of store.peekAll<EventObject>('Event')) this.queueEvent(event);
    this.unsubscribe = store.subscribe((e) => this.apply(e));
  }

  close(): void {
    this.unsubscribe();
  }

  /** Events that may have expired by `t` (`namespace/name`; stale ones included). */
  dueEvents(t: number): Set<string> {
    return this.eventsDue.popDue(t);
  }

  private queueEvent(event: Readonly<EventObject>): void {
    const at = eventExpiresAt(event);
    if (Number.isFinite(at))
      this.eventsDue.push(at, `${event.metadata.namespace ?? ''}/${event.metadata.name}`);
  }

  /** Keys of running pods that may end by `t` (run time or deadline), in `running`'s order. */
  dueRunning(t: number): string[] {
    return this.takeDue(this.runningDue, t, this.running, (key) => this.podDue(key));
  }

  /** Uids of finished Jobs whose TTL may have passed by `t`, in `ttlJobs`'s order. */
  dueTtlJobs(t: number): string[] {
    return this.takeDue(this.ttlDue, t, this.ttlJobs, (uid) => this.jobs.get(uid)?.deleteAt);
  }

  private takeDue(
    queue: DueQueue,
    t: number,
    members: ReadonlySet<string>,
    dueOf: (key: string) => number | undefined,
  ): string[] {
    const due: string[] = [];
    for (const key of queue.popDue(t)) {
      if (!members.has(key)) continue;
      const at = dueOf(key);
      if (at === undefined || Number.isNaN(at)) continue;
      if (at <= t) due.push(key);
      else queue.push(at, key); // a stale, earlier entry: the key stays queued at its real time
    }
    return due.sort((a, b) => this.joined.get(a)! - this.joined.get(b)!);
  }

  /** When a running pod ends: its run's end, or its Job's deadline if sooner (as the tick checks). */
  private podDue(key: string): number {
    const entry = this.pods.get(key);
    if (!entry) return NaN;
    if (!entry.endsAt) return -Infinity; // no end time: the tick ends it at once
    const job = entry.owner ? this.jobs.get(entry.owner) : undefined;
    const startedAt = entry.startedAt || Date.parse(job?.startTime ?? '');
    const deadline = job?.deadlineSeconds;
    const deadlineAt = startedAt && deadline ? startedAt + deadline * 1000 : Infinity;
    return Math.min(entry.endsAt, deadlineAt);
  }

  private queueRunning(key: string): void {
    const at = this.podDue(key);
    if (at !== Infinity && !Number.isNaN(at)) this.runningDue.push(at, key);
  }

  /** Copies of the nodes, sorted for `placeOnSorted`; shared between ticks, so never mutate them. */
  nodes(): readonly NodeObject[] {
    this.sortedNodes ??= sortNodes(this.store.list<NodeObject>('Node'));
    return this.sortedNodes;
  }

  private apply(e: StoreEvent): void {
    if (e.kind === 'Pod') this.applyPod(e.type, e.object as PodObject);
    else if (e.kind === 'Job') this.applyJob(e.type, e.object as JobObject);
    else if (e.kind === 'Event' && e.type !== 'DELETED') this.queueEvent(e.object as EventObject);
    else if (e.kind === 'Node') {
      this.sortedNodes = undefined;
      this.markDirty();
    }
  }

  private markDirty(): void {
    this.schedulingDirty = true;
    this.onWork();
  }

  private applyJob(type: string, job: JobObject): void {
    const uid = job.metadata.uid ?? '';
    if (type === 'DELETED') {
      this.jobs.delete(uid);
      this.ttlJobs.delete(uid);
      this.joined.delete(uid);
      for (const key of this.byOwner.get(uid) ?? []) this.orphans.add(key);
      return;
    }
    const ttl = job.spec.ttlSecondsAfterFinished;
    const finished =
      job.status.completionTime ??
      job.status.conditions?.find((c) => c.type === 'Failed')?.lastTransitionTime;
    const deleteAt =
      ttl !== undefined && jobFinished(job) && finished
        ? Date.parse(finished) + ttl * 1000
        : undefined;
    this.jobs.set(uid, {
      namespace: job.metadata.namespace ?? '',
      name: job.metadata.name,
      deadlineSeconds: job.spec.activeDeadlineSeconds,
      startTime: job.status.startTime,
      deleteAt,
    });
    if (deleteAt !== undefined) {
      if (!this.ttlJobs.has(uid)) this.joined.set(uid, ++this.joins);
      this.ttlJobs.add(uid);
      this.ttlDue.push(deleteAt, uid);
    } else this.ttlJobs.delete(uid);
    // Its pods' deadlines may have moved (start time, activeDeadlineSeconds).
    for (const key of this.byOwner.get(uid) ?? [])
      if (this.running.has(key)) this.queueRunning(key);
  }

  private applyPod(type: string, pod: PodObject): void {
    const namespace = pod.metadata.namespace ?? '';
    const key = podKey(namespace, pod.metadata.name);
    const previous = this.pods.get(key);
    const freed = this.unbind(key);
    this.pending.delete(key);
    this.running.delete(key);
    if (previous?.owner) this.byOwner.get(previous.owner)?.delete(key);
    if (type === 'DELETED') {
      this.pods.delete(key);
      this.orphans.delete(key);
      this.joined.delete(key);
      if (freed) this.markDirty();
      return;
    }
    // Pods of a gang (JobSet, PyTorchJob, RayJob) are bound and ended by workloads/reconcile.ts:
    // the index only counts the GPUs they hold, never schedules, ends or collects them.
    const gang = gangOwner(pod) !== undefined;
    const owner = gang ? undefined : ownerUid(pod);
    const annotations = pod.metadata.annotations ?? {};
    this.pods.set(key, {
      namespace,
      name: pod.metadata.name,
      created: pod.metadata.creationTimestamp ?? '',
      owner,
      endsAt: Date.parse(String(annotations[ENDS_AT] ?? '')),
      startedAt: Date.parse(String(annotations[STARTED_AT] ?? '')),
    });
    if (owner) {
      let set = this.byOwner.get(owner);
      if (!set) this.byOwner.set(owner, (set = new Set()));
      set.add(key);
      if (!this.jobs.has(owner)) this.orphans.add(key);
      else this.orphans.delete(key);
    } else this.orphans.delete(key);
    const phase = pod.status.phase;
    const node = pod.spec.nodeName;
    if (phase === 'Running' && !gang) {
      this.running.add(key);
      this.joined.set(key, ++this.joins);
      this.queueRunning(key);
    }
    if (node && (phase === 'Running' || phase === 'Pending')) {
      const gpus = podGpus(pod.spec);
      this.bound.set(key, { node, gpus });
      this.used.set(node, (this.used.get(node) ?? 0) + gpus);
    }
    if (phase === 'Pending' && !node && !gang) {
      this.pending.add(key);
      if (type === 'ADDED' || freed) this.markDirty();
    } else if (freed && !this.bound.has(key)) this.markDirty();
  }

  /** Removes a pod's GPUs from its node; true when it held a node. */
  private unbind(key: string): boolean {
    const b = this.bound.get(key);
    if (!b) return false;
    this.bound.delete(key);
    const left = (this.used.get(b.node) ?? 0) - b.gpus;
    if (left > 0) this.used.set(b.node, left);
    else this.used.delete(b.node);
    return true;
  }
}
