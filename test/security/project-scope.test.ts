// A token's projects bound everything it touches: a job, schedule or hook of another project of the
// same tenant is answered exactly like another tenant's (404, absent from lists and counts), and
// schedules and hooks act only within their own project. Idempotency keys of hooks and schedules
// live in a key space no client key reaches.
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

let f: Fixture;
/** acme, every scope, project `research`. */
let research: string;
/** acme, every scope, project `other` only. */
let other: string;
const ids = { job: '', schedule: '', hook: '' };

const SECRET_ENV = { DB_PASSWORD: 'research-only-value' };

beforeEach(async () => {
  f = await createFixture();
  research = (await f.mint('acme', undefined, ['research'])).token;
  other = (await f.mint('acme', undefined, ['other'])).token;
  const job = await f.call('POST', '/v1/jobs', {
    token: research,
    body: jobBody('research', { env: SECRET_ENV }),
  });
  const schedule = await f.call('POST', '/v1/schedules', {
    token: research,
    body: { name: 'nightly', cron: '0 3 * * *', template: jobBody('research') },
  });
  const hook = await f.call('POST', '/v1/hooks', {
    token: research,
    body: { project: 'research', template: jobBody('research') },
  });
  expect([job.status, schedule.status, hook.status]).toEqual([202, 201, 201]);
  ids.job = String(job.body.id);
  ids.schedule = String(schedule.body.id);
  ids.hook = String(hook.body.id);
});

const code = (r: { body: Record<string, unknown> }) => (r.body.error as { code?: string })?.code;

describe('a token limited to another project of the same tenant', () => {
  it.each([
    ['GET', '/v1/jobs/:job'],
    ['POST', '/v1/jobs/:job/cancel'],
    ['GET', '/v1/jobs/:job/deliveries'],
    ['GET', '/v1/schedules/:schedule'],
    ['PATCH', '/v1/schedules/:schedule'],
    ['DELETE', '/v1/schedules/:schedule'],
    ['GET', '/v1/hooks/:hook'],
    ['DELETE', '/v1/hooks/:hook'],
    ['POST', '/v1/hooks/:hook/rotate-secret'],
  ])('%s %s answers 404 and changes nothing', async (method, route) => {
    const path = route
      .replace(':job', ids.job)
      .replace(':schedule', ids.schedule)
      .replace(':hook', ids.hook);
    const body = method === 'PATCH' ? { cron: '* * * * *' } : undefined;
    const res = await f.call(method, path, { token: other, body });
    expect([res.status, code(res)]).toEqual([404, 'NOT_FOUND']);
    expect(res.text).not.toContain(SECRET_ENV.DB_PASSWORD);
    // The owner still sees it unchanged.
    const job = await f.call('GET', `/v1/jobs/${ids.job}`, { token: research });
    const schedule = await f.call('GET', `/v1/schedules/${ids.schedule}`, { token: research });
    const hook = await f.call('GET', `/v1/hooks/${ids.hook}`, { token: research });
    expect([job.status, schedule.status, hook.status]).toEqual([200, 200, 200]);
    expect(job.body.state).not.toBe('cancelled');
    expect(schedule.body.cron).toBe('0 3 * * *');
    expect(hook.body.secrets).toBe(1);
  });

  it('finds none of them in lists, filtered lists or queue counts', async () => {
    for (const path of ['/v1/jobs', '/v1/jobs?project=research', '/v1/schedules', '/v1/hooks']) {
      const theirs = await f.call('GET', path, { token: other });
      const mine = await f.call('GET', path, { token: research });
      expect([path, theirs.status, mine.status]).toEqual([path, 200, 200]);
      expect((mine.body.items as unknown[]).length).toBeGreaterThan(0);
      expect([path, theirs.body.items]).toEqual([path, []]);
    }
    const count = (body: Record<string, unknown>) =>
      (body.items as Array<{ waiting: number; started: number }>).reduce(
        (n, q) => n + q.waiting + q.started,
        Number(body.pending),
      );
    const theirs = await f.call('GET', '/v1/queues', { token: other });
    const mine = await f.call('GET', '/v1/queues', { token: research });
    expect([count(theirs.body), count(mine.body)]).toEqual([0, 1]);
  });

  it('cannot get the job back by replaying its Idempotency-Key', async () => {
    const body = jobBody('research', { name: 'keyed' });
    const headers = { 'idempotency-key': 'k-1' };
    const first = await f.call('POST', '/v1/jobs', { token: research, body, headers });
    expect(first.status).toBe(202);
    const replay = await f.call('POST', '/v1/jobs', { token: other, body, headers });
    expect([replay.status, code(replay)]).toEqual([403, 'FORBIDDEN']);
    expect(replay.text).not.toContain(String(first.body.id));
  });
});

