/**
 * A placed job as a Slurm batch job, and a Slurm job's state in Switchyard's words. Pure and
 * edge-safe; the version-specific request shapes are in dialects.ts.
 *
 * Naming: `sy-<job id>`, and a comment
 * `switchyard job=<id> attempt=<n> deployment=<d> tenant=<t> by=<submitter>` (then
 * ` trace=<trace id>` for a traced job; its script gets `TRACEPARENT`) that links it to the
 * submission and to the deployment (one control plane and its store) that made it. Only a job with
 * both is Switchyard's, so a user's own `sy-…` job is never adopted or cancelled; which of those a
 * driver may list is slurm.ts's rule (its own deployment's only).
 */
import { ClusterError } from '../kubernetes/port.js';
import type { TargetJobState, TargetJobStatus, TargetWorkload } from '../port.js';
import type { SlurmJob, SlurmSubmit } from './dialects.js';
import { traceparentFor } from '../../metrics/trace.js';

export type SlurmContainers = 'none' | 'pyxis' | 'oci';

export interface SlurmSettings {
  partition: string;
  account?: string;
  /** Shared folder every job's user may write: the jobs' working directory and output files. */
  workdir: string;
  containers: SlurmContainers;
  /** gres type → accelerator, e.g. `{ a100: 'nvidia-a100' }`. */
  gresTypes: Record<string, string>;
  /** The accelerator untyped `gpu` gres count as (the cluster's first pool). */
  defaultAccelerator: string;
}

export const slurmJobName = (jobId: string) => `sy-${jobId}`;

const COMMENT_PREFIX = 'switchyard job=';

/** Spaces and `=` would break the comment's fields. */
const field = (v: string) => v.replace(/[\s=]+/g, '_');

export function slurmComment(w: TargetWorkload, deployment: string): string {
  return (
    `${COMMENT_PREFIX}${field(w.jobId)} attempt=${w.placement.attempt} ` +
    `deployment=${field(deployment)} tenant=${field(w.tenantId)} by=${field(w.submittedBy)}` +
    (w.traceId ? ` trace=${w.traceId}` : '')
  );
}

export interface CommentOrigin {
  jobId: string;
  attempt: number;
  /** The deployment that made it; undefined in comments written before deployments had ids. */
  deployment?: string;
  /** The job's trace id; undefined in comments written before traces. */
  traceId?: string;
}

/** What a comment names, or undefined for a job Switchyard did not make. */
export function parseComment(comment: string): CommentOrigin | undefined {
  const m = /^switchyard job=(\S+) attempt=(\d+)(?: deployment=(\S+))?(?:\s|$)/.exec(comment);
  if (!m) return undefined;
  const origin: CommentOrigin = { jobId: m[1]!, attempt: Number(m[2]) };
  if (m[3] !== undefined) origin.deployment = m[3];
  const trace = /\strace=([0-9a-f]{32})(?:\s|$)/.exec(comment)?.[1];
  if (trace) origin.traceId = trace;
  return origin;
}

/** POSIX single quoting: safe for any string in a bash script. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function launchLine(w: TargetWorkload, containers: SlurmContainers, nodes: number): string {
  const argv = [...(w.spec.command ?? []), ...(w.spec.args ?? [])];
  if (argv.length === 0 && containers === 'none') {
    throw new ClusterError(
      'invalid',
      `job ${w.jobId} has no command: a Slurm target without containers runs \`command\` on the ` +
        'node, so give the job a command (or configure containers: pyxis)',
    );
  }
  const cmd = argv.map(shellQuote).join(' ');
  const srun = `srun --nodes=${nodes} --ntasks-per-node=1`;
  if (containers === 'pyxis')
    return `exec ${srun} --container-image=${shellQuote(w.spec.image)} ${cmd}`.trimEnd();
  if (containers === 'oci')
    return `exec ${srun} --container=${shellQuote(w.spec.image)} ${cmd}`.trimEnd();
  return nodes > 1 ? `exec ${srun} ${cmd}` : `exec ${cmd}`;
}

/** The batch script: runs the command (on every node of a gang), the image named for the record. */
export function batchScript(w: TargetWorkload, containers: SlurmContainers): string {
  const nodes = w.spec.nodes ?? 1;
  return [
    '#!/bin/bash',
    `# Switchyard job ${w.jobId} (${w.spec.name.replace(/[\r\n]/g, ' ')}), image ${w.spec.image}`,
    launchLine(w, containers, nodes),
    '',
  ].join('\n');
}

/** A Kubernetes CPU quantity (`4`, `500m`) as whole CPUs, at least 1. */
function cpus(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const n = q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
  return Number.isFinite(n) && n > 0 ? Math.max(1, Math.ceil(n)) : undefined;
}

const UNITS: Record<string, number> = {
  '': 1 / 2 ** 20,
  k: 1e3 / 2 ** 20,
  M: 1e6 / 2 ** 20,
  G: 1e9 / 2 ** 20,
  T: 1e12 / 2 ** 20,
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 ** 2,
};

