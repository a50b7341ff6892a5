/**
 * What a real cluster has without being asked: the `default`, `kube-system` and `kube-public`
 * namespaces, and core/v1 Events from the scheduler (`FailedScheduling`, with kube-scheduler's
 * wording), so `kubectl describe pod` and `kubectl get events` say why a pod is Pending. Events
 * expire after an hour, like kube-apiserver's default `--event-ttl`.
 */
import { randomBytes } from 'node:crypto';
import { isoSeconds } from './store.js';
import type { Store } from './store.js';
import type { EventObject, KubeObject, PodObject } from './types.js';
import { validateNamespace } from './validate.js';

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public'] as const;

/** kube-apiserver's default `--event-ttl`. */
export const EVENT_TTL_MS = 60 * 60 * 1000;

/** Creates the namespaces every cluster starts with (also in stores persisted without them). */
export function ensureDefaultNamespaces(store: Store, now: Date): void {
  for (const name of DEFAULT_NAMESPACES) {
    if (store.get('Namespace', '', name)) continue;
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    store.create('Namespace', validateNamespace(ns), now);
  }
}

/** Records the scheduler's Warning event for a pod it cannot place, in the pod's namespace. */
export function recordFailedScheduling(
  store: Store,
  pod: PodObject,
  message: string,
  now: Date,
): EventObject {
  const at = isoSeconds(now);
  const event: EventObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}`,
      namespace: pod.metadata.namespace ?? 'default',
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      uid: pod.metadata.uid ?? '',
      resourceVersion: pod.metadata.resourceVersion ?? '',
    },
    reason: 'FailedScheduling',
    message,
    type: 'Warning',
    source: { component: 'default-scheduler' },
    reportingComponent: 'default-scheduler',
    reportingInstance: '',
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    eventTime: null,
  };
  return store.create('Event', event, now);
}

/** When an event expires (its last occurrence plus the TTL); NaN when it has no time. */
export function eventExpiresAt(event: Readonly<EventObject>): number {
  return Date.parse(event.lastTimestamp ?? event.metadata.creationTimestamp ?? '') + EVENT_TTL_MS;
}

/**
 * Deletes the events among `candidates` (`namespace/name`, e.g. the tick index's due ones) whose
 * last occurrence is older than the TTL, in list order (namespace/name).
 */
export function expireEvents(store: Store, now: Date, candidates: Iterable<string>): void {
  const expired: [string, string][] = [];
  for (const key of candidates) {
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const event = store.peek<EventObject>('Event', namespace, name);
    if (event && eventExpiresAt(event) <= now.getTime()) expired.push([namespace, name]);
  }
  expired.sort((a, b) => collate(`${a[0]}/${a[1]}`, `${b[0]}/${b[1]}`));
  for (const [namespace, name] of expired) store.delete('Event', namespace, name);
}

const collate = new Intl.Collator().compare;
