/** What every API handler of the simulated cluster is given, and the resource a request names. */
import type { SimFaults } from './options.js';
import type { Resource } from './resources.js';
import type { Store } from './store.js';
import type { WatchRegistry } from './watch.js';
import type { Operator } from './workloads/crds.js';

export interface ApiContext {
  store: Store;
  faults: () => SimFaults;
  /** Consumes one injected create failure, if any is armed. */
  takeCreateFailure: () => SimFaults['failCreates'] | undefined;
  countCreateAttempt: () => void;
  watches: WatchRegistry;
  bookmarkMs: number;
  /** How long a job runs without `SIM_DURATION_SECONDS` (its log counts the steps). */
  defaultDurationSeconds: number;
  log: (line: string) => void;
  /** Workload operators whose CRDs this cluster serves. */
  operators: ReadonlySet<Operator>;
}

export interface Target {
  resource: Resource;
  namespace?: string;
  name?: string;
  subresource?: string;
}
