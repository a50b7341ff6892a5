/** Names Switchyard puts on Kubernetes objects, and the node conventions it relies on. */

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'switchyard';
export const LABEL_JOB_ID = 'switchyard.io/job-id';
export const LABEL_TENANT = 'switchyard.io/tenant';
export const LABEL_PROJECT = 'switchyard.io/project';
/** This deployment's id (config `deployment`; docs/targets.md "One Kubernetes cluster, several deployments"). */
export const LABEL_DEPLOYMENT = 'switchyard.io/deployment';
export const LABEL_ACCELERATOR = 'switchyard.io/accelerator';
export const ANNOTATION_ATTEMPT = 'switchyard.io/attempt';
export const ANNOTATION_JOB_NAME = 'switchyard.io/job-name';
export const ANNOTATION_SUBMITTED_BY = 'switchyard.io/submitted-by';
/** The job's W3C `traceparent` (its trace id; a span id per attempt), read back for reports. */
export const ANNOTATION_TRACEPARENT = 'switchyard.io/traceparent';

/** Selector for every Job Switchyard created, whichever deployment made it. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;

/**
 * Selector for the workloads one deployment made: what drainers list, watch and reconcile, so
 * another deployment's workloads on a shared cluster are never reported (and deleted as unknown).
 * Without a deployment id (a driver built bare, as some tests do), every managed workload.
 */
export function managedSelector(deployment: string | undefined): string {
  return deployment ? `${MANAGED_SELECTOR},${LABEL_DEPLOYMENT}=${deployment}` : MANAGED_SELECTOR;
}

/**
 * Selector for managed workloads made before deployments had ids (no deployment label): the pull
 * drainer follows those its control plane expects (shared/drainer/legacy.ts), and no others.
 */
export const UNMARKED_SELECTOR = `${MANAGED_SELECTOR},!${LABEL_DEPLOYMENT}`;

/** The extended resource GPUs are requested with. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** GPU nodes carry this taint (`nvidia.com/gpu=present:NoSchedule`); GPU jobs tolerate it. */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';

export function kubeJobName(jobId: string): string {
  return `sy-${jobId}`;
}

/** A tenant's namespace: `sy-<tenant id>`. */
export function tenantNamespace(tenantId: string): string {
  return `sy-${tenantId}`;
}
