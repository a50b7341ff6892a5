// The pieces that carry a job's trace id, one by one: the drainer report's optional `traceparent`
// (validated at the API: a malformed one is a 400 naming the field, an absent one is fine), the
// annotation on every workload kind, the Slurm comment and environment (old comments still parse),
// the reports a drainer builds from what a target shows, the status webhook deliveries, and the
// job-scoped logger.
import { beforeEach, describe, expect, it } from 'vitest';
import { jobLogger } from '../../shared/base/job-log.js';
import type { Job } from '../../shared/domain/job.js';
import { deliveriesFor } from '../../shared/jobs/outbox.js';
import { fnv64, newTraceId, traceIdIn, traceparentFor } from '../../shared/metrics/trace.js';
import { reportOf } from '../../shared/drainer/targets.js';
import { jobMetaOf } from '../../shared/drainer/report-status.js';
import { handleDrainerMessage, type MessageHandlerDeps } from '../../shared/drainer/handle.js';
import type { StatusReport } from '../../shared/protocol/control-port.js';
import { buildManifest } from '../../shared/targets/kubernetes/manifest.js';
import type { ClusterDriver, KubeJobStatus } from '../../shared/targets/kubernetes/port.js';
import {
  parseComment,
  slurmComment,
  toStatus,
  toSubmit,
} from '../../shared/targets/slurm/mapping.js';
import { deliveryIds, traceHeaders } from '../../shared/webhooks/delivery-trace.js';
import { aWorkload } from '../contract/target.contract.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OF_TRACE = new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`);

describe('the drainer report’s traceparent', () => {
  let f: Fixture;
  let token: string;
  let job: { id: string; clusterId: string };
  beforeEach(async () => {
    f = await createFixture();
    token = (await f.mint(ADMIN)).token;
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
    job = { id: res.body.id as string, clusterId: res.body.clusterId as string };
  });
  const report = (extra: Record<string, unknown>) =>
    f.call('POST', '/v1/drainer/report', {
      token,
      body: {
        jobId: job.id,
        clusterId: job.clusterId,
        attempt: 1,
        phase: 'running',
        at: new Date(f.clock.now()).toISOString(),
        ...extra,
      },
    });

  it('takes a valid one, and a report without one (drainers from before traces)', async () => {
    expect((await report({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })).status).toBe(200);
    expect((await report({ phase: 'succeeded' })).status).toBe(200);
    expect((await f.store.jobs.get(job.id))?.state).toBe('succeeded');
  });

  it('refuses a malformed one with 400 naming the field and the expected shape', async () => {
    for (const bad of [
      'nonsense',
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      42,
    ]) {
      const res = await report({ traceparent: bad });
      const error = res.body.error as { code: string; message: string };
      expect([res.status, error.code], String(bad)).toEqual([400, 'BAD_REQUEST']);
      expect(error.message).toContain('traceparent');
    }
    expect((await f.store.jobs.get(job.id))?.state).not.toBe('running');
  });
});

