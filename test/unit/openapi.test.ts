// GET /openapi.json: structurally valid OpenAPI 3.1, generated from the routes' own descriptions
// with no drift from the routes the app serves (either way: a handler registered without a
// description fails here), request schemas that agree with the validators, and mirrored schemas whose
// fields the real routes accept.
import { beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { openApiDocument } from '../../shared/api/openapi/document.js';
import { dashboardRoutes } from '../../shared/dashboard/routes.js';
import { mountDescribed } from '../../shared/http/route-def.js';
import { ERROR_CODES } from '../../shared/base/errors.js';
import { parseJobSpec } from '../../shared/domain/spec.js';
import { createFixture, jobBody, type Fixture } from '../security/fixture.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let f: Fixture;
let doc: Json;

beforeAll(async () => {
  f = await createFixture();
  const res = await f.app.request('http://switchyard.test/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  doc = (await res.json()) as Json;
});

/** Follows a local `#/a/b` pointer. */
function resolve(pointer: string): unknown {
  expect(pointer.startsWith('#/'), pointer).toBe(true);
  return pointer
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

const operations = () =>
  Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ method, path, op: op as Json })),
  );

/** The document's schema for a component, following `$ref`s. */
const schemaOf = (name: string) =>
  (doc.components as { schemas: Record<string, Json> }).schemas[name]!;

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(typeof doc.paths).toBe('object');
    const components = doc.components as Json;
    for (const k of ['schemas', 'responses', 'securitySchemes']) {
      expect(typeof components[k], k).toBe('object');
    }
    const ids = new Set<string>();
    for (const { method, path, op } of operations()) {
      expect(op.responses, `${method} ${path}`).toBeTypeOf('object');
      expect(Object.keys(op.responses as Json).length).toBeGreaterThan(0);
      expect(ids.has(String(op.operationId)), String(op.operationId)).toBe(false);
      ids.add(String(op.operationId));
      for (const p of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const params = (op.parameters ?? []) as Json[];
        expect(
          params.some((x) => x.in === 'path' && x.name === p && x.required === true),
          `${method} ${path} documents {${p}}`,
        ).toBe(true);
      }
      for (const req of (op.security ?? []) as Json[]) {
        for (const name of Object.keys(req)) {
          expect((components.securitySchemes as Json)[name], name).toBeDefined();
        }
      }
    }
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const r of new Set(refs)) expect(resolve(r), r).toBeDefined();
  });

  it('is built once per list of routes and served the same on every request', async () => {
    const routes = mountDescribed(new Hono(), '/', dashboardRoutes());
    expect(openApiDocument(routes)).toBe(openApiDocument(routes));
    expect(openApiDocument([...routes])).not.toBe(openApiDocument(routes));
    const again = await (await f.app.request('http://switchyard.test/openapi.json')).json();
    expect(again).toEqual(doc);
  });

  it('documents exactly the routes the app serves', () => {
    const served = f.app.routes
      .filter((r) => r.method !== 'ALL')
      .map(
        (r) =>
          `${r.method} ${r.path
            .replace(/\/:(\w+)\{[^}]*\[[^}]*:(\w+)\}/, '/{$1}:$2')
            .replace(/\/:op\{([\w:]+)\}/, '/$1')
            .replace(/\/:(\w+)/g, '/{$1}')}`,
      );
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
    expect(documented.length).toBe(new Set(documented).size);
  });

  it('names the scope, the security and the error statuses of each operation', () => {
    for (const { method, path, op } of operations()) {
      const where = `${method} ${path}`;
      expect(op, where).toHaveProperty('x-required-scope');
      const security = op.security as Json[];
      const responses = op.responses as Json;
      expect(responses['500'], where).toBeDefined();
      if (path.startsWith('/v1/')) {
        expect(security.length, where).toBeGreaterThan(0);
        expect(responses['401'], where).toBeDefined();
        expect(responses['429'], where).toBeDefined();
      } else if (path === '/metrics') {
        // The one bearer route outside /v1: no rate limit there, but 401 and 403.
        expect(security, where).toEqual([{ bearer: [] }]);
        expect([responses['401'], responses['403']], where).not.toContain(undefined);
      } else expect(security, where).toEqual([]);
      if (op.requestBody) expect(responses['400'], where).toBeDefined();
      if (path.includes('{')) expect(responses['404'], where).toBeDefined();
      const scope = op['x-required-scope'];
      if (typeof scope === 'string') {
        expect(responses['403'], where).toBeDefined();
        expect(String(op.description), where).toContain(scope);
      }
    }
    const paths = doc.paths as Record<string, Record<string, Json>>;
    expect(paths['/v1/jobs']!.post!['x-required-scope']).toBe('jobs:submit');
    expect(paths['/v1/policy']!.put!['x-required-scope']).toBe('policy:admin');
    expect(paths['/v1/clusters']!.get!['x-required-scope']).toBe('jobs:read');
    expect(paths['/v1/hooks/{id}']!.post!.security).toEqual([
      { standardWebhooks: [] },
      { githubSignature: [] },
    ]);
    expect(paths['/v1/jobs']!.post!.security).toEqual([{ bearer: [] }]);
  });

  it('shares one error envelope with every error code', () => {
    expect(schemaOf('ErrorCode').enum).toEqual([...ERROR_CODES]);
    const responses = (doc.components as { responses: Record<string, Json> }).responses;
    for (const r of Object.values(responses)) {
      expect(r.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } },
      });
    }
  });

  it('describes the main response bodies', () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const body = (path: string, method: string, status: string) =>
      (((paths[path]![method]!.responses as Json)[status] as Json).content as Json)[
        'application/json'
      ];
    expect(body('/v1/jobs', 'post', '202')).toEqual({
      schema: { $ref: '#/components/schemas/Job' },
    });
    expect(body('/v1/jobs:explain', 'post', '200')).toEqual({
      schema: { $ref: '#/components/schemas/Decision' },
    });
    expect(schemaOf('JobList').required).toEqual(['items', 'nextCursor']);
    expect(Object.keys(schemaOf('Decision').properties as Json)).toContain('candidates');
    for (const name of ['Cluster', 'Schedule', 'Token', 'Hook', 'Policy', 'StoredPolicy']) {
      expect(schemaOf(name), name).toBeDefined();
    }
    // The stored spec never shows the callback secret.
    const spec = schemaOf('JobSpec').properties as Record<string, Json>;
    expect(Object.keys(spec.callback!.properties as Json)).toEqual([
      'url',
      'secretSet',
      'secretSetAt',
    ]);
  });
});

