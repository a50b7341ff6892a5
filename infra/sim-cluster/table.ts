/** `meta.k8s.io/v1` Table responses for `kubectl get` without `-o`, with kubectl's usual columns. */
import { jobFinished } from './kubelet.js';
import { GPU, nodeReady } from './nodes.js';
import type { EventObject, JobObject, Kind, KubeObject, NodeObject, PodObject } from './types.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

function col(name: string, description: string, type = 'string', format = ''): Column {
  return { name, type, format, description, priority: 0 };
}

/** Kubernetes' short human durations: 45s, 3m20s, 5h, 2d. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function age(object: KubeObject, now: number): string {
  const created = Date.parse(object.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
}

const NAME = col('Name', 'Name must be unique within a namespace.', 'string', 'name');
const AGE = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

function jobRow(job: JobObject, now: number): unknown[] {
  const conditions = job.status.conditions ?? [];
  const isTrue = (t: string) => conditions.some((c) => c.type === t && c.status === 'True');
  const status = isTrue('Complete') ? 'Complete' : isTrue('Failed') ? 'Failed' : 'Running';
  const start = Date.parse(job.status.startTime ?? '');
  const end = job.status.completionTime
    ? Date.parse(job.status.completionTime)
    : jobFinished(job)
      ? NaN
      : now;
  const duration = Number.isNaN(start) || Number.isNaN(end) ? '' : humanDuration(end - start);
  return [job.metadata.name, status, `${job.status.succeeded ?? 0}/1`, duration, age(job, now)];
}

function podRow(pod: PodObject, now: number): unknown[] {
  const statuses = pod.status.containerStatuses ?? [];
  const ready = statuses.filter((s) => s.ready === true).length;
  const terminated = statuses[0]?.state as { terminated?: { reason?: string } } | undefined;
  const unschedulable = pod.status.conditions?.some((c) => c.reason === 'Unschedulable');
  const status =
    terminated?.terminated?.reason ??
    pod.status.reason ??
    (unschedulable ? 'Pending' : pod.status.phase);
  return [
    pod.metadata.name,
    `${ready}/${pod.spec.containers.length}`,
    status,
    0,
    age(pod, now),
    pod.spec.nodeName ?? '<none>',
  ];
}

function nodeRow(node: NodeObject, now: number): unknown[] {
  const accelerator = node.metadata.labels?.['switchyard.io/accelerator'] ?? '<none>';
  return [
    node.metadata.name,
    nodeReady(node) ? 'Ready' : 'NotReady',
    '<none>',
    age(node, now),
    node.status.nodeInfo?.kubeletVersion ?? '',
    accelerator,
    node.status.allocatable[GPU] ?? '0',
  ];
}

function eventRow(event: EventObject, now: number): unknown[] {
  const last = Date.parse(event.lastTimestamp ?? event.metadata.creationTimestamp ?? '');
  const involved = event.involvedObject;
  return [
    Number.isNaN(last) ? '<unknown>' : humanDuration(now - last),
    event.type,
    event.reason,
    `${involved.kind.toLowerCase()}/${involved.name}`,
    event.message,
  ];
}

const COLUMNS: Partial<Record<Kind, Column[]>> = {
  Job: [
    NAME,
    col('Status', 'Status of the job.'),
    col('Completions', 'The completion status of the job.'),
    col('Duration', 'Time required to complete the job.'),
    AGE,
  ],
  Pod: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted.',
      'string',
    ),
    AGE,
    { ...col('Node', 'Name of the node the pod is bound to.'), priority: 1 },
  ],
  Node: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    { ...col('Accelerator', 'The switchyard.io/accelerator label (simulated GPUs).'), priority: 0 },
    { ...col('GPUs', 'Allocatable nvidia.com/gpu.'), priority: 0 },
  ],
  Namespace: [NAME, col('Status', 'The status of the namespace'), AGE],
  Event: [
    col('Last Seen', 'Time since the event last occurred.'),
    col('Type', 'Type of this event (Normal, Warning).'),
    col('Reason', 'Why the action was taken.'),
    col('Object', 'The object this event is about.'),
    col('Message', 'A human-readable description of the status of this operation.'),
  ],
};

/** Builds a Table; `includeObject` is `Object` (full) or otherwise PartialObjectMetadata. */
export function toTable(
  kind: Kind,
  items: KubeObject[],
  resourceVersion: string,
  includeObject: string | null,
  now = Date.now(),
): unknown {
  const row = (o: KubeObject): unknown[] => {
    switch (kind) {
      case 'Job':
        return jobRow(o as JobObject, now);
      case 'Pod':
        return podRow(o as PodObject, now);
      case 'Node':
        return nodeRow(o as NodeObject, now);
      case 'Namespace':
        return [o.metadata.name, 'Active', age(o, now)];
      case 'Event':
        return eventRow(o as EventObject, now);
      default:
        return [o.metadata.name, age(o, now)];
    }
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: COLUMNS[kind] ?? [NAME, AGE],
    rows: items.map((o) => ({
      cells: row(o),
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
