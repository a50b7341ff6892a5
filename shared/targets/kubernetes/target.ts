/**
 * The Kubernetes cluster as a Target (targets/port.ts): a thin adapter over the ClusterDriver and
 * buildManifest, so dispatch can hold Kubernetes and Slurm clusters alike. Cancel deletes the Job,
 * so a cancelled Kubernetes job reads back as gone rather than `cancelled`. Edge-safe.
 */
import type { Target, TargetJobState, TargetJobStatus, TargetWorkload } from '../port.js';
import {
  ANNOTATION_ATTEMPT,
  ANNOTATION_TRACEPARENT,
  LABEL_JOB_ID,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
  managedSelector,
} from './labels.js';
import { buildManifest, type ManifestOptions } from './manifest.js';
import type { ClusterDriver, KubeJobPhase, KubeJobStatus } from './port.js';
import { traceIdIn } from '../../metrics/trace.js';

const STATES: Record<KubeJobPhase, TargetJobState> = {
  pending: 'submitted',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
};

function toStatus(job: KubeJobStatus): TargetJobStatus {
  const status: TargetJobStatus = {
    jobId: job.labels[LABEL_JOB_ID] ?? '',
    name: job.name,
    externalId: job.uid,
    attempt: Number(job.annotations[ANNOTATION_ATTEMPT] ?? 1) || 1,
    state: STATES[job.phase],
  };
  const reason = job.result?.reason ?? job.reason;
  if (reason !== undefined) status.reason = reason;
  if (job.message !== undefined) status.message = job.message;
  if (job.result?.exitCode !== undefined) status.exitCode = job.result.exitCode;
  const traceId = traceIdIn(job.annotations[ANNOTATION_TRACEPARENT]);
  if (traceId) status.traceId = traceId;
  return status;
}

export function kubernetesTarget(driver: ClusterDriver, options: ManifestOptions = {}): Target {
  return {
    clusterId: driver.clusterId,
    kind: 'kubernetes',
    async create(work: TargetWorkload) {
      const manifest = buildManifest(
        driver.deployment ? { ...work, deployment: driver.deployment } : work,
        options,
      );
      await driver.ensureNamespace(manifest.metadata.namespace, {
        [LABEL_TENANT]: manifest.metadata.labels[LABEL_TENANT] ?? '',
        [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
      });
      return driver.createJob(manifest);
    },
    cancel: (ref) => driver.deleteJob(ref.namespace ?? '', ref.name),
    async status(ref) {
      const job = await driver.getJob(ref.namespace ?? '', ref.name);
      return job ? toStatus(job) : undefined;
    },
    async list() {
      const out: TargetJobStatus[] = [];
      let next: string | undefined;
      do {
        const page = await driver.listJobs(managedSelector(driver.deployment), {
          limit: 500,
          continue: next,
        });
        out.push(...page.items.map(toStatus));
        next = page.continue;
      } while (next);
      return out;
    },
    async capacity() {
      const report = await driver.capacity();
      return report.kinds ? report : { ...report, kinds: ['job'] };
    },
    close: () => driver.close(),
  };
}
