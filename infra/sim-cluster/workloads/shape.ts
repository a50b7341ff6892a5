/**
 * What each workload kind's controller makes of a spec: one pod per replica, named and labelled
 * as the real controller does (JobSet: `<jobset>-<replicatedJob>-<jobIndex>-<podIndex>` with the
 * jobset.sigs.k8s.io labels, created directly instead of through child batch Jobs; PyTorchJob:
 * `<name>-master-0`, `<name>-worker-<i>` with training.kubeflow.org labels and the torchrun env;
 * RayJob: a head and worker pods of `<name>-raycluster`, with ray.io labels, no RayCluster object).
 */
import type { KubeObject, PodSpec } from '../types.js';

export const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const JOB_ID_LABEL = 'switchyard.io/job-id';
/** Marks a pod the gang scheduler places (the per-pod scheduler leaves it alone); value = owner uid. */
export const GANG_ANNOTATION = 'sim.switchyard.io/gang';

/** The uid of the workload whose gang a pod belongs to, or undefined for any other pod. */
export function gangOwner(pod: {
  metadata: { annotations?: Record<string, string> };
}): string | undefined {
  return pod.metadata.annotations?.[GANG_ANNOTATION];
}

export interface ReplicaPod {
  /** Replica type / replicated job / ray group, as the controller names it. */
  role: string;
  /** What `SIM_FAIL_REPLICA` matches, e.g. `worker-1`, `head-0`, `trainer-0`. */
  key: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  /** The pod whose end decides success (PyTorchJob master, RayJob head); else all must succeed. */
  leader: boolean;
  /** Stays running until the workload ends (Ray workers). */
  service: boolean;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
const spec = (o: KubeObject): Rec => rec(o.spec);

export function isSuspended(o: KubeObject): boolean {
  if (o.kind === 'PyTorchJob') return rec(spec(o).runPolicy).suspend === true;
  return spec(o).suspend === true;
}

export function setSuspended(o: KubeObject, value: boolean): void {
  const s = spec(o);
  if (o.kind === 'PyTorchJob') s.runPolicy = { ...rec(s.runPolicy), suspend: value };
  else s.suspend = value;
  o.spec = s;
}

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

function pod(
  owner: KubeObject,
  t: Template,
  name: string,
  role: string,
  key: string,
  labels: Record<string, string>,
  extra: Partial<ReplicaPod> = {},
): ReplicaPod {
  const inherited: Record<string, string> = {};
  const jobId = owner.metadata.labels?.[JOB_ID_LABEL];
  if (jobId) inherited[JOB_ID_LABEL] = jobId;
  return {
    role,
    key,
    name,
    labels: { ...inherited, ...t.metadata?.labels, ...labels },
    annotations: { ...t.metadata?.annotations, [GANG_ANNOTATION]: owner.metadata.uid ?? '' },
    spec: structuredClone(t.spec),
    leader: false,
    service: false,
    ...extra,
  };
}

function jobSetPods(o: KubeObject): ReplicaPod[] {
  const name = o.metadata.name;
  const jobs = (spec(o).replicatedJobs ?? []) as Rec[];
  let globalIndex = 0; // JobSet's job-global-index: child Jobs numbered across replicated jobs
  return jobs.flatMap((rj) => {
    const rjName = String(rj.name);
    const replicas = Number(rj.replicas ?? 1);
    const template = rec(rj.template);
    const jobSpec = rec(template.spec);
    const parallelism = Number(jobSpec.parallelism ?? 1);
    const podTemplate = jobSpec.template as Template;
    const out: ReplicaPod[] = [];
    for (let j = 0; j < replicas; j++) {
      for (let p = 0; p < parallelism; p++) {
        const jobName = `${name}-${rjName}-${j}`;
        const key = parallelism > 1 ? `${rjName}-${j}-${p}` : `${rjName}-${j}`;
        out.push(
          pod(o, podTemplate, `${jobName}-${p}`, rjName, key, {
            'jobset.sigs.k8s.io/jobset-name': name,
            'jobset.sigs.k8s.io/replicatedjob-name': rjName,
            'jobset.sigs.k8s.io/replicatedjob-replicas': String(replicas),
            'jobset.sigs.k8s.io/job-index': String(j),
            'jobset.sigs.k8s.io/job-global-index': String(globalIndex + j),
            'jobset.sigs.k8s.io/restart-attempt': '0',
            'batch.kubernetes.io/job-completion-index': String(p),
            'job-name': jobName,
          }),
        );
      }
    }
    globalIndex += replicas;
    return out;
  });
}

function withEnv(p: ReplicaPod, env: Record<string, string>): ReplicaPod {
  for (const c of p.spec.containers) {
    if (c.name !== 'pytorch') continue;
    const own = new Set((c.env ?? []).map((e) => e.name));
    c.env = [
      ...(c.env ?? []),
      ...Object.entries(env)
        .filter(([k]) => !own.has(k))
        .map(([k, value]) => ({ name: k, value })),
    ];
  }
  return p;
}

function pyTorchPods(o: KubeObject): ReplicaPod[] {
  const name = o.metadata.name;
  const specs = rec(spec(o).pytorchReplicaSpecs);
  const types = ['Master', 'Worker'].filter((t) => specs[t]);
  const counts = types.map((t) => Number(rec(specs[t]).replicas ?? 1));
  const world = counts.reduce((a, b) => a + b, 0);
  const hasMaster = types.includes('Master');
  const masterAddr = hasMaster ? `${name}-master-0` : `${name}-worker-0`;
  let rank = 0;
  return types.flatMap((type, ti) => {
    const t = rec(specs[type]).template as Template;
    const lower = type.toLowerCase();
    return Array.from({ length: counts[ti] ?? 0 }, (_, i) => {
      const labels: Record<string, string> = {
        'training.kubeflow.org/job-name': name,
        'training.kubeflow.org/operator-name': 'pytorchjob-controller',
        'training.kubeflow.org/replica-type': lower,
        'training.kubeflow.org/replica-index': String(i),
        ...(type === 'Master' || (!hasMaster && i === 0)
          ? { 'training.kubeflow.org/job-role': 'master' }
          : {}),
      };
      const p = pod(o, t, `${name}-${lower}-${i}`, type, `${lower}-${i}`, labels, {
        leader: type === 'Master',
      });
      return withEnv(p, {
        MASTER_ADDR: masterAddr,
        MASTER_PORT: '23456',
        WORLD_SIZE: String(world),
        RANK: String(rank++),
        PET_NNODES: String(world),
        PET_NODE_RANK: String(rank - 1),
        PET_NPROC_PER_NODE: String(spec(o).nprocPerNode ?? 'auto'),
        PET_MASTER_ADDR: masterAddr,
        PET_MASTER_PORT: '23456',
      });
    });
  });
}

export function rayClusterName(o: KubeObject): string {
  return `${o.metadata.name}-raycluster`.slice(0, 63);
}

function rayPods(o: KubeObject): ReplicaPod[] {
  const cluster = rec(spec(o).rayClusterSpec);
  const clusterName = rayClusterName(o);
  const base = {
    'ray.io/cluster': clusterName,
    'ray.io/is-ray-node': 'yes',
    'ray.io/originated-from-crd': 'RayJob',
    'ray.io/originated-from-cr-name': o.metadata.name,
  };
  const head = rec(cluster.headGroupSpec).template as Template;
  const out = [
    pod(
      o,
      head,
      `${clusterName}-head`,
      'head',
      'head-0',
      {
        ...base,
        'ray.io/node-type': 'head',
        'ray.io/group': 'headgroup',
      },
      { leader: true },
    ),
  ];
  for (const g of (cluster.workerGroupSpecs ?? []) as Rec[]) {
    const group = String(g.groupName);
    const n = Number(g.replicas ?? 1) * Number(g.numOfHosts ?? 1);
    for (let i = 0; i < n; i++) {
      out.push(
        pod(
          o,
          g.template as Template,
          `${clusterName}-${group}-worker-${i}`,
          group,
          `${group}-${i}`,
          {
            ...base,
            'ray.io/node-type': 'worker',
            'ray.io/group': group,
          },
          { service: true },
        ),
      );
    }
  }
  return out;
}

/** The pods the controller of `o` runs, in creation order (the gang). */
export function replicaPods(o: KubeObject): ReplicaPod[] {
  switch (o.kind) {
    case 'JobSet':
      return jobSetPods(o);
    case 'PyTorchJob':
      return pyTorchPods(o);
    case 'RayJob':
      return rayPods(o);
    default:
      return [];
  }
}
