/** The API's shapes as the CLI reads them, and how jobs, decisions and events are printed. */
import { replicaEnded, replicaName, type ReplicaState } from '../../shared/domain/replica.js';
import { age, clock, fields, table } from './format.js';

export interface EventView {
  at: string;
  state?: string;
  reason: string;
  message: string;
}

export interface CandidateView {
  clusterId: string;
  feasible: boolean;
  score?: number;
  reasons: string[];
}

export interface DecisionView {
  outcome: string;
  clusterId?: string;
  message: string;
  candidates: CandidateView[];
  policyVersion?: string;
  matchedRules?: string[];
  effectivePriority?: number;
  candidatesOmitted?: number;
}

export interface JobView {
  id: string;
  state: string;
  name: string;
  project: string;
  spec: {
    image: string;
    priority?: number;
    /** Workload kind (absent: `job`) and gang size (absent: 1). */
    kind?: string;
    nodes?: number;
    resources?: { accelerator?: { type: string; count: number }; cpu?: string; memory?: string };
  };
  clusterId: string | null;
  kubernetes: { namespace: string; name: string; attempt: number } | null;
  /** The Slurm job id, once the drainer reported it. */
  targetJobId?: string | null;
  /** The W3C trace id on its log lines (null: from before traces; absent: an older server). */
  traceId?: string | null;
  decision: DecisionView | null;
  /** Every run, oldest first (absent from servers before retries). */
  attempts?: AttemptView[];
  /** A multi-node job's pods as last reported (absent from servers before #13). */
  replicas?: ReplicaView[];
  events: EventView[];
  createdAt: string;
  updatedAt: string;
  idempotencyKey?: string;
}

export interface AttemptView {
  attempt: number;
  clusterId: string;
  placedAt?: string;
  startedAt?: string;
  endedAt: string | null;
  outcome: string;
  reason: string;
  exitCode: number | null;
}

/** One pod of a multi-node job: the domain's own type (GET /v1/jobs/ID `replicas`). */
export type ReplicaView = ReplicaState;

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
]);

export function eventLine(e: EventView): string {
  return `${clock(e.at)}  ${(e.state ?? '-').padEnd(10)}  ${e.reason}: ${e.message}`;
}

/** The decision: outcome, rules, then every candidate with its score or why it was filtered. */
export function renderDecision(d: DecisionView): string {
  const head = fields([
    ['outcome', d.outcome + (d.clusterId ? ` on ${d.clusterId}` : '')],
    ['message', d.message],
    ['policy', d.policyVersion],
    ['rules', d.matchedRules?.length ? d.matchedRules.join(', ') : undefined],
    ['priority', d.effectivePriority],
  ]);
  const rows = d.candidates.map((c) => [
    c.clusterId,
    c.feasible ? `score ${formatScore(c.score)}` : 'filtered',
    c.reasons.join('; ') || '-',
  ]);
  const omitted = d.candidatesOmitted
    ? `\n(${d.candidatesOmitted} more candidate(s) left out)`
    : '';
  const list = rows.length
    ? table(['CLUSTER', 'RESULT', 'REASONS'], rows)
    : '(no candidate clusters)';
  return `${head}\n\n${list}${omitted}`;
}

function formatScore(score: number | undefined): string {
  if (score === undefined) return '?';
  return Number.isInteger(score) ? String(score) : score.toFixed(3);
}

/** `1 x nvidia-a100` for one pod, `2 × 8 nvidia-h100 = 16 GPUs` for a gang of two. */
export function accelerator(job: JobView): string | undefined {
  const a = job.spec.resources?.accelerator;
  const nodes = job.spec.nodes ?? 1;
  if (!a) return nodes > 1 ? `${nodes} pods, no GPUs` : undefined;
  return nodes > 1
    ? `${nodes} × ${a.count} ${a.type} = ${nodes * a.count} GPUs`
    : `${a.count} x ${a.type}`;
}

