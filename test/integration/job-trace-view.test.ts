// The job's trace id in its API view (GET /v1/jobs/ID, list items, the submit answer, each event)
// and GET /v1/jobs?traceId=… to find a job from a log line: in-process over the real routes on a
// SQLite store. Only the principal's visible jobs are searched; a bad trace id is a 400 that says
// what to send; the search reads a bounded number of pages and then hands back a cursor.
import { beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import type { Job } from '../../shared/domain/job.js';
import { listByTrace } from '../../shared/jobs/trace-list.js';
import { createFixture, jobBody, type Fixture } from '../security/fixture.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER = '0af7651916cd43dd8448eb211c80319c';
const parent = (trace: string) => `00-${trace}-00f067aa0ba902b7-01`;
type Item = Record<string, unknown>;

let f: Fixture;
let acme: string;
let second = 0;

/** Submits one job of `project` (under `trace` when given) a second after the last one. */
async function submit(project: string, trace?: string, token = acme): Promise<Item> {
  f.clock.set(Date.parse('2030-01-01T00:00:00Z') + ++second * 1000);
  const res = await f.call('POST', '/v1/jobs', {
    token,
    body: jobBody(project),
    ...(trace ? { headers: { traceparent: parent(trace) } } : {}),
  });
  expect(res.status, res.text).toBe(202);
  return res.body;
}

const ids = (body: Item) => (body.items as Item[]).map((j) => j.id);

beforeAll(async () => {
  f = await createFixture({ store: createSqliteStore({ path: ':memory:' }) });
  acme = (await f.mint('acme', ['jobs:submit', 'jobs:read'])).token;
});

describe("the job's trace id in its view", () => {
  it('is on the submit answer, GET /v1/jobs/ID, the list items and every event', async () => {
    const answer = await submit('research', TRACE);
    expect(answer.traceId).toBe(TRACE);
    const got = await f.call('GET', `/v1/jobs/${answer.id as string}`, { token: acme });
    expect(got.body.traceId).toBe(TRACE);
    const events = got.body.events as Item[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.traceId).toBe(TRACE);
    const list = await f.call('GET', '/v1/jobs', { token: acme });
    const item = (list.body.items as Item[]).find((j) => j.id === answer.id);
    expect(item?.traceId).toBe(TRACE);
  });

  it('is the made one when the submit had no traceparent, as the answer header says', async () => {
    const res = await f.call('POST', '/v1/jobs', { token: acme, body: jobBody('research') });
    expect(res.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get('traceparent')).toContain(`-${res.body.traceId as string}-`);
  });

  it('is null for a job stored before traces, and its events have none', async () => {
    const answer = await submit('research', OTHER);
    const stored = (await f.store.jobs.get(answer.id as string))!;
    const { traceId: _, ...old } = stored;
    const legacy: Job = { ...old, id: `${stored.id}old`, events: stored.events };
    await f.store.jobs.create(legacy);
    const got = await f.call('GET', `/v1/jobs/${legacy.id}`, { token: acme });
    expect(got.status).toBe(200);
    expect(got.body.traceId).toBeNull();
    for (const e of got.body.events as Item[]) expect(e).not.toHaveProperty('traceId');
  });
});

describe('the API description', () => {
  it('documents traceId on the Job and its events, and as a filter of GET /v1/jobs', async () => {
    const doc = (await f.call('GET', '/openapi.json')).body as {
      components: { schemas: Record<string, { required: string[]; properties: Item }> };
      paths: Record<string, { get: { parameters: Array<{ name: string; in: string }> } }>;
    };
    const { Job, JobEvent } = doc.components.schemas;
    expect(Job!.required).toContain('traceId');
    expect(Job!.properties.traceId).toMatchObject({
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(JobEvent!.required).not.toContain('traceId');
    expect(JobEvent!.properties).toHaveProperty('traceId');
    const params = doc.paths['/v1/jobs']!.get.parameters;
    expect(params).toContainEqual(expect.objectContaining({ name: 'traceId', in: 'query' }));
  });
});

describe('GET /v1/jobs?traceId=', () => {
  it("finds the tenant's jobs of one trace, newest first, and pages them", async () => {
    const trace = 'aaaabbbbccccddddeeeeffff00001111';
    const a = await submit('research', trace);
    await submit('research', OTHER);
    const b = await submit('vision', trace);
    await submit('research');
    const found = await f.call('GET', `/v1/jobs?traceId=${trace.toUpperCase()}`, { token: acme });
    expect(found.status, found.text).toBe(200);
    expect(ids(found.body)).toEqual([b.id, a.id]);
    expect(found.body.nextCursor).toBeNull();

    const first = await f.call('GET', `/v1/jobs?traceId=${trace}&limit=1`, { token: acme });
    expect(ids(first.body)).toEqual([b.id]);
    const cursor = encodeURIComponent(first.body.nextCursor as string);
    const rest = await f.call('GET', `/v1/jobs?traceId=${trace}&limit=1&cursor=${cursor}`, {
      token: acme,
    });
    expect(ids(rest.body)).toEqual([a.id]);
    // A full page cannot know whether older jobs match too: the cursor reads on, to nothing.
    const after = encodeURIComponent(rest.body.nextCursor as string);
    const end = await f.call('GET', `/v1/jobs?traceId=${trace}&cursor=${after}`, { token: acme });
    expect(end.body).toEqual({ items: [], nextCursor: null });

    const vision = await f.call('GET', `/v1/jobs?traceId=${trace}&project=vision`, { token: acme });
    expect(ids(vision.body)).toEqual([b.id]);
  });

  it('finds only what the token may see: not another project, not another tenant', async () => {
    const trace = '1111222233334444555566667777aaaa';
    const mine = await submit('research', trace);
    const theirs = await submit('research', trace, (await f.mint('globex')).token);
    const hidden = await submit('vision', trace);
    const researchOnly = (await f.mint('acme', ['jobs:read'], ['research'])).token;
    const res = await f.call('GET', `/v1/jobs?traceId=${trace}`, { token: researchOnly });
    expect(ids(res.body)).toEqual([mine.id]);
    expect(ids(res.body)).not.toContain(theirs.id);
    expect(ids(res.body)).not.toContain(hidden.id);
  });

  it('answers a bad trace id with 400 BAD_REQUEST that says what a trace id is', async () => {
    for (const bad of ['xyz', TRACE.slice(1), `${TRACE}0`, '0'.repeat(32), parent(TRACE)]) {
      const res = await f.call('GET', `/v1/jobs?traceId=${encodeURIComponent(bad)}`, {
        token: acme,
      });
      expect(res.status, bad).toBe(400);
      const error = res.body.error as Item;
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/traceId must be a W3C trace id: 32 hex digits/);
    }
  });

  it('reads a bounded number of pages, then answers a cursor to read on from', async () => {
    const trace = 'feedfacefeedfacefeedfacefeedface';
    const oldest = await submit('research', trace);
    for (let i = 0; i < 5; i++) await submit('research');
    const p = {
      tenantId: 'acme',
      tokenId: 'scan',
      scopes: new Set(['jobs:read']),
      projects: ['*'],
    };
    const scan = { page: 2, pages: 2 };
    const first = await listByTrace(f.ctx, p, { limit: 10 }, trace, scan);
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const next = await listByTrace(f.ctx, p, { limit: 10, cursor: first.nextCursor! }, trace, scan);
    expect(next.items.map((j) => j.id)).toEqual([oldest.id]);
  });
});
