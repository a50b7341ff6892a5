/**
 * The workload kinds a simulated cluster runs, known before its drainer's first capacity report:
 * the server starts the simulated cluster with these operators itself. Without it a gang
 * submitted in the first seconds after start was rejected ("kubeflow.org not installed") on a
 * cluster that serves the CRD, because an unreported cluster counts as running Jobs only.
 */
import type { WorkloadKind } from '../../shared/domain/job.js';
import { DEFAULT_OPERATORS, type Operator } from '../../infra/sim-cluster/workloads/crds.js';

const KIND_OF: Partial<Record<Operator, WorkloadKind>> = {
  jobset: 'jobset',
  kubeflow: 'pytorchjob',
  ray: 'rayjob',
};

export function simulatedKinds(operators: readonly Operator[] | undefined): WorkloadKind[] {
  const installed = new Set(operators ?? DEFAULT_OPERATORS);
  const kinds: WorkloadKind[] = ['job'];
  for (const [operator, kind] of Object.entries(KIND_OF) as [Operator, WorkloadKind][]) {
    if (installed.has(operator)) kinds.push(kind);
  }
  return kinds;
}