/** A Kubernetes memory quantity (`16Gi`, `512M`) in MiB, rounded up. */
function mebibytes(q: string | undefined): number | undefined {
  const m = q === undefined ? null : /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * UNITS[m[2] ?? '']!);
}

/** The gres type to request for an accelerator: the one the mapping names, else untyped. */
function gresTypeFor(accelerator: string, s: SlurmSettings): string | undefined {
  return Object.entries(s.gresTypes).find(([, a]) => a === accelerator)?.[0];
}

export function toSubmit(
  w: TargetWorkload,
  s: SlurmSettings,
  clusterUser: string,
  deployment: string,
): SlurmSubmit {
  const name = slurmJobName(w.jobId);
  const env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin:/bin', USER: clusterUser };
  Object.assign(env, w.spec.env, { SWITCHYARD_JOB_ID: w.jobId });
  // The job's trace for tools that read it (OpenTelemetry SDKs); a job's own TRACEPARENT wins.
  if (w.traceId && env.TRACEPARENT === undefined)
    env.TRACEPARENT = traceparentFor(w.traceId, `${w.jobId}/${w.placement.attempt}`);
  const accel = w.spec.resources.accelerator;
  const submit: SlurmSubmit = {
    script: batchScript(w, s.containers),
    name,
    comment: slurmComment(w, deployment),
    partition: s.partition,
    cwd: s.workdir,
    stdout: `${s.workdir.replace(/\/+$/, '')}/${name}-%j.out`,
    env,
    nodes: w.spec.nodes ?? 1,
    gpusPerNode: accel && accel.count > 0 ? accel.count : 0,
  };
  if (s.account) submit.account = s.account;
  const gresType = accel ? gresTypeFor(accel.type, s) : undefined;
  if (gresType) submit.gresType = gresType;
  if (w.spec.deadlineSeconds !== undefined) {
    submit.timeLimitMinutes = Math.max(1, Math.ceil(w.spec.deadlineSeconds / 60));
  }
  const c = cpus(w.spec.resources.cpu);
  if (c !== undefined) submit.cpusPerTask = c;
  const mem = mebibytes(w.spec.resources.memory);
  if (mem !== undefined) submit.memoryPerNodeMb = mem;
  return submit;
}

const FAILED = new Set([
  'FAILED',
  'OUT_OF_MEMORY',
  'TIMEOUT',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
]);
const ENDED = new Set([...FAILED, 'COMPLETED', 'CANCELLED', 'PREEMPTED']);

/** Slurm's state (and flags) in Switchyard's words; the order of the checks is the precedence. */
export function targetState(states: string[]): TargetJobState {
  const has = (s: string) => states.includes(s);
  if (has('REQUEUED') || has('REQUEUE_HOLD') || has('REQUEUE_FED') || has('PREEMPTED'))
    return 'waiting';
  if (has('COMPLETED')) return 'succeeded';
  if (has('CANCELLED')) return 'cancelled';
  if (states.some((s) => FAILED.has(s))) return 'failed';
  if (has('RUNNING') || has('COMPLETING') || has('SUSPENDED')) return 'running';
  return 'submitted'; // PENDING, CONFIGURING, and states this version does not know yet
}

/** Whether Slurm is done with the job (it will not run again on its own). */
export function hasEnded(job: SlurmJob): boolean {
  return targetState(job.states) !== 'waiting' && job.states.some((s) => ENDED.has(s));
}

export function toStatus(job: SlurmJob, jobId: string): TargetJobStatus {
  const state = targetState(job.states);
  const linked = parseComment(job.comment);
  const status: TargetJobStatus = {
    jobId,
    name: job.name,
    externalId: String(job.jobId),
    attempt: linked?.attempt ?? 1,
    state,
  };
  if (linked?.traceId) status.traceId = linked.traceId;
  const primary = job.states.find((s) => ENDED.has(s));
  const reason = state === 'failed' && primary !== 'FAILED' ? primary : job.reason;
  if (reason && reason !== 'None') status.reason = reason;
  const ended = state === 'succeeded' || state === 'failed';
  if (ended && job.exitCode !== undefined) status.exitCode = job.exitCode;
  const message = describeJob(job, ended ? (primary ?? job.states[0]) : undefined);
  if (message) status.message = message;
  return status;
}

/**
 * The Slurm job in Slurm's words: `Slurm job 123 on n1` while it runs, and once it ended
 * `Slurm job 123 FAILED on node n1 with exit code 3` (`on nodes n[1-2]` for a gang). Undefined
 * when there is nothing to say beyond the state (not started, no node).
 */
function describeJob(job: SlurmJob, endState: string | undefined): string | undefined {
  const many = (job.nodeCount ?? 1) > 1 || /[,[]/.test(job.nodes);
  const where = job.nodes ? ` on ${many ? 'nodes' : 'node'} ${job.nodes}` : '';
  if (endState === undefined)
    return job.nodes ? `Slurm job ${job.jobId} on ${job.nodes}` : undefined;
  const code = job.exitCode === undefined ? '' : ` with exit code ${job.exitCode}`;
  return `Slurm job ${job.jobId} ${endState}${where}${code}`;
}