describe('the trace on the workload', () => {
  const work = () => ({ ...aWorkload(), traceId: TRACE });

  it('annotates every Kubernetes kind, the same value for the same job and attempt', () => {
    for (const kind of ['job', 'jobset', 'pytorchjob', 'rayjob'] as const) {
      const w = work();
      w.spec.kind = kind;
      const value = buildManifest(w).metadata.annotations['switchyard.io/traceparent'];
      expect(value, kind).toMatch(OF_TRACE);
      expect(buildManifest(w).metadata.annotations['switchyard.io/traceparent']).toBe(value);
      w.placement.attempt = 2;
      expect(buildManifest(w).metadata.annotations['switchyard.io/traceparent']).not.toBe(value);
    }
    expect(buildManifest(aWorkload()).metadata.annotations).not.toHaveProperty(
      'switchyard.io/traceparent',
    );
  });

  it('reads it back from the annotation for the reports, ignoring an edited bad one', () => {
    const w = work();
    const m = buildManifest(w).metadata;
    const status: KubeJobStatus = { ...m, uid: 'u', phase: 'running', resourceVersion: '1' };
    expect(jobMetaOf(status)?.traceId).toBe(TRACE);
    status.annotations = { ...m.annotations, 'switchyard.io/traceparent': 'edited' };
    expect(jobMetaOf(status)).not.toHaveProperty('traceId');
  });

  it('puts it in the Slurm comment and environment; old comments still parse', () => {
    const w = work();
    const settings = {
      partition: 'gpu',
      workdir: '/shared',
      containers: 'none' as const,
      gresTypes: {},
      defaultAccelerator: 'x',
    };
    const submit = toSubmit(w, settings, 'alice', 'dep-1');
    expect(submit.comment).toBe(
      `${slurmComment({ ...w, traceId: undefined }, 'dep-1')} trace=${TRACE}`,
    );
    expect(submit.env.TRACEPARENT).toMatch(OF_TRACE);
    const own = { ...w, spec: { ...w.spec, env: { TRACEPARENT: 'mine' } } };
    expect(toSubmit(own, settings, 'alice', 'dep-1').env.TRACEPARENT).toBe('mine');
    expect(parseComment(submit.comment)).toEqual({
      jobId: w.jobId,
      attempt: 1,
      deployment: 'dep-1',
      traceId: TRACE,
    });
    const old = `switchyard job=${w.jobId} attempt=3 tenant=t by=u`;
    expect(parseComment(old)).toEqual({ jobId: w.jobId, attempt: 3 });
    const listed = { jobId: 7, name: 'n', states: ['RUNNING'], reason: 'None', nodes: 'n1' };
    const status = toStatus({ ...listed, comment: submit.comment }, w.jobId);
    expect(status.traceId).toBe(TRACE);
    expect(reportOf('slurm-1', status, '2030-01-01T00:00:00.000Z').traceparent).toMatch(OF_TRACE);
    const before = toStatus({ ...listed, comment: old }, w.jobId);
    expect(reportOf('slurm-1', before, '2030-01-01T00:00:00.000Z')).not.toHaveProperty(
      'traceparent',
    );
  });
});

