// Routes that describe themselves (shared/http/route-def.ts): a described route is served where its
// description says, paths join and convert as Hono and OpenAPI spell them, and the document
// builder refuses descriptions it could only get wrong (no scope, a route twice, one component
// name for two request schemas).
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from '../../shared/api/openapi/document.js';
import {
  describedRoutes,
  joinPath,
  mountDescribed,
  openApiPath,
  type RouteDef,
} from '../../shared/http/route-def.js';

const def = (over: Partial<RouteDef> = {}): RouteDef => ({
  method: 'get',
  path: '/things/:id',
  id: 'getThing',
  summary: 'One thing',
  scope: 'jobs:read',
  responses: { 200: { description: 'the thing', schema: { type: 'object' } } },
  ...over,
});

describe('describedRoutes', () => {
  it('serves the handler at the described method and path, and keeps the description', async () => {
    const r = describedRoutes('things');
    r.add(def({ method: 'post', path: '/things/:id/poke' }), (c) =>
      c.json({ poked: c.req.param('id') }),
    );
    const app = new Hono();
    const mounted = mountDescribed(app, '/v1', r);
    const res = await app.request('/v1/things/t1/poke', { method: 'POST' });
    expect(await res.json()).toEqual({ poked: 't1' });
    expect((await app.request('/v1/things/t1/poke')).status).toBe(404);
    expect(mounted).toEqual([
      expect.objectContaining({ path: '/v1/things/:id/poke', tag: 'things', auth: 'bearer' }),
    ]);
    expect(app.routes.map((x) => `${x.method} ${x.path}`)).toEqual(['POST /v1/things/:id/poke']);
  });

  it('refuses a bearer route that does not name its scope', () => {
    const r = describedRoutes('things');
    const { scope: _, ...noScope } = def();
    expect(() => r.add(noScope, (c) => c.json({}))).toThrow(/getThing.*names its scope/);
    expect(() => r.add({ ...noScope, auth: 'none' }, (c) => c.json({}))).not.toThrow();
    expect(() => r.add({ ...def(), scope: null, id: 'any' }, (c) => c.json({}))).not.toThrow();
  });
});

describe('paths', () => {
  it.each([
    ['/v1/jobs', '/', '/v1/jobs'],
    ['/', '/healthz', '/healthz'],
    ['/', '/', '/'],
    ['/v1', '/:op{jobs:explain}', '/v1/:op{jobs:explain}'],
    ['/v1/jobs/', '/:id', '/v1/jobs/:id'],
  ])('joins %s and %s as Hono does', (prefix, path, joined) => {
    expect(joinPath(prefix, path)).toBe(joined);
    const app = new Hono();
    app.route(
      prefix,
      new Hono().get(path, (c) => c.text('')),
    );
    expect(app.routes[0]!.path).toBe(joined);
  });

  it.each([
    ['/v1/jobs/:id', '/v1/jobs/{id}'],
    ['/v1/jobs/:id/cancel', '/v1/jobs/{id}/cancel'],
    ['/v1/:op{jobs:explain}', '/v1/jobs:explain'],
    ['/v1/maintenance/:id{mnt_[0-9a-z]+:pause}', '/v1/maintenance/{id}:pause'],
    ['/v1/signing-keys/:kid', '/v1/signing-keys/{kid}'],
    ['/.well-known/jwks.json', '/.well-known/jwks.json'],
  ])('writes %s as %s in the document', (hono, openapi) => {
    expect(openApiPath(hono)).toBe(openapi);
  });
});

describe('buildOpenApiDocument', () => {
  const mounted = (...defs: RouteDef[]) => {
    const r = describedRoutes('things');
    for (const d of defs) r.add(d, (c) => c.json({}));
    return mountDescribed(new Hono(), '/v1', r);
  };

  it('publishes a request body under its name from the zod schema the route declares', () => {
    const schema = z.strictObject({ name: z.string().min(1), size: z.int().default(1) });
    const doc = buildOpenApiDocument(
      mounted(def({ method: 'put', body: { name: 'ThingBody', schema } })),
    ) as { paths: Record<string, Record<string, Record<string, unknown>>>; components: never };
    const op = doc.paths['/v1/things/{id}']!.put!;
    expect(op.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingBody' } } },
    });
    const body = (doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas
      .ThingBody!;
    expect(body.required).toEqual(['name']);
    expect(Object.keys(body.properties as object)).toEqual(['name', 'size']);
    expect(Object.keys(op.responses as object)).toEqual(
      ['200', '400', '401', '403', '404', '413', '415', '429', '500', '503'].sort(),
    );
  });

  it('refuses one method and path described twice', () => {
    expect(() => buildOpenApiDocument(mounted(def(), def({ id: 'again' })))).toThrow(
      /get \/v1\/things\/\{id\} is described twice/,
    );
  });

  it('refuses one component name for two different request schemas', () => {
    const a = { name: 'Thing', schema: z.object({ a: z.string() }) };
    const b = { name: 'Thing', schema: z.object({ b: z.string() }) };
    expect(() =>
      buildOpenApiDocument(
        mounted(def({ method: 'put', body: a }), def({ method: 'post', id: 'p', body: b })),
      ),
    ).toThrow(/p: request schema name Thing/);
    // The same schema under the same name (as submit and explain share JobSubmission) is fine.
    expect(() =>
      buildOpenApiDocument(
        mounted(def({ method: 'put', body: a }), def({ method: 'post', id: 'p', body: a })),
      ),
    ).not.toThrow();
  });
});
