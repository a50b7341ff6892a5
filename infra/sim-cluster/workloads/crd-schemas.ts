/**
 * The openAPIV3Schema of each served custom resource, written from the upstream CRDs' field lists
 * (kubernetes-sigs/jobset v1alpha2, kubeflow/training-operator v1, ray-project/kuberay v1,
 * kubernetes-sigs/kueue v1beta1). Pod templates are described field by field, so a misspelt or
 * wrongly typed field is caught; rarely used deep structures (affinity, probes, volumes) are kept
 * as preserved objects.
 */
import type { Structural } from './structural.js';
import {
  arr,
  bool,
  free,
  int,
  int64,
  intOrString,
  min,
  names,
  obj,
  oneOf,
  quantityMap,
  str,
  strMap,
} from './structural.js';

const container = obj(
  {
    ...names(
      'name image imagePullPolicy restartPolicy terminationMessagePath terminationMessagePolicy workingDir',
      str,
    ),
    ...names('args command', arr(str)),
    env: arr(obj({ name: str, value: str, valueFrom: free }, ['name'])),
    resources: obj({ limits: quantityMap, requests: quantityMap, claims: arr(free) }),
    ...names('stdin stdinOnce tty', bool),
    ...names('lifecycle livenessProbe readinessProbe securityContext startupProbe', free),
    ...names('envFrom ports resizePolicy volumeDevices volumeMounts', arr(free)),
  },
  ['name'],
);

export const templateMeta = obj({
  ...names('name namespace generateName', str),
  labels: strMap,
  annotations: strMap,
  finalizers: arr(str),
});

const podSpec = obj(
  {
    containers: arr(container),
    initContainers: arr(container),
    nodeSelector: strMap,
    tolerations: arr(obj({ ...names('key operator value effect', str), tolerationSeconds: int64 })),
    ...names(
      'dnsPolicy hostname nodeName preemptionPolicy priorityClassName restartPolicy runtimeClassName schedulerName serviceAccount serviceAccountName subdomain',
      str,
    ),
    ...names(
      'automountServiceAccountToken enableServiceLinks hostIPC hostNetwork hostPID hostUsers setHostnameAsFQDN shareProcessNamespace',
      bool,
    ),
    ...names('activeDeadlineSeconds terminationGracePeriodSeconds', int64),
    priority: int,
    ...names('affinity dnsConfig os overhead resources securityContext', free),
    ...names(
      'ephemeralContainers hostAliases imagePullSecrets readinessGates resourceClaims schedulingGates topologySpreadConstraints volumes',
      arr(free),
    ),
  },
  ['containers'],
);

export const podTemplate = obj({ metadata: templateMeta, spec: podSpec });

const conditions = arr(
  obj({
    ...names('type status reason message lastTransitionTime lastUpdateTime lastProbeTime', str),
    observedGeneration: int64,
  }),
);

const jobSpec = obj(
  {
    template: podTemplate,
    ...names('activeDeadlineSeconds ttlSecondsAfterFinished', int64),
    ...names(
      'backoffLimit backoffLimitPerIndex completions maxFailedIndexes parallelism',
      min(int, 0),
    ),
    completionMode: oneOf('NonIndexed', 'Indexed'),
    ...names('managedBy podReplacementPolicy', str),
    ...names('manualSelector suspend', bool),
    ...names('podFailurePolicy selector successPolicy', free),
  },
  ['template'],
);

export const JOBSET_SPEC = obj({
  replicatedJobs: arr(
    obj(
      {
        name: str,
        groupName: str,
        replicas: min(int, 0),
        template: obj({ metadata: templateMeta, spec: jobSpec }),
        dependsOn: arr(obj({ name: str, status: oneOf('Ready', 'Complete') })),
      },
      ['name', 'template'],
    ),
  ),
  network: obj({ enableDNSHostnames: bool, subdomain: str, publishNotReadyAddresses: bool }),
  successPolicy: obj({ operator: oneOf('All', 'Any'), targetReplicatedJobs: arr(str) }),
  failurePolicy: obj({
    maxRestarts: min(int, 0),
    restartStrategy: oneOf('Recreate', 'BlockingRecreate'),
    rules: arr(free),
  }),
  startupPolicy: obj({ startupPolicyOrder: oneOf('AnyOrder', 'InOrder') }),
  coordinator: obj({ replicatedJob: str, jobIndex: int, podIndex: int }),
  suspend: bool,
  managedBy: str,
  ttlSecondsAfterFinished: min(int, 0),
});

export const JOBSET_STATUS = obj({
  conditions,
  restarts: int,
  restartsCountTowardsMax: int,
  terminalState: str,
  replicatedJobsStatus: arr(
    obj({ name: str, ...names('ready succeeded failed active suspended', int) }),
  ),
});

const runPolicy = obj({
  cleanPodPolicy: oneOf('All', 'Running', 'None'),
  ...names('ttlSecondsAfterFinished backoffLimit', min(int, 0)),
  activeDeadlineSeconds: min(int64, 0),
  schedulingPolicy: obj({
    minAvailable: int,
    queue: str,
    minResources: quantityMap,
    priorityClass: str,
    scheduleTimeoutSeconds: int,
  }),
  suspend: bool,
  managedBy: str,
});

