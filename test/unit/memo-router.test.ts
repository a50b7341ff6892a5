/**
 * The static-path memo in front of Hono's router: the same matches as Hono's default router for
 * static, parameter, wildcard and unmatched paths; a static match kept, a parameter one not.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { StaticMemoRouter } from '../../shared/http/memo-router.js';

function build(app: Hono): Hono {
  app.use('*', async (c, next) => {
    await next();
    c.header('x-mw', 'all');
  });
  app.use('/v1/*', async (c, next) => {
    c.header('x-v1', 'yes');
    await next();
  });
  app.post('/v1/jobs', (c) => c.text('submit'));
  app.get('/v1/jobs/:id', (c) => c.text(`get ${c.req.param('id')}`));
  app.post('/v1/:op{jobs:explain}', (c) => c.text(`explain ${c.req.param('op')}`));
  app.get('/healthz', (c) => c.text('ok'));
  return app;
}

const requests: Array<[string, string]> = [
  ['POST', '/v1/jobs'],
  ['GET', '/v1/jobs'],
  ['GET', '/v1/jobs/abc'],
  ['GET', '/v1/jobs/def'],
  ['POST', '/v1/jobs:explain'],
  ['GET', '/healthz'],
  ['HEAD', '/healthz'],
  ['GET', '/nowhere'],
];

async function answers(app: Hono): Promise<string[]> {
  const out: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const [method, path] of requests) {
      const res = await app.request(path, { method });
      const headers = [...res.headers].map(([k, v]) => `${k}=${v}`).join(';');
      out.push(`${method} ${path} ${res.status} ${headers} ${await res.text()}`);
    }
  }
  return out;
}

describe('StaticMemoRouter', () => {
  it("answers as Hono's default router does, twice over", async () => {
    const memo = await answers(build(new Hono({ router: new StaticMemoRouter() })));
    expect(memo).toEqual(await answers(build(new Hono())));
    expect(memo).toContain(
      'GET /v1/jobs/def 200 content-type=text/plain; charset=UTF-8;x-mw=all;x-v1=yes get def',
    );
  });

  it('keeps a static match and matches a parameter path every time', () => {
    const router = new StaticMemoRouter<string>();
    router.add('ALL', '/v1/*', 'mw');
    router.add('POST', '/v1/jobs', 'submit');
    router.add('GET', '/v1/jobs/:id', 'get');
    const first = router.match('POST', '/v1/jobs');
    expect(router.match('POST', '/v1/jobs')).toBe(first);
    expect(first[0].map(([h]) => h)).toEqual(['mw', 'submit']);
    const a = router.match('GET', '/v1/jobs/a');
    expect(router.match('GET', '/v1/jobs/a')).not.toBe(a);
  });
});
