/**
 * What every workload manifest shares, whatever its kind: the validated labels, the annotations,
 * the metadata, and the pod template (image, command, env, resources, GPU node selector and
 * toleration). Pure and edge-safe; the per-kind files (manifest-*.ts) wrap it in their shapes.
 */
import type { JobSpec, Placement } from '../../domain/job.js';
import {
  ANNOTATION_ATTEMPT,
  ANNOTATION_JOB_NAME,
  ANNOTATION_SUBMITTED_BY,
  ANNOTATION_TRACEPARENT,
  GPU_RESOURCE,
  GPU_TAINT_KEY,
  LABEL_ACCELERATOR,
  LABEL_DEPLOYMENT,
  LABEL_JOB_ID,
  LABEL_MANAGED_BY,
  LABEL_PROJECT,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
} from './labels.js';
import type { ManifestMetadata } from './port.js';
import { traceparentFor } from '../../metrics/trace.js';

const LABEL_VALUE_MAX = 63;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `value` is a valid Kubernetes label value (empty, or ≤ 63 chars of `[-A-Za-z0-9_.]` with alphanumeric ends). */
export function isLabelValue(value: string): boolean {
  return value === '' || LABEL_NAME.test(value);
}

/** Whether `key` is a valid Kubernetes label key: `[prefix/]name`, prefix a DNS subdomain ≤ 253. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!LABEL_NAME.test(name)) return false;
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix);
}

/**
 * Makes any string a valid label value: invalid characters become `-`, then it is cut to 63
 * characters and trimmed to alphanumeric ends (possibly to `''`). Valid values are unchanged.
 */
export function sanitizeLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  return value
    .replace(/[^-A-Za-z0-9_.]/g, '-')
    .slice(0, LABEL_VALUE_MAX)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}

/** Label keys a user may not set: Switchyard's own, and those reserved for Kubernetes itself. */
function isReservedKey(key: string): boolean {
  if (key === LABEL_MANAGED_BY) return true;
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  const within = (domain: string) => prefix === domain || prefix.endsWith(`.${domain}`);
  if (within('switchyard.io')) return true;
  // kubernetes.io and k8s.io belong to Kubernetes; app.kubernetes.io is meant for applications.
  if (prefix === 'app.kubernetes.io') return false;
  return within('kubernetes.io') || within('k8s.io');
}

/** Entries of a record in a locale-independent key order. */
export function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What a manifest is built from: the create message a drainer received (or a job and placement). */
export interface WorkloadRequest {
  jobId: string;
  tenantId: string;
  submittedBy: string;
  /** The spec without its callback: secrets never reach a cluster. */
  spec: Omit<JobSpec, 'callback'>;
  placement: Placement;
  /** The job's W3C trace id, annotated as a `traceparent` (absent on jobs from before traces). */
  traceId?: string;
  /** The deployment making it (a `switchyard.io/deployment` label on the workload and its pods). */
  deployment?: string;
}

export function jobLabels(job: WorkloadRequest): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of sortedEntries(job.spec.labels)) {
    if (isLabelKey(key) && isLabelValue(value) && !isReservedKey(key)) labels[key] = value;
  }
  labels[LABEL_MANAGED_BY] = MANAGED_BY_VALUE;
  labels[LABEL_JOB_ID] = sanitizeLabelValue(job.jobId);
  labels[LABEL_TENANT] = sanitizeLabelValue(job.tenantId);
  labels[LABEL_PROJECT] = sanitizeLabelValue(job.spec.project);
  if (job.deployment) labels[LABEL_DEPLOYMENT] = sanitizeLabelValue(job.deployment);
  return labels;
}