const replicaSpec = obj({
  replicas: min(int, 0),
  template: podTemplate,
  restartPolicy: oneOf('Always', 'OnFailure', 'Never', 'ExitCode'),
});

export const PYTORCHJOB_SPEC = obj(
  {
    pytorchReplicaSpecs: { type: 'object', additionalProperties: replicaSpec },
    runPolicy,
    elasticPolicy: obj({
      ...names('minReplicas maxReplicas maxRestarts nProcPerNode', int),
      ...names('rdzvBackend rdzvHost rdzvId', str),
      rdzvPort: int,
      rdzvConf: arr(obj({ key: str, value: str })),
      standalone: bool,
      metrics: arr(free),
    }),
    nprocPerNode: str,
  },
  ['pytorchReplicaSpecs'],
);

const replicaStatus = obj({
  ...names('active succeeded failed', int),
  labelSelector: free,
  selector: str,
});

export const PYTORCHJOB_STATUS = obj({
  conditions,
  replicaStatuses: { type: 'object', additionalProperties: replicaStatus },
  ...names('startTime completionTime lastReconcileTime', str),
});

const workerGroup = obj(
  {
    groupName: str,
    ...names('replicas minReplicas maxReplicas numOfHosts', min(int, 0)),
    idleTimeoutSeconds: int,
    rayStartParams: strMap,
    template: podTemplate,
    scaleStrategy: obj({ workersToDelete: arr(str) }),
    suspend: bool,
  },
  ['groupName', 'template'],
);

export const RAYJOB_SPEC = obj({
  entrypoint: str,
  runtimeEnvYAML: str,
  metadata: strMap,
  jobId: str,
  submissionMode: oneOf('K8sJobMode', 'HTTPMode', 'InteractiveMode', 'SidecarMode'),
  entrypointResources: str,
  entrypointNumCpus: { type: 'number' },
  entrypointNumGpus: { type: 'number' },
  shutdownAfterJobFinishes: bool,
  ttlSecondsAfterFinished: min(int, 0),
  activeDeadlineSeconds: min(int, 0),
  backoffLimit: min(int, 0),
  suspend: bool,
  managedBy: str,
  clusterSelector: strMap,
  submitterPodTemplate: podTemplate,
  submitterConfig: obj({ backoffLimit: int }),
  deletionPolicy: free,
  rayClusterSpec: obj({
    rayVersion: str,
    enableInTreeAutoscaling: bool,
    autoscalerOptions: free,
    headServiceAnnotations: strMap,
    suspend: bool,
    managedBy: str,
    gcsFaultToleranceOptions: free,
    headGroupSpec: obj(
      {
        rayStartParams: strMap,
        template: podTemplate,
        serviceType: str,
        headService: free,
        enableIngress: bool,
      },
      ['template'],
    ),
    workerGroupSpecs: arr(workerGroup),
  }),
});

export const RAYJOB_STATUS = obj({
  ...names('jobId rayClusterName dashboardURL reason message startTime endTime', str),
  jobStatus: oneOf('', 'NEW', 'PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED'),
  jobDeploymentStatus: str,
  ...names('succeeded failed', int),
  observedGeneration: int64,
  rayClusterStatus: free,
  rayJobInfo: free,
});

const flavorQuotas = obj({
  name: str,
  resources: arr(
    obj(
      {
        name: str,
        nominalQuota: intOrString,
        borrowingLimit: intOrString,
        lendingLimit: intOrString,
      },
      ['name', 'nominalQuota'],
    ),
  ),
});

export const CLUSTERQUEUE_SPEC = obj({
  resourceGroups: arr(obj({ coveredResources: arr(str), flavors: arr(flavorQuotas) })),
  cohort: str,
  queueingStrategy: oneOf('StrictFIFO', 'BestEffortFIFO'),
  namespaceSelector: free,
  preemption: free,
  flavorFungibility: free,
  admissionChecks: arr(str),
  stopPolicy: oneOf('None', 'Hold', 'HoldAndDrain'),
  fairSharing: free,
});

export const QUEUE_STATUS = obj({
  conditions,
  ...names('pendingWorkloads reservingWorkloads admittedWorkloads', int),
  flavorsReservation: arr(free),
  flavorsUsage: arr(free),
  flavorUsage: arr(free),
  fairSharing: free,
});

export const LOCALQUEUE_SPEC = obj({ clusterQueue: str, stopPolicy: str }, ['clusterQueue']);

export const WORKLOAD_SPEC = obj({
  podSets: arr(
    obj({ name: str, count: min(int, 0), minCount: int, template: podTemplate }, ['name', 'count']),
  ),
  queueName: str,
  priorityClassName: str,
  priority: int,
  priorityClassSource: str,
  active: bool,
  maximumExecutionTimeSeconds: int,
});

export const WORKLOAD_STATUS = obj({
  conditions,
  admission: obj({
    clusterQueue: str,
    podSetAssignments: arr(
      obj({ name: str, flavors: strMap, resourceUsage: quantityMap, count: int }),
    ),
  }),
  requeueState: free,
  reclaimablePods: arr(free),
  admissionChecks: arr(free),
  resourceRequests: arr(free),
});

/** The whole object: envelope, spec and status. */
export function envelope(spec: Structural, status: Structural): Structural {
  return obj({ apiVersion: str, kind: str, metadata: free, spec, status });
}
