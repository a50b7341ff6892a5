// The drainer report route's unit tests (drainer-report, replica-report, target-report) share one
// setup: a fresh in-process fixture and an admin token per test, a job submitted and placed, a
// report for its first attempt (with whatever extra fields the test adds) and the job as
// GET /v1/jobs/:id shows it.
import { beforeEach, expect } from 'vitest';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';

export type PlacedJob = { id: string; clusterId: string };

export interface ReportFixture {
  /** This test's fixture (set by the beforeEach this registers). */
  readonly f: Fixture;
  placedJob(): Promise<PlacedJob>;
  /** POST /v1/drainer/report for attempt 1 of `job`, now, with `extra` fields in the body. */
  report(
    job: PlacedJob,
    phase: string,
    extra?: Record<string, unknown>,
  ): ReturnType<Fixture['call']>;
  view<V>(job: PlacedJob): Promise<V>;
}

/** Registers a beforeEach that makes a fresh fixture and admin token; call at the file's top. */
export function useReportFixture(): ReportFixture {
  let f: Fixture;
  let token: string;
  beforeEach(async () => {
    f = await createFixture();
    token = (await f.mint(ADMIN)).token;
  });
  return {
    get f() {
      return f;
    },
    async placedJob() {
      const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
      expect(res.status).toBe(202);
      return { id: res.body.id as string, clusterId: res.body.clusterId as string };
    },
    report: (job, phase, extra = {}) =>
      f.call('POST', '/v1/drainer/report', {
        token,
        body: {
          jobId: job.id,
          clusterId: job.clusterId,
          attempt: 1,
          at: new Date(f.clock.now()).toISOString(),
          phase,
          ...extra,
        },
      }),
    view: async <V>(job: PlacedJob) =>
      (await f.call('GET', `/v1/jobs/${job.id}`, { token })).body as unknown as V,
  };
}