export function containerResources(job: WorkloadRequest): Record<string, Record<string, string>> {
  const { cpu, memory, accelerator } = job.spec.resources;
  const amounts: Record<string, string> = {};
  if (cpu !== undefined) amounts.cpu = cpu;
  if (memory !== undefined) amounts.memory = memory;
  if (accelerator && accelerator.count > 0) amounts[GPU_RESOURCE] = String(accelerator.count);
  if (Object.keys(amounts).length === 0) return {};
  return { requests: { ...amounts }, limits: { ...amounts } };
}

export interface ManifestOptions {
  /** How long a finished workload (and its pods) stays for inspection; default 3600. */
  ttlSecondsAfterFinished?: number;
}

export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 3600;

/** The object's metadata: deterministic name, namespace, origin labels and annotations. */
export function workloadMetadata(job: WorkloadRequest): ManifestMetadata {
  const { spec, placement } = job;
  return {
    name: placement.kubeName,
    namespace: placement.namespace,
    labels: jobLabels(job),
    annotations: {
      [ANNOTATION_ATTEMPT]: String(placement.attempt),
      [ANNOTATION_JOB_NAME]: spec.name,
      [ANNOTATION_SUBMITTED_BY]: job.submittedBy,
      ...(job.traceId
        ? {
            [ANNOTATION_TRACEPARENT]: traceparentFor(
              job.traceId,
              `${job.jobId}/${placement.attempt}`,
            ),
          }
        : {}),
    },
  };
}

export interface PodTemplateOptions {
  /** The container's name; operators look for theirs (`pytorch`, `ray-head`, `ray-worker`). */
  containerName?: string;
  /** Replaces the spec's resources (a Ray head pod holds no GPUs). */
  resources?: { cpu?: string; memory?: string };
  /** Leave the image's own command (KubeRay starts Ray in it). */
  withoutCommand?: boolean;
  /** `Never` unless an operator manages restarts itself (`undefined` leaves it unset). */
  restartPolicy?: 'Never' | undefined;
  /**
   * Tolerate the GPU taint without asking for a GPU node (a Ray head beside its GPU workers): in
   * a cluster whose every node is a tainted GPU node it could not be scheduled at all otherwise.
   */
  tolerateGpuTaint?: boolean;
}

/**
 * The pod template of one gang member: labels as the workload's, the job's image, command, env
 * and resources, and for GPU pods the accelerator's node selector and the GPU taint toleration.
 */
export function podTemplate(
  job: WorkloadRequest,
  options: PodTemplateOptions = {},
): { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } {
  const { spec } = job;
  const own = options.resources;
  const accelerator =
    !own && spec.resources.accelerator && spec.resources.accelerator.count > 0
      ? spec.resources.accelerator
      : undefined;
  const container: Record<string, unknown> = {
    name: options.containerName ?? 'main',
    image: spec.image,
  };
  if (!options.withoutCommand) {
    if (spec.command !== undefined) container.command = [...spec.command];
    if (spec.args !== undefined) container.args = [...spec.args];
  }
  const env = sortedEntries(spec.env).map(([name, value]) => ({ name, value }));
  if (env.length > 0) container.env = env;
  container.resources = own ? quantities(own) : containerResources(job);

  const podSpec: Record<string, unknown> = {};
  const restart = 'restartPolicy' in options ? options.restartPolicy : 'Never';
  if (restart) podSpec.restartPolicy = restart;
  podSpec.containers = [container];
  if (accelerator) podSpec.nodeSelector = { [LABEL_ACCELERATOR]: accelerator.type };
  if (accelerator || options.tolerateGpuTaint) {
    podSpec.tolerations = [{ key: GPU_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }];
  }
  return { metadata: { labels: jobLabels(job) }, spec: podSpec };
}

function quantities(r: { cpu?: string; memory?: string }): Record<string, Record<string, string>> {
  const amounts: Record<string, string> = {};
  if (r.cpu !== undefined) amounts.cpu = r.cpu;
  if (r.memory !== undefined) amounts.memory = r.memory;
  if (Object.keys(amounts).length === 0) return {};
  return { requests: { ...amounts }, limits: { ...amounts } };
}
