/**
 * Admission of pending jobs: a pure plan over one cluster snapshot. Jobs go in order of effective
 * priority, then fair share (the tenant whose GPU usage / share is lowest, updated as the plan
 * admits), then age. Each is placed against a working copy of capacity and usage that the plan
 * updates as it admits, so no cluster's capacity and no quota is exceeded. A job that cannot be
 * placed now is passed over (lower jobs may still fit: backfill) and stays pending.
 *
 * Cost: O(n log n) to order, O(log tenants) per job, and a full placement only for jobs that may
 * fit: once a job fails for capacity, later jobs with the same filters and at least as many GPUs
 * are passed over without placing them (capacity only shrinks during a plan).
 */
import type { JobSpec } from '../domain/job.js';
import {
  EMPTY_POLICY,
  matchRules,
  type CompiledPolicy,
  type RuleMatch,
} from '../policy/compile.js';
import { evaluate, type EvalEnv, type PlacementResult } from './evaluate.js';
import { prepareClusters, type ClusterSnapshot, type PreparedClusters } from './prepare.js';
import { createHeap } from './heap.js';
import { checkQuota, usageKeys } from './usage.js';
import { costOn, spendKeys } from './budget.js';
import { jobGpus } from './gang.js';

export interface PendingJob {
  id: string;
  tenantId: string;
  spec: JobSpec;
  /** ISO time; older first among equals. */
  createdAt: string;
  blocked?: readonly string[];
}

export interface AdmissionInput {
  pending: readonly PendingJob[];
  clusters: readonly ClusterSnapshot[] | PreparedClusters;
  policy?: CompiledPolicy;
  /** Current usage counters (see `usageKeys`). */
  usage: Readonly<Record<string, number>>;
  now: number;
  heartbeatTimeoutMs: number;
  /**
   * Keep at most this many feasible (best first) and this many filtered candidates per decision,
   * counting the rest in `candidatesOmitted`. Default: keep all, like `place`. With thousands of
   * clusters a full explanation per job is large to hold and to store.
   */
  maxCandidates?: number;
  /** How many of the best feasible candidates carry every reason and score term (default 10). */
  explainTop?: number;
}

export interface AdmissionDecision {
  jobId: string;
  decision: PlacementResult;
}

interface Queued {
  job: PendingJob;
  match: RuleMatch;
}

interface TenantQueue {
  tenantId: string;
  share: number;
  /** The usage counter fair share reads. */
  usageKey: string;
  jobs: Queued[];
  next: number;
}

const byPriorityThenAge = (a: Queued, b: Queued): number =>
  b.match.effectivePriority - a.match.effectivePriority ||
  (a.job.createdAt < b.job.createdAt ? -1 : a.job.createdAt > b.job.createdAt ? 1 : 0) ||
  (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0);

