/**
 * The spend part of a job's reservation: its cost per hour on the chosen cluster (GPUs × the
 * cheapest price of its accelerator's pools there, 0 without one) against its tenant's and
 * project's budgets in money (see `placement/budget.ts`). Always taken, budget or not, so
 * `GET /v1/usage` shows spend and a budget added later counts the jobs already running.
 */
import type { AcceleratorRequest, Job, Reservation } from '../domain/job.js';
import type { Cluster } from '../domain/cluster.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { spendKeys, spendReservation, toSpendUnits, unitPrice } from '../placement/budget.js';

export function jobSpendReservation(
  policy: CompiledPolicy,
  job: Job,
  cluster: Cluster,
  acc: AcceleratorRequest,
): Reservation[] {
  const price = unitPrice(cluster.pools, acc.type) ?? 0;
  const cost = toSpendUnits(price * acc.count * (job.spec.nodes ?? 1)); // a gang: every pod
  return spendReservation(spendKeys(policy, job.tenantId, job.spec.project), cost);
}
