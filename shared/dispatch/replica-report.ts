/**
 * What a status report adds to a job besides its state: the target's own job id (target-reports.ts)
 * and, for a multi-node workload, each replica's pod as the drainer last saw it. A report that
 * repeats both changes nothing (no write).
 */
import type { Job } from '../domain/job.js';
import { sameReplicas } from '../domain/replica.js';
import type { StatusReport } from '../protocol/control-port.js';
import { withTargetJobId } from './target-reports.js';

/** The job with the report's target job id and replicas, or undefined when neither is new. */
export function withReportDetails(job: Job, r: StatusReport): Job | undefined {
  const withId = withTargetJobId(job, r);
  if (!r.replicas || sameReplicas(job.replicas, r.replicas)) return withId;
  return { ...(withId ?? job), replicas: r.replicas };
}