/** Decisions for the pending jobs that change: placed or rejected, in admission order. */
export function planAdmission(input: AdmissionInput): AdmissionDecision[] {
  const policy = input.policy ?? EMPTY_POLICY;
  const clusters = prepareClusters(input.clusters);

  // 1. Working copies: usage counters, and GPUs/jobs added per cluster by this plan.
  const usage = new Map(Object.entries(input.usage));
  const usageOf = (key: string): number => usage.get(key) ?? 0;
  const extraGpus = new Map<string, Float64Array>();
  const extraPods = new Map<string, Float64Array>();
  const extraJobs = new Float64Array(clusters.clusters.length);
  const indexOf = new Map(clusters.clusters.map((c, i) => [c.id, i]));
  const env: EvalEnv = {
    clusters,
    policy,
    now: input.now,
    heartbeatTimeoutMs: input.heartbeatTimeoutMs,
    usage,
    extraGpus,
    extraPods,
    extraJobs,
    ...(input.maxCandidates !== undefined && { maxCandidates: input.maxCandidates }),
    ...(input.explainTop !== undefined && { explainTop: input.explainTop }),
    skipPendingCandidates: true, // a pending job is passed over: its decision is not returned
  };

  // 2. One queue per tenant, by effective priority then age; tenants in a heap.
  const queues = new Map<string, TenantQueue>();
  for (const job of input.pending) {
    const acc = job.spec.resources.accelerator;
    const match = matchRules(policy, {
      tenantId: job.tenantId,
      project: job.spec.project,
      labels: job.spec.labels,
      priority: job.spec.priority,
      ...(acc && { accelerator: acc.type }),
    });
    let q = queues.get(job.tenantId);
    if (!q) {
      q = {
        tenantId: job.tenantId,
        share: policy.shares.get(job.tenantId) ?? 1,
        usageKey: `tenant:${job.tenantId}:total`,
        jobs: [],
        next: 0,
      };
      queues.set(job.tenantId, q);
    }
    q.jobs.push({ job, match });
  }
  const ratio = (q: TenantQueue) => usageOf(q.usageKey) / q.share;
  const keyed = (q: TenantQueue) => ({ q, head: q.jobs[q.next]!, ratio: ratio(q) });
  type Entry = ReturnType<typeof keyed>;
  const heap = createHeap<Entry>(
    (a, b) =>
      b.head.match.effectivePriority - a.head.match.effectivePriority ||
      a.ratio - b.ratio ||
      (a.head.job.createdAt < b.head.job.createdAt
        ? -1
        : a.head.job.createdAt > b.head.job.createdAt
          ? 1
          : 0) ||
      (a.q.tenantId < b.q.tenantId ? -1 : 1),
  );
  for (const q of queues.values()) {
    q.jobs.sort(byPriorityThenAge);
    heap.push(keyed(q));
  }

  // 3. Admit in order; remember which filter sets already failed for capacity at which size.
  const failedAt = new Map<string, number>();
  const out: AdmissionDecision[] = [];
  for (let e = heap.pop(); e; e = heap.pop()) {
    const { q, head } = e;
    q.next++;
    const decision = admitOne(head, env, failedAt);
    if (decision) {
      out.push({ jobId: head.job.id, decision });
      if (decision.outcome === 'placed') reserve(head.job, decision.clusterId!);
    }
    if (q.next < q.jobs.length) heap.push(keyed(q));
  }
  return out;

  function reserve(job: PendingJob, clusterId: string): void {
    const acc = job.spec.resources.accelerator;
    const gpus = jobGpus(job.spec);
    const i = indexOf.get(clusterId)!;
    extraJobs[i] = (extraJobs[i] ?? 0) + 1;
    for (const k of usageKeys(job.tenantId, job.spec.project, acc?.type, clusterId, policy)) {
      usage.set(k.key, usageOf(k.key) + (k.unit === 'gpus' ? gpus : 1));
    }
    if (!acc) return;
    const col = clusters.byAccelerator.get(acc.type);
    const cost = col ? costOn(col, i, gpus) : 0; // a gang: every pod
    if (cost > 0) {
      for (const k of spendKeys(policy, job.tenantId, job.spec.project)) {
        usage.set(k.key, usageOf(k.key) + cost);
      }
    }
    add(extraGpus, acc.type, i, gpus);
    add(extraPods, acc.type, i, job.spec.nodes ?? 1);
  }

  function add(columns: Map<string, Float64Array>, type: string, i: number, n: number): void {
    let arr = columns.get(type);
    if (!arr) columns.set(type, (arr = new Float64Array(clusters.clusters.length)));
    arr[i] = (arr[i] ?? 0) + n;
  }
}

function admitOne(
  { job, match }: Queued,
  env: EvalEnv,
  failedAt: Map<string, number>,
): PlacementResult | undefined {
  const acc = job.spec.resources.accelerator;
  const count = acc?.count ?? 0;
  if (acc) {
    const gpus = jobGpus(job.spec);
    const quota = checkQuota(env.policy, job.tenantId, job.spec.project, acc.type, gpus, env.usage);
    if (quota.wait && !quota.never) return undefined;
  }
  const signature = filterSignature(job, match);
  const failed = failedAt.get(signature);
  if (failed !== undefined && count >= failed) return undefined;
  const decision = evaluate(
    { tenantId: job.tenantId, spec: job.spec, match, ...(job.blocked && { blocked: job.blocked }) },
    env,
  );
  if (decision.outcome === 'pending') {
    // Only capacity shrinks for every later job alike; a budget is the job's tenant's own.
    if (decision.waitingFor === 'capacity')
      failedAt.set(signature, Math.min(failed ?? count, count));
    return undefined;
  }
  return decision;
}

/** Equal for jobs that the same clusters pass (given enough capacity): the hard filters' inputs. */
function filterSignature(job: PendingJob, match: RuleMatch): string {
  // A gang of as many pods or more, each as large or larger, fails where a smaller one did.
  let sig = `${job.spec.resources.accelerator?.type ?? ''}|${job.spec.kind ?? 'job'}|${job.spec.nodes ?? 1}`;
  for (const r of match.rules) {
    if (r.require) sig += `|+${r.require.text}`;
    if (r.forbid) sig += `|-${r.forbid.text}`;
  }
  if (job.spec.constraints) sig += `|job ${JSON.stringify(job.spec.constraints)}`;
  if (job.blocked?.length) sig += `|blocked ${job.blocked.join(',')}`;
  return sig;
}
