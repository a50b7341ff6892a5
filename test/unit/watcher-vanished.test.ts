// The pull drainer's watch and the restart check (shared/drainer/watcher.ts `vanished`): the control
// plane is asked which jobs it expects before every complete list — the first and each relist after
// the watch ends — and never on a watch event; after the list, the check gets every job the list
// accounted for (listed, or just reported gone from the watch's memory), so only the others can be
// reported deleted.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import type { ExpectedJob } from '../../shared/protocol/control-port.js';
import { watchCluster } from '../../shared/drainer/watcher.js';
import type {
  ClusterDriver,
  JobWatchHandlers,
  KubeJobStatus,
} from '../../shared/targets/kubernetes/port.js';

const job = (id: string): KubeJobStatus => ({
  namespace: 'ns',
  name: `sy-${id}`,
  uid: `uid-${id}`,
  labels: { 'switchyard.io/job-id': id, 'app.kubernetes.io/managed-by': 'switchyard' },
  annotations: { 'switchyard.io/attempt': '1' },
  phase: 'running',
  resourceVersion: '1',
});
const expectedOf = (id: string): ExpectedJob => ({
  jobId: id,
  attempt: 1,
  namespace: 'ns',
  kubeName: `sy-${id}`,
});
const until = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(probe()).toBe(true);
};

describe('watchCluster with a restart check', () => {
  it('asks before each list, never per event, and hands over what each list accounted for', async () => {
    const calls: string[] = [];
    const lists = [[job('a')], []];
    let handlers: JobWatchHandlers | undefined;
    const cluster = {
      clusterId: 'c1',
      listJobs: async () => {
        calls.push('list');
        return { items: lists.shift() ?? [], resourceVersion: '1' };
      },
      watchJobs: async (_sel: string, _rv: string, h: JobWatchHandlers) => {
        handlers = h;
        return { stop: () => {} };
      },
    } as unknown as ClusterDriver;
    const checked: string[][] = [];
    const deletedReports: string[] = [];
    const stop = watchCluster({
      cluster,
      clock: systemClock,
      log: silentLogger,
      minBackoffMs: 1,
      onStatus: async (_s, deleted, meta) => {
        if (deleted) deletedReports.push(meta.jobId);
      },
      vanished: {
        expected: async () => {
          calls.push('expected');
          return [expectedOf('a'), expectedOf('b')];
        },
        report: async (_expected, listed) => void checked.push([...listed]),
      },
    });
    try {
      await until(() => checked.length === 1 && handlers !== undefined);
      expect(calls).toEqual(['expected', 'list']);
      expect(checked[0]).toEqual(['a/1']);
      // A watch event is not a list: nothing is asked.
      handlers!.onEvent('MODIFIED', { ...job('a'), phase: 'succeeded' });
      handlers!.onEvent('MODIFIED', { ...job('a'), phase: 'running' });
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toEqual(['expected', 'list']);
      // The watch ends; the relist no longer shows `a`: the watch itself reports it gone, and the
      // check is told so (it must not report `a` a second time), after asking first again.
      handlers!.onEnd(new Error('410 Gone'));
      await until(() => checked.length === 2);
      expect(calls).toEqual(['expected', 'list', 'expected', 'list']);
      expect(deletedReports).toEqual(['a']);
      expect(checked[1]).toEqual(['a/1']);
    } finally {
      stop();
    }
  });
});
