// Policy history through the API, in-process on a SQLite file: every version kept with who, when
// and what changed; paging; one version; the rule-level diff; rollback as a new version that is
// then in force; all of it still there when the file is opened again (a restart); If-Match
// compare-and-set with two instances (two connections to the file) racing; bad input as 400/404.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/policy/schema.js';
import { createSqliteStore } from '../../shared/store/sqlite.node.js';
import { createFixture, jobBody, type Fixture } from '../security/fixture.js';

const EU = {
  name: 'eu-residency',
  match: { labels: { residency: 'eu' } },
  require: { regions: ['europe-*'] },
};
const BULK = { name: 'bulk-cheap', prefer: [{ clouds: ['onprem'], weight: 5 }] };
const V1 = { version: 'a', rules: [EU] };
const V2 = { version: 'b', rules: [{ ...EU, require: { regions: ['eu-*'] } }, BULK] };
const V3 = { version: 'c', weights: { cost: 2 }, rules: [BULK] };

const dir = mkdtempSync(join(tmpdir(), 'switchyard-policy-history-'));
const file = join(dir, 'state.db');
const opened: Fixture[] = [];
const open = async () => {
  const f = await createFixture({ store: createSqliteStore({ path: file }) });
  opened.push(f);
  return f;
};
type Body = Record<string, unknown>;
const errorOf = (body: Body) => body.error as { code: string; message: string; details?: Body };

