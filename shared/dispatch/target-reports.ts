/**
 * Reports only targets other than Kubernetes send (control.ts hands them here), and the words
 * events use for each kind of target. Kubernetes keeps its reasons (`KubernetesJobCreated`,
 * `KubernetesJobDeleted`: docs and tests name them); a Slurm job is named by its Slurm job id.
 *   - `cancelled`: the job was stopped on the target itself (`scancel`): it ends `cancelled`, not
 *     `failed` as a vanished Kubernetes Job does; a job cancelled through Switchyard is only
 *     marked cleaned up.
 *   - `requeued`: the target took a running job back to run it again later (Slurm PREEMPTED or
 *     REQUEUED). The one backwards move a report makes: running → `submitted` (waiting on its
 *     target), with the target's reason. Not `pending`: a pending job is placed nowhere, so
 *     dispatch would place it a second time while the target still holds it queued.
 */
import { jobLogger } from '../base/job-log.js';
import type { StatusReport } from '../protocol/control-port.js';
import type { Job } from '../domain/job.js';
import { isTerminal } from '../domain/job.js';
import { mutateJob } from '../jobs/mutate.js';
import { transition, withEvent } from '../domain/transition.js';
import type { DispatchContext } from './context.js';

export interface TargetWords {
  /** `Kubernetes Job`, `Slurm job 4242`. */
  object: string;
  created: string;
  deleted: string;
}

export function wordsOf(r: Pick<StatusReport, 'targetKind' | 'targetJobId'>): TargetWords {
  if (r.targetKind === 'slurm') {
    return {
      object: r.targetJobId ? `Slurm job ${r.targetJobId}` : 'Slurm job',
      created: 'SlurmJobSubmitted',
      deleted: 'SlurmJobGone',
    };
  }
  return {
    object: 'Kubernetes Job',
    created: 'KubernetesJobCreated',
    deleted: 'KubernetesJobDeleted',
  };
}

/**
 * The event message of a report: a Kubernetes Job's end names its container's exit code; a Slurm
 * job's message already says it in Slurm's words (`Slurm job 123 FAILED on node n1 with exit
 * code 3`), so it stands alone.
 */
export function endedMessage(
  r: Pick<StatusReport, 'targetKind' | 'clusterId' | 'message'>,
  ended: { exitCode: number | null; reason: string } | undefined,
  base: string,
): string {
  if (!ended || ended.exitCode === null) return base;
  if (r.targetKind === 'slurm' && r.message) return base;
  if (r.targetKind === 'slurm') return `${base}; it ended with exit code ${ended.exitCode}`;
  return `the container ended with exit code ${ended.exitCode} (${ended.reason}) on ${r.clusterId}: ${base}`;
}

/** The placement with the target's job id the report carries, when it is new. */
export function withTargetJobId(job: Job, r: StatusReport): Job | undefined {
  if (!r.targetJobId || !job.placement || job.placement.targetJobId === r.targetJobId) {
    return undefined;
  }
  return { ...job, placement: { ...job.placement, targetJobId: r.targetJobId } };
}

type Placed = (job: Job) => boolean;

/** `cancelled` from the target. Resolves the job when it ended just now (its GPUs are free). */
export async function onTargetCancelled(
  ctx: DispatchContext,
  r: StatusReport,
  placedHere: Placed,
): Promise<Job | undefined> {
  const w = wordsOf(r);
  const { job, changed } = await mutateJob(ctx, r.jobId, (j) => {
    if (!placedHere(j)) return undefined;
    const j2 = withTargetJobId(j, r) ?? j;
    if (j.state === 'cancelled') {
      if (j.cleanedUp) return undefined;
      return withEvent(
        { ...j2, cleanedUp: true },
        {
          at: r.at,
          reason: r.reason ?? 'TargetCancelled',
          message: `${w.object} cancelled on ${r.clusterId}`,
        },
      );
    }
    if (isTerminal(j.state)) return undefined;
    return transition(
      j2,
      'cancelled',
      r.reason ?? 'TargetCancelled',
      r.message ?? `${w.object} was cancelled on ${r.clusterId}, not through Switchyard`,
      r.at,
      { cleanedUp: true },
    );
  });
  return changed && job.events.at(-1)?.state === 'cancelled' ? job : undefined;
}

/** `requeued` from the target: running (or dispatched) → submitted, with the target's reason. */
export async function onRequeued(
  ctx: DispatchContext,
  r: StatusReport,
  placedHere: Placed,
): Promise<void> {
  const w = wordsOf(r);
  const reason = r.reason ?? 'Requeued';
  const message = `${w.object} is waiting again on ${r.clusterId} (${reason})${r.message ? `: ${r.message}` : ''}`;
  const { changed, job } = await mutateJob(ctx, r.jobId, (j) => {
    if (!placedHere(j)) return undefined;
    const j2 = withTargetJobId(j, r) ?? j;
    if (j.state === 'dispatched') return transition(j2, 'submitted', reason, message, r.at);
    if (j.state !== 'running') return j2 === j ? undefined : j2;
    return withEvent(
      { ...j2, state: 'submitted' },
      { at: r.at, state: 'submitted', reason, message },
    );
  });
  if (changed)
    jobLogger(ctx.log, job.id, job.traceId).info('job state', { state: job.state, reason });
}