describe('a token with several projects', () => {
  it('lists exactly the jobs of its projects, newest first, across pages', async () => {
    for (const [i, project] of ['other', 'hidden', 'other', 'research', 'hidden'].entries()) {
      f.clock.advance(1000);
      const { token } = await f.mint('acme', undefined, [project]);
      const res = await f.call('POST', '/v1/jobs', {
        token,
        body: jobBody(project, { name: `j${i}` }),
      });
      expect(res.status).toBe(202);
    }
    const both = (await f.mint('acme', undefined, ['research', 'other'])).token;
    const all = (await f.mint('acme')).token;
    const everything = await f.call('GET', '/v1/jobs?limit=100', { token: all });
    const want = (everything.body.items as Array<{ id: string; project: string }>)
      .filter((j) => j.project !== 'hidden')
      .map((j) => j.id);
    const got: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const res = await f.call('GET', `/v1/jobs?limit=2${cursor}`, { token: both });
      got.push(...(res.body.items as Array<{ id: string }>).map((j) => j.id));
      if (res.body.nextCursor === null) break;
      cursor = `&cursor=${String(res.body.nextCursor)}`;
    }
    expect(want).toHaveLength(4);
    expect(got).toEqual(want);
  });
});

describe('hook and schedule idempotency keys', () => {
  it('a client key shaped like a hook key does not block the genuine delivery', async () => {
    const created = await f.call('POST', '/v1/hooks', {
      token: research,
      body: { project: 'research', template: jobBody('research', { name: 'genuine' }) },
    });
    const hookId = String(created.body.id);
    const squat = await f.call('POST', '/v1/jobs', {
      token: research,
      body: jobBody('research', { name: 'squatter' }),
      headers: { 'idempotency-key': `hook:${hookId}:msg_1` },
    });
    expect(squat.status).toBe(202);
    const payload = '{}';
    const at = new Date(f.clock.now());
    const res = await f.call('POST', `/v1/hooks/${hookId}`, {
      body: payload,
      headers: {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(String(created.body.secret)).sign('msg_1', at, payload),
        'content-type': 'application/json',
      },
    });
    expect([res.status, res.body.replayed]).toEqual([202, false]);
    expect(res.body.jobId).not.toBe(squat.body.id);
    const job = await f.call('GET', `/v1/jobs/${String(res.body.jobId)}`, { token: research });
    expect(job.body.name).toBe('genuine');
  });

  it('a client key shaped like a schedule slot does not block the slot', async () => {
    const { fireDueSchedules, slotKey } = await import('../../shared/schedules/fire.js');
    const created = await f.call('POST', '/v1/schedules', {
      token: research,
      body: {
        name: 'minutely',
        cron: '* * * * *',
        template: jobBody('research', { name: 'cron' }),
      },
    });
    const slot = Date.parse(String(created.body.nextFireAt));
    const squat = await f.call('POST', '/v1/jobs', {
      token: research,
      body: jobBody('research', { name: 'squatter' }),
      headers: { 'idempotency-key': slotKey(String(created.body.id), slot) },
    });
    expect(squat.status).toBe(202);
    f.clock.set(slot + 1000);
    expect(await fireDueSchedules(f.ctx, f.jobs)).toEqual({ fired: 1, skipped: 0 });
    const jobs = await f.call('GET', '/v1/jobs?limit=100', { token: research });
    const names = (jobs.body.items as Array<{ name: string }>).map((j) => j.name);
    expect(names.filter((n) => n === 'cron')).toHaveLength(1);
  });
});
