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

/** Deletes events whose last occurrence is older than the TTL. */
export function expireEvents(store: Store, now: Date): void {
  // Looks without copying (each tick runs this); deletes the expired in list order, as before.
  const expired: string[] = [];
  for (const event of store.peekAll<EventObject>('Event')) {
    const last = Date.parse(event.lastTimestamp ?? event.metadata.creationTimestamp ?? '');
    if (Number.isFinite(last) && last + EVENT_TTL_MS <= now.getTime()) {
      expired.push(`${event.metadata.namespace ?? ''}/${event.metadata.name}`);
    }
  }
  for (const key of expired.sort(collate)) {
    const slash = key.indexOf('/');
    store.delete('Event', key.slice(0, slash), key.slice(slash + 1));
  }
}

const collate = new Intl.Collator().compare;
