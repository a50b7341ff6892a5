/**
 * The simulator's multi-object writes survive kill -9 whole or not at all: a child process is
 * killed between a Job and its pod, and between an ended pod and its Job's end. Before, the file
 * kept a Job that never got a pod (it never ran) or an ended pod under a Job that never finished.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobFinished } from '../../infra/sim-cluster/kubelet.js';
import { Store } from '../../infra/sim-cluster/store.js';
import type { JobObject, PodObject } from '../../infra/sim-cluster/types.js';
import { TSX_LOADER } from '../support/server-process.js';
import { tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'kill-mid-write.child.ts');

/** Runs the child up to its kill at `step`; resolves with the signal that ended it. */
function killedAt(dataFile: string, step: 'create' | 'end'): Promise<string | null> {
  const child = spawn(process.execPath, [...TSX_LOADER, CHILD, dataFile, step], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((done) => child.once('exit', (_code, signal) => done(signal)));
}

function reopen(dataFile: string) {
  const store = new Store(dataFile);
  const jobs = store.list<JobObject>('Job');
  const pods = store.list<PodObject>('Pod');
  store.close();
  return { jobs, pods };
}

describe('simulator writes across kill -9', () => {
  it('keeps a Job and its pod together, and an ended pod with its Job finished', async () => {
    const dir = tempDir();
    const [create, end] = await Promise.all([
      killedAt(join(dir, 'create.db'), 'create'),
      killedAt(join(dir, 'end.db'), 'end'),
    ]);
    expect([create, end]).toEqual(['SIGKILL', 'SIGKILL']);

    // Killed before the pod was stored: neither is there (the create was never answered).
    const created = reopen(join(dir, 'create.db'));
    expect([created.jobs.length, created.pods.length]).toEqual([0, 0]);

    // Killed before the Job's end was stored: the pod still runs, and ends again on time.
    const ended = reopen(join(dir, 'end.db'));
    expect(ended.jobs).toHaveLength(1);
    expect(ended.pods.map((p) => p.status.phase)).toEqual(['Running']);
    expect(jobFinished(ended.jobs[0]!)).toBe(false);
  });
});
