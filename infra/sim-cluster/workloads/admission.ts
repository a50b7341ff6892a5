/**
 * What the operators' admission webhooks do on create and update: defaulting (replicas 1, the
 * PyTorchJob restart and clean-pod policies, JobSet success/startup policies, RayJob submission
 * mode) and the checks the schemas cannot express (a PyTorchJob needs a `pytorch` container and
 * Master/Worker replica types; a RayJob needs a head group). Kueue's webhook suspends a workload
 * carrying `kueue.x-k8s.io/queue-name`, so that Kueue admits it.
 */
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../types.js';
import type { CustomResource, Operator } from './crds.js';
import { QUEUE_LABEL, setSuspended } from './shape.js';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};

function containers(template: unknown): Rec[] {
  const list = rec(rec(template).spec).containers;
  return Array.isArray(list) ? list.map(rec) : [];
}

function defaultJobSet(spec: Rec, causes: StatusCause[]): void {
  spec.successPolicy ??= { operator: 'All', targetReplicatedJobs: [] };
  spec.startupPolicy ??= { startupPolicyOrder: 'AnyOrder' };
  spec.network ??= { enableDNSHostnames: true, publishNotReadyAddresses: true };
  spec.suspend ??= false;
  const jobs = Array.isArray(spec.replicatedJobs) ? spec.replicatedJobs.map(rec) : [];
  if (!jobs.length)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.replicatedJobs',
    });
  const seen = new Set<string>();
  jobs.forEach((j, i) => {
    j.replicas ??= 1;
    const jobSpec = rec(rec(j.template).spec);
    jobSpec.completionMode ??= 'Indexed';
    if (seen.has(String(j.name)))
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify(j.name)}`,
        field: `spec.replicatedJobs[${i}].name`,
      });
    seen.add(String(j.name));
  });
}

function defaultPyTorchJob(spec: Rec, causes: StatusCause[]): void {
  spec.runPolicy = { cleanPodPolicy: 'None', suspend: false, ...rec(spec.runPolicy) };
  const replicas = rec(spec.pytorchReplicaSpecs);
  for (const [type, raw] of Object.entries(replicas)) {
    const field = `spec.pytorchReplicaSpecs[${type}]`;
    const r = rec(raw);
    r.replicas ??= 1;
    r.restartPolicy ??= 'OnFailure';
    if (type !== 'Master' && type !== 'Worker')
      causes.push({
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(type)}: supported values: "Master", "Worker"`,
        field,
      });
    if (!containers(r.template).some((c) => c.name === 'pytorch'))
      causes.push({
        reason: 'FieldValueRequired',
        message: 'There is no container named pytorch (the training operator requires one)',
        field: `${field}.template.spec.containers`,
      });
  }
  if (type(replicas, 'Master') > 1)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: a PyTorchJob has at most one Master replica',
      field: 'spec.pytorchReplicaSpecs[Master].replicas',
    });
  if (!Object.keys(replicas).length)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.pytorchReplicaSpecs',
    });
}

function type(replicas: Rec, name: string): number {
  return Number(rec(replicas[name]).replicas ?? 0);
}

function defaultRayJob(spec: Rec, causes: StatusCause[]): void {
  spec.submissionMode ??= 'K8sJobMode';
  spec.shutdownAfterJobFinishes ??= false;
  spec.suspend ??= false;
  const cluster = rec(spec.rayClusterSpec);
  if (!spec.rayClusterSpec && !spec.clusterSelector)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: one of rayClusterSpec or clusterSelector',
      field: 'spec.rayClusterSpec',
    });
  if (spec.clusterSelector)
    causes.push({
      reason: 'FieldValueNotSupported',
      message:
        'Unsupported value: the simulated KubeRay runs a new RayCluster per RayJob; clusterSelector is not simulated',
      field: 'spec.clusterSelector',
    });
  const groups = Array.isArray(cluster.workerGroupSpecs) ? cluster.workerGroupSpecs.map(rec) : [];
  for (const g of groups) {
    g.replicas ??= 1;
    g.numOfHosts ??= 1;
  }
}

/** Mutates `object` with the webhook defaults and returns the causes of a 422. */
export function admit(
  r: CustomResource,
  object: KubeObject,
  operators: ReadonlySet<Operator>,
  creating: boolean,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = rec(object.spec);
  object.spec = spec;
  if (r.kind === 'JobSet') defaultJobSet(spec, causes);
  if (r.kind === 'PyTorchJob') defaultPyTorchJob(spec, causes);
  if (r.kind === 'RayJob') defaultRayJob(spec, causes);
  if (
    creating &&
    operators.has('kueue') &&
    object.metadata.labels?.[QUEUE_LABEL] &&
    ['JobSet', 'PyTorchJob', 'RayJob'].includes(r.kind)
  ) {
    setSuspended(object, true);
  }
  return causes;
}
