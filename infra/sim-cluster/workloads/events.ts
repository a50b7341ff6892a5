/** core/v1 Events about a workload, as its controller records them (for `kubectl describe`). */
import { randomBytes } from 'node:crypto';
import { isoSeconds } from '../store.js';
import type { Store } from '../store.js';
import type { EventObject, KubeObject } from '../types.js';

const COMPONENT: Record<string, string> = {
  JobSet: 'jobset-controller',
  PyTorchJob: 'pytorchjob-controller',
  RayJob: 'rayjob-controller',
  Workload: 'kueue-admission',
};

export function recordEvent(
  store: Store,
  about: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  now: Date,
  component = COMPONENT[about.kind] ?? 'switchyard-sim',
): void {
  const at = isoSeconds(now);
  const namespace = about.metadata.namespace ?? 'default';
  const event: EventObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${about.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: {
      apiVersion: about.apiVersion,
      kind: about.kind,
      namespace,
      name: about.metadata.name,
      uid: about.metadata.uid ?? '',
      resourceVersion: about.metadata.resourceVersion ?? '',
    },
    reason,
    message,
    type,
    source: { component },
    reportingComponent: component,
    reportingInstance: '',
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    eventTime: null,
  };
  store.create('Event', event, now);
}
