/**
 * The contract every ClusterDriver passes, run against the closest real stand-in (the simulated
 * Kubernetes API). Jobs are built with the real manifest builder and ask the stand-in to run for
 * SIM_DURATION_SECONDS=1; every wait is bounded. Fault tests run only when the harness can inject
 * faults (`{ down }`, `{ failCreates }`, `{ throttleAll }`, `{ expireWatches }`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../shared/base/clock.js';
import { LABEL_JOB_ID, MANAGED_SELECTOR } from '../../shared/targets/kubernetes/labels.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import type {
  ClusterDriver,
  ClusterErrorKind,
  KubeJobPhase,
  KubeJobStatus,
  WatchEventType,
  WorkloadManifest,
} from '../../shared/targets/kubernetes/port.js';
import { ClusterError } from '../../shared/targets/kubernetes/port.js';
import type { Job } from '../../shared/domain/job.js';

export interface ClusterHarness {
  driver: ClusterDriver;
  cleanup(): Promise<void>;
  /** Injects faults into the stand-in (`{}` clears them). */
  faults?: (f: object) => Promise<void>;
}

const NAMESPACE = 'sy-contract';
const POLL_MS = 50;

async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`,
  );
}

/** A job for the stand-in: runs `seconds`, exits with `exitCode`, optionally on GPUs. */
function aJob(
  options: {
    seconds?: number;
    exitCode?: number;
    /** How the stand-in's kubelet reports the end, e.g. `OOMKilled`. */
    terminationReason?: string;
    gpus?: { type: string; count: number };
  } = {},
): Job {
  const env: Record<string, string> = { SIM_DURATION_SECONDS: String(options.seconds ?? 1) };
  if (options.exitCode !== undefined) env.SIM_EXIT_CODE = String(options.exitCode);
  if (options.terminationReason) env.SIM_TERMINATION_REASON = options.terminationReason;
  return {
    id: newId(),
    tenantId: 'contract',
    state: 'dispatched',
    version: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    submittedBy: 'contract-test',
    events: [],
    spec: {
      name: 'contract job',
      project: 'contract',
      image: 'busybox:1.36',
      command: ['sh', '-c', 'true'],
      env,
      resources: options.gpus ? { accelerator: options.gpus, cpu: '1' } : { cpu: '100m' },
      priority: 0,
      labels: {},
    },
  };
}

function manifestFor(job: Job): WorkloadManifest {
  return buildManifest({
    jobId: job.id,
    tenantId: job.tenantId,
    submittedBy: job.submittedBy,
    spec: job.spec,
    placement: {
      clusterId: 'contract',
      queue: 'contract',
      namespace: NAMESPACE,
      kubeName: `sy-${job.id}`,
      attempt: 1,
    },
  });
}

const selectorFor = (job: Job) => `${LABEL_JOB_ID}=${job.id}`;
const isTerminal = (phase: KubeJobPhase | undefined) => phase === 'succeeded' || phase === 'failed';

async function expectClusterError(
  promise: Promise<unknown>,
  kind: ClusterErrorKind,
): Promise<ClusterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ClusterError(${kind})`).toBeInstanceOf(ClusterError);
  const clusterError = error as ClusterError;
  expect(clusterError.kind, clusterError.message).toBe(kind);
  return clusterError;
}

/** Phases in observation order, with repeats removed. */
function distinct(phases: KubeJobPhase[]): KubeJobPhase[] {
  return phases.filter((p, i) => i === 0 || phases[i - 1] !== p);
}

/** The first accelerator type with at least `count` GPUs free on one node. */
async function gpuType(driver: ClusterDriver, count: number): Promise<string> {
  const report = await driver.capacity();
  const found = Object.entries(report.accelerators).find(([, c]) => c.maxFreePerNode >= count);
  if (!found) throw new Error(`the stand-in needs a node with ${count} free GPUs`);
  return found[0];
}