describe('the trace on status webhooks and log lines', () => {
  it('stores it on each delivery, which sends a fresh traceparent per attempt', () => {
    const job = {
      id: 'j1',
      tenantId: 't',
      traceId: TRACE,
      spec: { ...aWorkload().spec, callback: { url: 'https://h.example/x', secret: 's' } },
      events: [{ at: '2030-01-01T00:00:00.000Z', state: 'submitted', reason: 'Placed' }],
    } as unknown as Job;
    const [d] = deliveriesFor('2030-01-01T00:00:00.000Z', undefined, job);
    expect(d?.traceId).toBe(TRACE);
    const a = traceHeaders(d!).traceparent;
    expect(a).toMatch(OF_TRACE);
    expect(traceHeaders(d!).traceparent).not.toBe(a);
    expect(deliveryIds(d!)).toEqual({ deliveryId: d!.id, jobId: 'j1', traceId: TRACE });
    const old = { ...d!, traceId: undefined };
    expect(traceHeaders(old)).toEqual({});
    expect(deliveryIds(old)).toEqual({ deliveryId: d!.id, jobId: 'j1' });
  });

  it('gives every line of a job-scoped logger the job id and trace id', () => {
    const seen: unknown[] = [];
    const log = {
      info: (m: string, x?: object) => seen.push(['info', m, x]),
      warn: (m: string, x?: object) => seen.push(['warn', m, x]),
      error: (m: string, x?: object) => seen.push(['error', m, x]),
    };
    jobLogger(log, 'j1', TRACE).info('a', { cluster: 'c' });
    jobLogger(log, 'j1', TRACE).warn('b');
    jobLogger(log, 'j2').error('c', { jobId: 'other' });
    expect(seen).toEqual([
      ['info', 'a', { cluster: 'c', jobId: 'j1', traceId: TRACE }],
      ['warn', 'b', { jobId: 'j1', traceId: TRACE }],
      ['error', 'c', { jobId: 'j2' }],
    ]);
  });

  it('derives a span id from a seed deterministically, and parses only valid traceparents', () => {
    expect(traceparentFor(TRACE, 'j/1')).toBe(traceparentFor(TRACE, 'j/1'));
    expect(traceparentFor(TRACE, 'j/1')).not.toBe(traceparentFor(TRACE, 'j/2'));
    expect(traceIdIn(traceparentFor(TRACE))).toBe(TRACE);
    expect(traceIdIn(undefined)).toBeUndefined();
    expect(traceIdIn(`00-${TRACE}-${'0'.repeat(16)}-01`)).toBeUndefined();
  });

  it('the seeded span id is FNV-1a 64 (published test vectors), random ids are well-formed', () => {
    expect(fnv64('')).toBe('cbf29ce484222325');
    expect(fnv64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv64('foobar')).toBe('85944171f73967e8');
    const ids = new Set(Array.from({ length: 2000 }, () => newTraceId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceparentFor(TRACE)).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  });
});

describe('the trace on queue messages and the drainer’s handling of them', () => {
  it('cancelling a traced job publishes a cancel message with its trace id', async () => {
    const f = await createFixture();
    const token = (await f.mint(ADMIN)).token;
    const res = await f.call('POST', '/v1/jobs', {
      token,
      body: jobBody('research'),
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(202);
    const cancelled = await f.call('POST', `/v1/jobs/${res.body.id as string}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    const bodies = (await f.ctx.queue.pull('aws', { max: 10, visibilityMs: 1000 })).map(
      (m) => m.body as { kind: string; traceId?: string },
    );
    expect(bodies.map((b) => [b.kind, b.traceId])).toEqual([
      ['create', TRACE],
      ['cancel', TRACE],
    ]);
  });

  it('reports and logs a cancel, a refused claim and a failed create under the trace', async () => {
    const reports: StatusReport[] = [];
    const lines: Array<Record<string, unknown> | undefined> = [];
    const keep = (_m: string, x?: Record<string, unknown>) => void lines.push(x);
    let proceed = true;
    const driver = { deleteJob: () => Promise.resolve(true) } as unknown as ClusterDriver;
    const deps: MessageHandlerDeps = {
      queueName: 'q',
      clusters: new Map([['east', driver]]),
      control: {
        claim: () => Promise.resolve({ proceed, ...(proceed ? {} : { reason: 'moved' }) }),
        report: (r) => (reports.push(r), Promise.resolve({})),
        heartbeat: () => Promise.resolve(),
      },
      clock: { now: () => Date.parse('2030-01-01T00:00:00Z') },
      log: { info: keep, warn: keep, error: keep },
    };
    const once = { attempt: 1, mayRetry: false };
    const w = aWorkload();
    const place = { ...w.placement, clusterId: 'west' }; // a cluster this drainer does not serve
    await handleDrainerMessage(
      deps,
      {
        kind: 'cancel',
        jobId: 'j1',
        clusterId: 'east',
        namespace: 'n',
        kubeName: 'k',
        attempt: 1,
        traceId: TRACE,
      },
      once,
    );
    await handleDrainerMessage(
      deps,
      { ...w, kind: 'create', placement: place, traceId: TRACE },
      once,
    );
    proceed = false;
    await handleDrainerMessage(deps, { ...w, kind: 'create', traceId: TRACE }, once);
    expect(reports.map((r) => [r.phase, r.traceparent])).toEqual([
      ['deleted', expect.stringMatching(OF_TRACE)],
      ['create-failed', expect.stringMatching(OF_TRACE)],
    ]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l?.traceId).toBe(TRACE);
  });
});