// A deliberately small JSON Schema check: type, required, additionalProperties: false,
// properties, items, enum, string and number bounds, pattern.
function validate(schema: Json, value: unknown, path = '(body)'): string[] {
  const errors: string[] = [];
  const type = schema.type as string | undefined;
  const isObj = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'object' && !isObj) return [`${path}: not an object`];
  if (type === 'array' && !Array.isArray(value)) return [`${path}: not an array`];
  if (type === 'string' && typeof value !== 'string') return [`${path}: not a string`];
  if (type === 'integer' && !Number.isInteger(value)) return [`${path}: not an integer`];
  if (type === 'number' && typeof value !== 'number') return [`${path}: not a number`];
  if (type === 'boolean' && typeof value !== 'boolean') return [`${path}: not a boolean`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: enum`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${path}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errors.push(`${path}: too long`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: pattern`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: min`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: max`);
  }
  if (Array.isArray(value) && schema.items) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errors.push(`${path}: too many`);
    value.forEach((v, i) => errors.push(...validate(schema.items as Json, v, `${path}.${i}`)));
  }
  if (isObj) {
    const obj = value as Json;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const r of (schema.required ?? []) as string[]) {
      if (!(r in obj)) errors.push(`${path}.${r}: required`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${k}: unknown`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties as Json, v, `${path}.${k}`));
    }
  }
  return errors;
}

describe('the JobSubmission schema', () => {
  const accepts = (body: unknown) => {
    try {
      parseJobSpec(body);
      return true;
    } catch {
      return false;
    }
  };
  it.each([
    ['a minimal job', jobBody(), true],
    [
      'defaults left out (env, labels, priority)',
      { name: 'a', project: 'p', image: 'x', resources: {} },
      true,
    ],
    [
      'every optional field',
      jobBody('research', {
        command: ['python'],
        args: ['train.py'],
        env: { A: '1' },
        priority: 5,
        labels: { team: 'ml' },
        deadlineSeconds: 60,
        callback: { url: 'https://example.com/hook', secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAA==' },
        constraints: { clouds: ['aws'], regions: ['us-*'] },
      }),
      true,
    ],
    ['an unknown top-level field', { ...jobBody(), tenantId: 'globex' }, false],
    ['an unknown nested field', jobBody('research', { resources: { gpus: 1 } }), false],
    ['no image', { name: 'a', project: 'p', resources: {} }, false],
    ['no resources', { name: 'a', project: 'p', image: 'x' }, false],
    ['a bad name', { ...jobBody(), name: 'Not_DNS' }, false],
    ['priority out of range', { ...jobBody(), priority: 1001 }, false],
    [
      'a fractional GPU count',
      jobBody('research', { resources: { accelerator: { type: 'nvidia-a100', count: 1.5 } } }),
      false,
    ],
    ['not an object', ['train'], false],
  ])('agrees with parseJobSpec on %s', (_what, body, valid) => {
    expect(accepts(body)).toBe(valid);
    const errors = validate(schemaOf('JobSubmission'), body);
    expect(errors.length === 0, errors.join('; ')).toBe(valid);
  });
});

describe('mirrored request schemas', () => {
  // Bodies that use every documented field must be accepted by the real routes.
  it('match what the routes accept', async () => {
    const { token } = await f.mint('admin');
    const fields = (name: string) => Object.keys(schemaOf(name).properties as Json).sort();

    const schedule = {
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'UTC',
      template: jobBody(),
      concurrencyPolicy: 'Forbid',
      maxCatchUp: 2,
      suspended: false,
    };
    expect(Object.keys(schedule).sort()).toEqual(fields('ScheduleCreate'));
    const created = await f.call('POST', '/v1/schedules', { token, body: schedule });
    expect(created.status, created.text).toBe(201);
    const patched = await f.call('PATCH', `/v1/schedules/${String(created.body.id)}`, {
      token,
      body: schedule,
    });
    expect(patched.status, patched.text).toBe(200);
    expect(fields('SchedulePatch')).toEqual(fields('ScheduleCreate'));

    const hook = {
      project: 'research',
      description: 'ci',
      scheme: 'github',
      template: jobBody('research'),
    };
    expect(Object.keys(hook).sort()).toEqual(fields('HookCreate'));
    const h = await f.call('POST', '/v1/hooks', { token, body: hook });
    expect(h.status, h.text).toBe(201);

    const issue = {
      tenantId: 'initech',
      scopes: ['jobs:read'],
      projects: ['etl'],
      ttlSeconds: 3600,
      description: 'x',
    };
    expect(Object.keys(issue).sort()).toEqual(fields('TokenIssue'));
    const t = await f.call('POST', '/v1/tokens', { token, body: issue });
    expect(t.status, t.text).toBe(201);

    expect(fields('SigningKeyRotate')).toEqual(['alg']);
    const k = await f.call('POST', '/v1/signing-keys', { token, body: { alg: 'ES256' } });
    expect(k.status, k.text).toBe(201);

    // Drainer bodies: a well-formed body passes validation (whatever the control plane answers).
    const at = new Date(f.clock.now()).toISOString();
    const drainer: Array<[string, string, Json]> = [
      ['/v1/drainer/claim', 'DrainerClaim', { jobId: 'j', clusterId: 'sim-one', attempt: 1 }],
      [
        '/v1/drainer/report',
        'DrainerReport',
        {
          jobId: 'j',
          clusterId: 'sim-one',
          attempt: 1,
          phase: 'failed',
          reason: 'r',
          message: 'm',
          targetKind: 'slurm',
          targetJobId: '4242',
          result: { exitCode: 3, reason: 'Error' },
          replicas: [
            { role: 'worker', index: 0, pod: 'p', node: 'n', phase: 'Failed', exitCode: 3 },
          ],
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          at,
        },
      ],
      [
        '/v1/drainer/heartbeat',
        'DrainerHeartbeat',
        {
          clusterId: 'sim-one',
          capacity: {
            reportedAt: at,
            accelerators: { 'nvidia-a100': { total: 8, free: 8, maxFreePerNode: 8 } },
          },
        },
      ],
    ];
    for (const [path, name, body] of drainer) {
      expect(Object.keys(body).sort()).toEqual(fields(name));
      expect(validate(schemaOf(name), body)).toEqual([]);
      const res = await f.call('POST', path, { token, body });
      expect(res.text, path).not.toMatch(/invalid drainer request/);
      const bad = await f.call('POST', path, { token, body: { ...body, extra: 1 } });
      expect(bad.status, path).toBe(400);
    }
  });
});