export function testClusterDriver(name: string, make: () => Promise<ClusterHarness>): void {
  describe(`ClusterDriver contract: ${name}`, () => {
    let h: ClusterHarness;
    let driver: ClusterDriver;
    /** An accelerator type the stand-in has; jobs that must run use one GPU of it. */
    let gpu: string;

    beforeEach(async () => {
      h = await make();
      driver = h.driver;
      await driver.ensureNamespace(NAMESPACE, { 'switchyard.io/tenant': 'contract' });
      gpu = await gpuType(driver, 2);
    });
    afterEach(async () => {
      await h.faults?.({});
      await h.cleanup();
    });

    describe('namespaces and creates', () => {
      it('ensureNamespace is idempotent', async () => {
        await driver.ensureNamespace(NAMESPACE, { 'switchyard.io/tenant': 'contract' });
        await driver.ensureNamespace('sy-other', {});
        await driver.ensureNamespace('sy-other', {});
        const job = aJob();
        expect(
          await driver.createJob({
            ...manifestFor(job),
            metadata: { ...manifestFor(job).metadata, namespace: 'sy-other' },
          }),
        ).toBe('created');
      });

      it('createJob creates, then adopts its own Job on redelivery', async () => {
        const job = aJob();
        expect(await driver.createJob(manifestFor(job))).toBe('created');
        expect(await driver.createJob(manifestFor(job))).toBe('exists');
        const { items } = await driver.listJobs(selectorFor(job));
        expect(items).toHaveLength(1);
      });

      it('a foreign object with the same name is flagged and left untouched', async () => {
        const ours = aJob();
        const theirs = manifestFor(aJob());
        theirs.metadata.name = `sy-${ours.id}`;
        expect(await driver.createJob(theirs)).toBe('created');
        const before = await driver.getJob(NAMESPACE, `sy-${ours.id}`);

        await expectClusterError(driver.createJob(manifestFor(ours)), 'foreign-object');

        const after = await driver.getJob(NAMESPACE, `sy-${ours.id}`);
        expect(after?.uid).toBe(before?.uid);
        expect(after?.labels[LABEL_JOB_ID]).toBe(theirs.metadata.labels[LABEL_JOB_ID]);
      });

      it('a Job without the origin label is foreign too', async () => {
        const ours = aJob();
        const bare = manifestFor(ours);
        bare.metadata.labels = { team: 'someone-else' };
        expect(await driver.createJob(bare)).toBe('created');
        await expectClusterError(driver.createJob(manifestFor(ours)), 'foreign-object');
      });
    });

    describe('reading Jobs through their life', () => {
      it('getJob: undefined for a missing Job', async () => {
        expect(await driver.getJob(NAMESPACE, 'sy-does-not-exist')).toBeUndefined();
      });

      it('pending → running → succeeded, seen by getJob and listJobs', async () => {
        const job = aJob({ seconds: 1, gpus: { type: gpu, count: 1 } });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        const seen: KubeJobPhase[] = [];
        const final = await waitFor(
          'the job to succeed',
          async () => {
            const status = await driver.getJob(NAMESPACE, manifest.metadata.name);
            if (status) seen.push(status.phase);
            return status;
          },
          (s) => isTerminal(s?.phase),
        );
        expect(final?.phase).toBe('succeeded');
        expect(final?.result).toEqual({ exitCode: 0, reason: 'Completed' });
        expect(final?.name).toBe(manifest.metadata.name);
        expect(final?.namespace).toBe(NAMESPACE);
        expect(final?.uid).not.toBe('');
        expect(final?.resourceVersion).not.toBe('');
        expect(final?.labels[LABEL_JOB_ID]).toBe(job.id);
        expect(final?.startTime).toBeTruthy();
        expect(final?.completionTime).toBeTruthy();
        const order = distinct(seen);
        expect(order).toContain('running');
        expect(order.at(-1)).toBe('succeeded');
        expect(['pending', 'running']).toContain(order[0]);
        expect(order.indexOf('pending')).toBeLessThanOrEqual(0);

        const listed = await driver.listJobs(`${MANAGED_SELECTOR},${selectorFor(job)}`);
        expect(listed.resourceVersion).not.toBe('');
        expect(listed.items.map((i) => [i.name, i.phase])).toEqual([
          [manifest.metadata.name, 'succeeded'],
        ]);
      });

      it('a non-zero exit fails the Job, with a reason', async () => {
        const job = aJob({ seconds: 1, exitCode: 2, gpus: { type: gpu, count: 1 } });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        const final = await waitFor(
          'the job to fail',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => isTerminal(s?.phase),
        );
        expect(final?.phase).toBe('failed');
        expect(final?.reason).toBe('BackoffLimitExceeded');
        expect(final?.result).toEqual({ exitCode: 2, reason: 'Error' });
      });

      it('an out-of-memory kill shows as OOMKilled with its exit code', async () => {
        const job = aJob({
          exitCode: 137,
          terminationReason: 'OOMKilled',
          gpus: { type: gpu, count: 1 },
        });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        const final = await waitFor(
          'the job to fail',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => isTerminal(s?.phase),
        );
        expect([final?.phase, final?.result]).toEqual([
          'failed',
          { exitCode: 137, reason: 'OOMKilled' },
        ]);
      });

      it('a Job past its deadline fails with DeadlineExceeded', async () => {
        const job = aJob({ seconds: 30, gpus: { type: gpu, count: 1 } });
        job.spec.deadlineSeconds = 1;
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        const final = await waitFor(
          'the deadline to pass',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => isTerminal(s?.phase),
        );
        expect(final?.phase).toBe('failed');
        expect(final?.reason).toBe('DeadlineExceeded');
        expect(final?.result?.reason).toBe('DeadlineExceeded');
        expect(typeof final?.result?.exitCode).toBe('number');
      });

      it('a Job nothing can run stays pending, with the scheduler’s reason', async () => {
        const job = aJob({ gpus: { type: 'no-such-accelerator', count: 1 } });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        const status = await waitFor(
          'a pending reason',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => s?.reason !== undefined,
          5_000,
        );
        expect(status?.phase).toBe('pending');
        expect(status?.reason).toBe('Unschedulable');
        expect(status?.message).toBeTruthy();
      });

      it('listJobs filters by label selector, across namespaces', async () => {
        await driver.ensureNamespace('sy-contract-b', {});
        const a = aJob();
        const b = aJob();
        await driver.createJob(manifestFor(a));
        await driver.createJob({
          ...manifestFor(b),
          metadata: { ...manifestFor(b).metadata, namespace: 'sy-contract-b' },
        });
        const all = await driver.listJobs(MANAGED_SELECTOR);
        const names = all.items.map((i) => `${i.namespace}/${i.name}`);
        expect(names).toEqual(
          expect.arrayContaining([`${NAMESPACE}/sy-${a.id}`, `sy-contract-b/sy-${b.id}`]),
        );
        const onlyA = await driver.listJobs(selectorFor(a));
        expect(onlyA.items.map((i) => i.name)).toEqual([`sy-${a.id}`]);
        expect((await driver.listJobs(`${LABEL_JOB_ID}=nothing-here`)).items).toEqual([]);
      });

      it('listJobs pages with limit and continue: every Job once, no token on the last page', async () => {
        for (let i = 0; i < 3; i++) await driver.createJob(manifestFor(aJob()));
        const whole = (await driver.listJobs(MANAGED_SELECTOR)).items.map((i) => i.uid);
        expect(whole.length).toBeGreaterThanOrEqual(3);
        const paged: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await driver.listJobs(MANAGED_SELECTOR, {
            limit: 2,
            ...(token ? { continue: token } : {}),
          });
          expect(page.items.length).toBeLessThanOrEqual(2);
          paged.push(...page.items.map((i) => i.uid));
          token = page.continue;
          pages++;
        } while (token && pages < 100);
        expect(token).toBeUndefined();
        expect(pages).toBe(Math.ceil(whole.length / 2));
        expect([...paged].sort()).toEqual([...whole].sort());
      });

      it('deleteJob: true when it existed, false when it did not', async () => {
        const job = aJob({ seconds: 30 });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        expect(await driver.deleteJob(NAMESPACE, manifest.metadata.name)).toBe(true);
        await waitFor(
          'the job to be gone',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => s === undefined,
        );
        expect(await driver.deleteJob(NAMESPACE, manifest.metadata.name)).toBe(false);
        expect(await driver.deleteJob(NAMESPACE, 'sy-never-existed')).toBe(false);
      });
    });

    describe('watching', () => {
      it('delivers ADDED then MODIFIED through to a terminal phase', async () => {
        const job = aJob({ seconds: 1, gpus: { type: gpu, count: 1 } });
        const { resourceVersion } = await driver.listJobs(selectorFor(job));
        const events: [WatchEventType, KubeJobStatus][] = [];
        const ends: unknown[] = [];
        const watch = await driver.watchJobs(selectorFor(job), resourceVersion, {
          onEvent: (type, status) => events.push([type, status]),
          onEnd: (error) => ends.push(error),
        });
        try {
          await driver.createJob(manifestFor(job));
          await waitFor('a terminal watch event', async () => events.at(-1)?.[1].phase, isTerminal);
        } finally {
          watch.stop();
        }
        expect(events[0]?.[0]).toBe('ADDED');
        expect(events.slice(1).every(([type]) => type === 'MODIFIED')).toBe(true);
        expect(events.every(([, s]) => s.name === `sy-${job.id}`)).toBe(true);
        const phases = distinct(events.map(([, s]) => s.phase));
        expect(phases).toContain('running');
        expect(phases.at(-1)).toBe('succeeded');
        // Stopping is not an end the caller has to react to.
        await new Promise((r) => setTimeout(r, 100));
        expect(ends).toEqual([]);
      });

      it('reports DELETED', async () => {
        const job = aJob({ seconds: 30 });
        await driver.createJob(manifestFor(job));
        const { resourceVersion } = await driver.listJobs(selectorFor(job));
        const types: WatchEventType[] = [];
        const watch = await driver.watchJobs(selectorFor(job), resourceVersion, {
          onEvent: (type) => types.push(type),
          onEnd: () => undefined,
        });
        try {
          await driver.deleteJob(NAMESPACE, `sy-${job.id}`);
          await waitFor(
            'a DELETED event',
            async () => types,
            (t) => t.includes('DELETED'),
          );
        } finally {
          watch.stop();
        }
      });

      it('ends exactly once, with an error, when the resourceVersion is stale (410)', async (ctx) => {
        if (!h.faults) return ctx.skip();
        const { resourceVersion } = await driver.listJobs(MANAGED_SELECTOR);
        await h.faults({ expireWatches: true });
        const ends: unknown[] = [];
        const events: unknown[] = [];
        await driver.watchJobs(MANAGED_SELECTOR, resourceVersion || '1', {
          onEvent: (type) => events.push(type),
          onEnd: (error) => ends.push(error),
        });
        await waitFor(
          'onEnd',
          async () => ends.length,
          (n) => n > 0,
          5_000,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(ends).toHaveLength(1);
        expect(ends[0]).toBeInstanceOf(ClusterError);
        expect((ends[0] as ClusterError).statusCode).toBe(410);
        expect(events).toEqual([]);
      });

      it('ends exactly once when the cluster is down', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ down: true });
        const ends: unknown[] = [];
        await driver.watchJobs(MANAGED_SELECTOR, '', {
          onEvent: () => undefined,
          onEnd: (error) => ends.push(error),
        });
        await waitFor(
          'onEnd',
          async () => ends.length,
          (n) => n > 0,
          5_000,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(ends).toHaveLength(1);
        expect((ends[0] as ClusterError).kind).toBe('unreachable');
      });
    });

    describe('capacity', () => {
      it('reflects a running job’s GPUs and frees them afterwards', async () => {
        const type = gpu;
        const before = (await driver.capacity()).accelerators[type];
        expect(before?.total).toBeGreaterThan(0);
        expect(before?.free).toBe(before?.total);

        const job = aJob({ seconds: 2, gpus: { type, count: 2 } });
        const manifest = manifestFor(job);
        await driver.createJob(manifest);
        await waitFor(
          'the GPU job to run',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => s?.phase === 'running' || isTerminal(s?.phase),
        );
        const during = await driver.capacity();
        expect(Date.parse(during.reportedAt)).not.toBeNaN();
        expect(during.accelerators[type]?.total).toBe(before?.total);
        expect(during.accelerators[type]?.free).toBe((before?.free ?? 0) - 2);

        await waitFor(
          'the GPU job to finish',
          () => driver.getJob(NAMESPACE, manifest.metadata.name),
          (s) => isTerminal(s?.phase),
        );
        const after = await waitFor(
          'GPUs to be free again',
          () => driver.capacity(),
          (r) => r.accelerators[type]?.free === before?.free,
          5_000,
        );
        expect(after.accelerators[type]).toEqual(before);
      });
    });

    describe('faults are classified', () => {
      it('down → unreachable', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ down: true });
        await expectClusterError(driver.getJob(NAMESPACE, 'sy-x'), 'unreachable');
        await expectClusterError(driver.createJob(manifestFor(aJob())), 'unreachable');
        await expectClusterError(driver.capacity(), 'unreachable');
        await h.faults({});
        expect(await driver.getJob(NAMESPACE, 'sy-x')).toBeUndefined();
      });

      it('403 → forbidden', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ failCreates: { status: 403, count: 1 } });
        const error = await expectClusterError(driver.createJob(manifestFor(aJob())), 'forbidden');
        expect(error.statusCode).toBe(403);
      });

      it('422 → invalid, 500 → server', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ failCreates: { status: 422, count: 1 } });
        await expectClusterError(driver.createJob(manifestFor(aJob())), 'invalid');
        await h.faults({ failCreates: { status: 500, count: 1 } });
        await expectClusterError(driver.createJob(manifestFor(aJob())), 'server');
      });

      it('a single 429 is retried after Retry-After, transparently', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ failCreates: { status: 429, count: 1, retryAfterSeconds: 1 } });
        const job = aJob();
        const started = Date.now();
        expect(await driver.createJob(manifestFor(job))).toBe('created');
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect((await driver.listJobs(selectorFor(job))).items).toHaveLength(1);
      });

      it('429 past the retry budget → throttled with retryAfterSeconds', async (ctx) => {
        if (!h.faults) return ctx.skip();
        await h.faults({ throttleAll: { retryAfterSeconds: 1 } });
        const started = Date.now();
        const error = await expectClusterError(driver.getJob(NAMESPACE, 'sy-x'), 'throttled');
        expect(error.statusCode).toBe(429);
        expect(error.retryAfterSeconds).toBe(1);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
        expect(Date.now() - started).toBeLessThan(10_000);
      });
    });
  });
}