afterAll(async () => {
  for (const f of opened) await f.store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('policy history on SQLite', () => {
  let f: Fixture;
  let admin: { token: string; id: string };
  beforeAll(async () => {
    f = await open();
    admin = await f.mint('admin');
  });
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    f.call(method, path, { token: admin.token, body, headers });

  it('keeps every version, diffs two, rolls back, and keeps it all across a reopen', async () => {
    for (const doc of [V1, V2, V3]) expect((await call('PUT', '/v1/policy', doc)).status).toBe(200);

    const history = await call('GET', '/v1/policy/history');
    expect(history.status).toBe(200);
    const items = history.body.items as Body[];
    expect(items.map((v) => [v.revision, v.policyVersion, v.updatedBy, v.summary])).toEqual([
      [3, 'c', admin.id, 'rules -eu-residency; version, weights.cost'],
      [2, 'b', admin.id, 'rules +bulk-cheap ~eu-residency(require.regions); version'],
      [1, 'a', admin.id, 'first version'],
    ]);
    expect(items[0]!.updatedAt).toBe(new Date(f.clock.now()).toISOString());
    expect(history.body.nextCursor).toBeNull();

    const page1 = await call('GET', '/v1/policy/history?limit=2');
    expect([(page1.body.items as Body[]).map((v) => v.revision), page1.body.nextCursor]).toEqual([
      [3, 2],
      '2',
    ]);
    const page2 = await call('GET', '/v1/policy/history?limit=2&cursor=2');
    expect([(page2.body.items as Body[]).map((v) => v.revision), page2.body.nextCursor]).toEqual([
      [1],
      null,
    ]);

    const one = await call('GET', '/v1/policy/versions/2');
    expect([one.status, one.body.revision, one.body.document]).toEqual([200, 2, parsePolicy(V2)]);

    const diff = await call('GET', '/v1/policy/diff?from=1&to=3');
    expect([diff.status, diff.body.rules, diff.body.otherFields]).toEqual([
      200,
      { added: ['bulk-cheap'], removed: ['eu-residency'], changed: [], reordered: false },
      ['version', 'weights.cost'],
    ]);
    const toCurrent = await call('GET', '/v1/policy/diff?from=2');
    expect([toCurrent.body.from, toCurrent.body.to, toCurrent.body.summary]).toEqual([
      2,
      3,
      'rules -eu-residency; version, weights.cost',
    ]);

    const rolled = await call('POST', '/v1/policy:rollback', { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      revision: 4,
      rollbackOf: 1,
      updatedBy: admin.id,
      document: parsePolicy(V1),
      summary: 'rollback to revision 1: rules +eu-residency -bulk-cheap; version, weights.cost',
    });
    const now = await call('GET', '/v1/policy');
    expect([now.body.revision, now.headers.get('etag')]).toEqual([4, '"4"']);
    // In force for placement, not only stored: a decision records the rolled-back document.
    const explained = await call('POST', '/v1/jobs:explain', jobBody());
    expect(explained.body.policyVersion).toBe('a');

    // A restart: the same file opened again by a new instance.
    const before = (await call('GET', '/v1/policy/history')).body;
    const again = await open();
    const token = (await again.mint('admin')).token;
    const after = await again.call('GET', '/v1/policy/history', { token });
    expect(after.body).toEqual(before);
    expect((after.body.items as Body[]).map((v) => v.revision)).toEqual([4, 3, 2, 1]);
    const v2 = await again.call('GET', '/v1/policy/versions/2', { token });
    expect(v2.body).toEqual(one.body);
  });

  it('If-Match: of two instances writing over the same revision one wins, one gets 409', async () => {
    const other = await open();
    const otherToken = (await other.mint('admin')).token;
    const read = await call('GET', '/v1/policy');
    const etag = read.headers.get('etag')!;
    const revision = read.body.revision as number;
    const [a, b] = await Promise.all([
      call('PUT', '/v1/policy', V2, { 'if-match': etag }),
      other.call('PUT', '/v1/policy', {
        token: otherToken,
        body: V3,
        headers: { 'if-match': String(revision) },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const lost = a.status === 409 ? a : b;
    expect(errorOf(lost.body)).toMatchObject({
      code: 'VERSION_CONFLICT',
      details: { currentRevision: revision + 1, expectedRevision: revision },
    });
    expect(errorOf(lost.body).message).toMatch(/GET \/v1\/policy again/);
    const history = (await call('GET', '/v1/policy/history?limit=2')).body.items as Body[];
    expect(history.map((v) => v.revision)).toEqual([revision + 1, revision]);

    // A stale If-Match on rollback is refused too; the fresh one and no If-Match are accepted.
    const stale = await call('POST', '/v1/policy:rollback', { version: 1 }, { 'if-match': etag });
    expect([stale.status, errorOf(stale.body).code]).toEqual([409, 'VERSION_CONFLICT']);
    const fresh = await call(
      'POST',
      '/v1/policy:rollback',
      { version: 1 },
      { 'if-match': `"${revision + 1}"` },
    );
    expect([fresh.status, fresh.body.revision]).toEqual([200, revision + 2]);
    const blind = await call('PUT', '/v1/policy', V3);
    expect([blind.status, blind.body.revision]).toEqual([200, revision + 3]);
  });

  const bad: Array<[string, string, unknown, Record<string, string>, number, string, RegExp]> = [
    ['GET', '/v1/policy/versions/abc', undefined, {}, 400, 'BAD_REQUEST', /whole number from 1/],
    ['GET', '/v1/policy/versions/0', undefined, {}, 400, 'BAD_REQUEST', /got "0"/],
    ['GET', '/v1/policy/versions/999', undefined, {}, 404, 'NOT_FOUND', /versions run from 1 to/],
    ['GET', '/v1/policy/diff', undefined, {}, 400, 'BAD_REQUEST', /from must be .* got nothing/],
    ['GET', '/v1/policy/diff?from=1&to=x', undefined, {}, 400, 'BAD_REQUEST', /^to must be/],
    ['GET', '/v1/policy/diff?from=1&to=999', undefined, {}, 404, 'NOT_FOUND', /version 999/],
    ['GET', '/v1/policy/history?limit=0', undefined, {}, 400, 'BAD_REQUEST', /from 1 to 100/],
    ['GET', '/v1/policy/history?limit=101', undefined, {}, 400, 'BAD_REQUEST', /from 1 to 100/],
    ['GET', '/v1/policy/history?cursor=-1', undefined, {}, 400, 'BAD_REQUEST', /^cursor must/],
    ['POST', '/v1/policy:rollback', {}, {}, 400, 'BAD_REQUEST', /needs \{ "version": N \}/],
    ['POST', '/v1/policy:rollback', { version: '1' }, {}, 400, 'BAD_REQUEST', /version: /],
    ['POST', '/v1/policy:rollback', { version: 1, x: 1 }, {}, 400, 'BAD_REQUEST', /unknown.*x/],
    ['POST', '/v1/policy:rollback', { version: 999 }, {}, 404, 'NOT_FOUND', /version 999/],
    ['PUT', '/v1/policy', V1, { 'if-match': 'abc' }, 400, 'BAD_REQUEST', /If-Match must be/],
    ['PUT', '/v1/policy', V1, { 'if-match': '"1", "2"' }, 400, 'BAD_REQUEST', /If-Match must/],
  ];
  it.each(bad)(
    '%s %s %j %j → %i %s',
    async (method, path, body, headers, status, code, message) => {
      const revision = (await call('GET', '/v1/policy')).body.revision;
      const res = await call(method, path, body, headers);
      expect([res.status, errorOf(res.body).code]).toEqual([status, code]);
      expect(errorOf(res.body).message).toMatch(message);
      expect((await call('GET', '/v1/policy')).body.revision).toBe(revision);
    },
  );
});
