/**
 * Each pod of a multi-node workload as a replica (role, index, pod, node, phase, how its
 * container ended), from the labels the real controllers put on their pods: the training
 * operator's replica type and index, JobSet's replicated Job name and job index, KubeRay's node
 * type. A replica restarted by its controller keeps only its newest pod; the list is bounded
 * (`MAX_REPLICAS`). Pure, edge-safe.
 */
import { MAX_REPLICAS, type ReplicaState } from '../../domain/replica.js';

/** The fields of a pod read here (client-node's V1Pod has them all). */
export interface ReplicaPod {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    creationTimestamp?: unknown;
  };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: { state?: { terminated?: { exitCode?: number; reason?: string } } }[];
  };
}

const ROLE_LABELS = [
  'training.kubeflow.org/replica-type',
  'jobset.sigs.k8s.io/replicatedjob-name',
  'ray.io/node-type',
];
const INDEX_LABELS = [
  'training.kubeflow.org/replica-index',
  'jobset.sigs.k8s.io/job-index',
  'batch.kubernetes.io/job-completion-index',
];

const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

function labelOf(pod: ReplicaPod, keys: readonly string[]): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const k of keys) if (labels[k] !== undefined && labels[k] !== '') return labels[k];
  return undefined;
}

function indexOf(pod: ReplicaPod): number | undefined {
  const v = labelOf(pod, INDEX_LABELS);
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
}

const created = (p: ReplicaPod): number => {
  const t = p.metadata?.creationTimestamp;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : 0;
};

/** The failing (else first) ended container of the pod. */
function ended(pod: ReplicaPod): { exitCode?: number; reason?: string } | undefined {
  let found: { exitCode?: number; reason?: string } | undefined;
  for (const c of pod.status?.containerStatuses ?? []) {
    const t = c.state?.terminated;
    if (t && (!found || ((found.exitCode ?? 0) === 0 && (t.exitCode ?? 0) !== 0))) found = t;
  }
  return found;
}

function replicaOf(pod: ReplicaPod, role: string | undefined, index: number): ReplicaState {
  const r: ReplicaState = {
    ...(role ? { role: cut(role, 63) } : {}),
    index,
    pod: cut(pod.metadata?.name ?? '', 253),
    phase: cut(pod.status?.phase ?? 'Unknown', 32),
  };
  if (pod.spec?.nodeName) r.node = cut(pod.spec.nodeName, 253);
  const end = ended(pod);
  if (typeof end?.exitCode === 'number') r.exitCode = end.exitCode;
  if (end?.reason) r.reason = cut(end.reason, 128);
  return r;
}

const roleRank = (role: string | undefined): number =>
  role === 'head' || role === 'master' || role === 'leader' ? 0 : 1;

/** The replicas of a workload from its pods, leaders first, then by role and index. */
export function replicasOf(pods: readonly ReplicaPod[]): ReplicaState[] {
  const named = pods.filter((p) => p.metadata?.name);
  // Newest first, so a restarted replica keeps its current pod.
  const byAge = [...named].sort((a, b) => created(b) - created(a));
  const seen = new Set<string>();
  const kept: Array<{ pod: ReplicaPod; role?: string; index?: number }> = [];
  for (const pod of byAge) {
    const role = labelOf(pod, ROLE_LABELS)?.toLowerCase();
    const index = indexOf(pod);
    if (index !== undefined) {
      const key = `${role ?? ''}/${index}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    kept.push({ pod, ...(role ? { role } : {}), ...(index !== undefined ? { index } : {}) });
  }
  // Pods without an index label (Ray's workers) are numbered by name within their role.
  kept.sort(
    (a, b) =>
      roleRank(a.role) - roleRank(b.role) ||
      (a.role ?? '').localeCompare(b.role ?? '') ||
      (a.index ?? 0) - (b.index ?? 0) ||
      (a.pod.metadata!.name! < b.pod.metadata!.name! ? -1 : 1),
  );
  const next = new Map<string, number>();
  const out: ReplicaState[] = [];
  for (const k of kept.slice(0, MAX_REPLICAS)) {
    const ordinal = next.get(k.role ?? '') ?? 0;
    next.set(k.role ?? '', ordinal + 1);
    out.push(replicaOf(k.pod, k.role, k.index ?? ordinal));
  }
  return out;
}