/** The workload kind and its pods: `job`, `pytorchjob × 2`. */
export function workload(job: JobView): string {
  const nodes = job.spec.nodes ?? 1;
  return `${job.spec.kind ?? 'job'}${nodes > 1 ? ` × ${nodes}` : ''}`;
}

/** Everything about one job: fields, the decision, the event history. */
export function renderJob(job: JobView, now: number): string {
  const k = job.kubernetes;
  const head = fields([
    ['id', job.id],
    ['name', job.name],
    ['project', job.project],
    ['state', job.state],
    ['cluster', job.clusterId],
    [
      'kubernetes',
      k && !job.targetJobId ? `${k.namespace}/${k.name} (attempt ${k.attempt})` : undefined,
    ],
    [
      'slurm job',
      job.targetJobId && k ? `${job.targetJobId} (${k.name}, attempt ${k.attempt})` : undefined,
    ],
    ['image', job.spec.image],
    ['kind', workload(job)],
    ['accelerator', accelerator(job)],
    ['priority', job.spec.priority],
    ['idempotency key', job.idempotencyKey],
    ['trace', job.traceId ?? undefined],
    ['trace logs', job.traceId ? `grep ${job.traceId}` : undefined],
    ['created', `${job.createdAt} (${age(job.createdAt, now)} ago)`],
    ['updated', `${job.updatedAt} (${age(job.updatedAt, now)} ago)`],
  ]);
  const decision = job.decision
    ? `\n\nDecision\n${indent(renderDecision(job.decision))}`
    : '\n\nDecision: none yet';
  const events = job.events.length
    ? `\n\nEvents\n${indent(
        table(
          ['TIME', 'STATE', 'REASON', 'MESSAGE'],
          job.events.map((e) => [e.at, e.state ?? '-', e.reason, e.message]),
        ),
      )}`
    : '';
  return (
    head + decision + replicasTable(job.replicas ?? []) + attemptsTable(job.attempts ?? []) + events
  );
}

/** How the replica's container ended: `exit 7 (Error)`, or `-` while it runs. */
const replicaEnd = (r: ReplicaView): string => replicaEnded(r) ?? '-';

/** Each pod of a multi-node job: replica, pod, node, phase, how it ended. */
function replicasTable(replicas: ReplicaView[]): string {
  if (replicas.length === 0) return '';
  const rows = replicas.map((r) => [replicaName(r), r.pod, r.node ?? '-', r.phase, replicaEnd(r)]);
  return `\n\nReplicas\n${indent(table(['REPLICA', 'POD', 'NODE', 'PHASE', 'ENDED'], rows))}`;
}

/** `2 Running`, `1 Succeeded, 1 Failed (worker 0 exit 7)`: a gang's pods by phase, for lists. */
export function replicaSummary(job: JobView): string | undefined {
  const replicas = job.replicas ?? [];
  if (replicas.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const r of replicas) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
  const failed = replicas.find((r) => r.phase === 'Failed' && r.exitCode !== undefined);
  const parts = [...counts].map(([phase, n]) => `${n} ${phase}`);
  return parts.join(', ') + (failed ? ` (${replicaName(failed)} exit ${failed.exitCode})` : '');
}

/** The job's runs: which cluster, when, how each ended (only when it ran more than once). */
function attemptsTable(attempts: AttemptView[]): string {
  if (attempts.length < 2) return '';
  const rows = attempts.map((a) => [
    String(a.attempt),
    a.clusterId,
    a.startedAt ?? a.placedAt ?? '-',
    a.endedAt ?? '-',
    a.outcome,
    a.exitCode === null ? a.reason : `${a.reason} (exit ${a.exitCode})`,
  ]);
  return `\n\nAttempts\n${indent(table(['#', 'CLUSTER', 'STARTED', 'ENDED', 'OUTCOME', 'REASON'], rows))}`;
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
