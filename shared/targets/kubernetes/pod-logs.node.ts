/**
 * Reading a job's output from Kubernetes for log shipping: the job's pods (label
 * `switchyard.io/job-id`) with their replica index, and one pod's log with `timestamps=true` from a
 * `sinceTime` on — through client-node's `Log` (its generated `readNamespacedPodLog` has no
 * `sinceTime`). Used by the Kubernetes driver (`kubernetes.node.ts`).
 */
import { Writable } from 'node:stream';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Log } from '@kubernetes/client-node';
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
const LOG_TIMEOUT_MS = 15_000;

type Call = <T>(
  what: string,
  send: (c: { config: KubeConfig; core: CoreV1Api }) => Promise<T>,
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

/** Collects a log response body into lines. */
function collector(): { stream: Writable; done: Promise<string[]> } {
  const parts: Buffer[] = [];
  let settle!: (lines: string[]) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<string[]>((resolve, reject) => ((settle = resolve), (fail = reject)));
  const stream = new Writable({
    write(chunk: Buffer, _enc, next) {
      parts.push(Buffer.from(chunk));
      next();
    },
  });
  stream.on('finish', () => {
    const text = Buffer.concat(parts).toString('utf8');
    settle(text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
  });
  stream.on('error', fail);
  return { stream, done };
}

export function podLogMethods(namespaceCall: Call) {
  return {
    async listJobPods(namespace: string, jobId: string): Promise<JobPod[]> {
      const pods = await namespaceCall(`listing pods of job ${jobId}`, (c) =>
        c.core.listNamespacedPod({ namespace, labelSelector: `${LABEL_JOB_ID}=${jobId}` }),
      );
      return pods.items
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
      return namespaceCall(`reading the log of pod ${namespace}/${pod.name}`, async (c) => {
        const { stream, done } = collector();
        const controller = await new Log(c.config).log(namespace, pod.name, pod.container, stream, {
          timestamps: true,
          ...(options.sinceTime ? { sinceTime: options.sinceTime } : {}),
          ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
        });
        const timer = setTimeout(() => controller.abort(), LOG_TIMEOUT_MS);
        try {
          return await done;
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
