// A preemption's cancel message carries its grace period and reason: the drainer deletes the
// workload with that grace period (the driver passes it to the Kubernetes delete) and reports it
// deleted; a plain cancel leaves the grace period to the cluster. A message with a bad grace period
// is poison (refused by the schema) rather than a delete with nonsense.
import { describe, expect, it } from 'vitest';
import { handleDrainerMessage, type MessageHandlerDeps } from '../../shared/drainer/handle.js';
import { queueMessageSchema, type CancelMessage } from '../../shared/protocol/messages.js';
import type { StatusReport } from '../../shared/protocol/control-port.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import { silentLogger } from '../../shared/base/log.js';

function setUp() {
  const deletes: unknown[][] = [];
  const reports: StatusReport[] = [];
  // Only deleteJob is reached by a cancel.
  const driver = {
    deleteJob: (...args: unknown[]) => {
      deletes.push(args);
      return Promise.resolve(true);
    },
  } as unknown as ClusterDriver;
  const deps: MessageHandlerDeps = {
    queueName: 'q',
    clusters: new Map([['east', driver]]),
    control: {
      claim: () => Promise.resolve({ proceed: true }),
      report: (r) => (reports.push(r), Promise.resolve({})),
      heartbeat: () => Promise.resolve(),
    },
    clock: { now: () => Date.parse('2026-11-29T10:00:00Z') },
    log: silentLogger,
  };
  return { deps, deletes, reports };
}

const cancel: CancelMessage = {
  kind: 'cancel',
  jobId: 'j1',
  clusterId: 'east',
  namespace: 'sy-acme',
  kubeName: 'sy-j1',
  attempt: 1,
};

describe('cancel message with a grace period', () => {
  it('deletes with the grace period and reports the workload deleted', async () => {
    const { deps, deletes, reports } = setUp();
    const msg = queueMessageSchema.parse({ ...cancel, reason: 'Preempted', gracePeriodSeconds: 7 });
    await handleDrainerMessage(deps, msg, { attempt: 1, mayRetry: true });
    expect(deletes).toEqual([['sy-acme', 'sy-j1', undefined, 7]]);
    expect(reports).toMatchObject([{ jobId: 'j1', phase: 'deleted', attempt: 1 }]);
  });

  it('a plain cancel leaves the grace period to the cluster', async () => {
    const { deps, deletes } = setUp();
    await handleDrainerMessage(deps, queueMessageSchema.parse(cancel), {
      attempt: 1,
      mayRetry: true,
    });
    expect(deletes).toEqual([['sy-acme', 'sy-j1', undefined, undefined]]);
  });

  it('refuses a grace period out of range', () => {
    expect(queueMessageSchema.safeParse({ ...cancel, gracePeriodSeconds: -1 }).success).toBe(false);
  });
});
