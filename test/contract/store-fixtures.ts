/**
 * Builders and helpers the StateStore contract files share. A driver may run the suite against one
 * shared table (DynamoDB), so every test names its records with `uniqueId`, never a fixed id.
 */
import type { Job } from '../../shared/domain/job.js';
import type { Hook, Schedule, StateStore } from '../../shared/store/port.js';

/** What a contract file gets from `testStoreDriver`: the test's store and a second handle on it. */
export interface StoreContext {
  store(): StateStore;
  /** Another connection to the same data where the driver has one; otherwise the same store. */
  peer(): Promise<StateStore>;
}

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const RUN = crypto.randomUUID().slice(0, 8);
let serial = 0;
/** An id no other test (nor an earlier run against the same table) uses: `prefix-run-n`. */
export const uniqueId = (prefix: string) => `${prefix}-${RUN}-${serial++}`;

export const ids = (items: { id: string }[]) => items.map((i) => i.id);

export function aJob(over: Partial<Job> & { project?: string } = {}): Job {
  const { project = 'vision', ...rest } = over;
  return {
    id: 'job-1',
    tenantId: 'acme',
    spec: {
      name: 'train',
      project,
      image: 'ghcr.io/acme/train:1',
      env: { A: '1' },
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      priority: 0,
      labels: {},
    },
    state: 'received',
    version: 1,
    createdAt: at(0),
    updatedAt: at(0),
    submittedBy: 'tok-1',
    events: [{ at: at(0), state: 'received', reason: 'Received', message: 'ok' }],
    ...rest,
  };
}

export function aSchedule(over: Partial<Schedule> = {}): Schedule {
  return {
    id: 'sch-1',
    tenantId: 'acme',
    name: 'nightly',
    cron: '0 3 * * *',
    timezone: 'Europe/Berlin',
    template: { name: 'train', image: 'ghcr.io/acme/train:1', env: { A: '1' } },
    concurrencyPolicy: 'Forbid',
    maxCatchUp: 1,
    suspended: false,
    nextFireAt: at(0),
    activeJobIds: [],
    createdBy: 'tok-1',
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}

export function aHook(over: Partial<Hook> = {}): Hook {
  return {
    id: 'hook-1',
    tenantId: 'acme',
    project: 'vision',
    description: 'on push',
    scheme: 'github',
    secrets: ['s1'],
    template: { name: 'build-{{payload.ref}}', image: 'ghcr.io/acme/build:1' },
    createdBy: 'tok-1',
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...over,
  };
}
