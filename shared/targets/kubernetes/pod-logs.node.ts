/**
 * Reading a job's output from Kubernetes for log shipping: the job's pods (label
 * `switchyard.io/job-id`) with their replica index, and one pod's log with `timestamps=true` from a
 * `sinceTime` on (`GET …/pods/<pod>/log`). Both are plain GETs over the cluster's kept-alive
 * connections (kube-http.node.ts): client-node's `Log` opened a connection per read, and a typed
 * pod list walked every pod through its models, on every shipping pass of every running job.
 * Used by the Kubernetes driver (`kubernetes.node.ts`).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { GetText } from './kube-http.node.js';
import { LABEL_JOB_ID } from './labels.js';
import type { JobPod, PodLogOptions } from './port.js';

/**
 * Labels that give a pod's replica index, by workload kind, most specific first: a JobSet's
 * `job-global-index` (its child Jobs hold one pod each, and the per-Job completion index is 0 in
 * every one of them), an Indexed Job's completion index, a plain label.
 */
const REPLICA_LABELS = [
  'jobset.sigs.k8s.io/job-global-index',
  'batch.kubernetes.io/job-completion-index',
  'switchyard.io/replica',
];
type Call = <T>(
  what: string,
  send: (c: { getText: GetText }) => Promise<T>,
  spare?: boolean,
) => Promise<T>;

const index = (raw: string | undefined) => {
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isInteger(n) && n >= 0 ? n : undefined;
};

export function replicaOf(pod: V1Pod): number {
  const labels = pod.metadata?.labels ?? {};
  // Kubeflow numbers replicas per type (Master 0, Worker 0, ...): its operator's RANK is global.
  if (labels['training.kubeflow.org/replica-type'] !== undefined) {
    const rank = pod.spec?.containers[0]?.env?.find((e) => e.name === 'RANK')?.value;
    const n = index(rank) ?? index(labels['training.kubeflow.org/replica-index']);
    if (n !== undefined) return n;
  }
  for (const key of REPLICA_LABELS) {
    const n = index(labels[key] ?? pod.metadata?.annotations?.[key]);
    if (n !== undefined) return n;
  }
  return 0;
}

/** A log answer's lines (a last partial line kept; the trailing newline's empty one dropped). */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function podLogMethods(namespaceCall: Call) {
  return {
    async listJobPods(
      namespace: string,
      jobId: string,
      options: { spare?: boolean } = {},
    ): Promise<JobPod[]> {
      const selector = encodeURIComponent(`${LABEL_JOB_ID}=${jobId}`);
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${selector}`;
      const text = await namespaceCall(
        `listing pods of job ${jobId}`,
        (c) => c.getText(path),
        options.spare,
      );
      const pods = (JSON.parse(text) as { items?: V1Pod[] }).items ?? [];
      return pods
        .filter((p) => p.metadata?.name && p.spec?.containers[0])
        .map((p) => ({
          name: p.metadata!.name!,
          replica: replicaOf(p),
          phase: p.status?.phase ?? 'Unknown',
          container: p.spec!.containers[0]!.name,
        }));
    },

    async readPodLog(
      namespace: string,
      pod: JobPod,
      options: PodLogOptions = {},
    ): Promise<string[]> {
      const query = new URLSearchParams({ container: pod.container, timestamps: 'true' });
      if (options.sinceTime) query.set('sinceTime', options.sinceTime);
      if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod.name)}/log?${query}`;
      const text = await namespaceCall(
        `reading the log of pod ${namespace}/${pod.name}`,
        (c) => c.getText(path),
        options.spare,
      );
      return linesOf(text);
    },
  };
}
