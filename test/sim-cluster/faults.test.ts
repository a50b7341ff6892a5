/** Fault injection, the /sim control endpoints, and robustness against bad input. */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { apiError, clients, gpuJob, startTestSim, waitFor } from './helpers.js';
import { Watch } from '@kubernetes/client-node';

let sim: SimCluster;
beforeEach(async () => {
  sim = await startTestSim();
  await clients(sim.url).core.createNamespace({ body: { metadata: { name: 'team-a' } } });
});
afterEach(() => sim.close());

const create = (name: string) =>
  clients(sim.url).batch.createNamespacedJob({ namespace: 'team-a', body: gpuJob({ name }) });

async function putFaults(faults: object): Promise<Response> {
  return fetch(`${sim.url}/sim/faults`, {
    method: 'PUT',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  });
}

describe('faults', () => {
  it.each([
    [403, 'Forbidden', 'exceeded quota: gpu-quota'],
    [422, 'Invalid', 'is invalid'],
    [500, 'InternalError', 'Internal error'],
    [503, 'ServiceUnavailable', 'unable to handle'],
    [429, 'TooManyRequests', 'Too many requests'],
  ] as const)(
    'failCreates %i answers a %s Status, for `count` creates only',
    async (status, reason, message) => {
      sim.setFaults({ failCreates: { status, count: 1, retryAfterSeconds: 7 } });
      const err = await apiError(create('first'));
      expect(err.code).toBe(status);
      expect(err.body).toMatchObject({ kind: 'Status', status: 'Failure', reason, code: status });
      expect(String(err.body.message)).toContain(message);
      if (status === 429) expect(err.headers['retry-after']).toBe('7');
      await create('second');
      expect(sim.stats().creates).toEqual({ 'team-a/second': 1 });
      expect(sim.stats().createAttempts).toBe(2);
    },
  );

  it('failCreates without count fails every create until cleared', async () => {
    sim.setFaults({ failCreates: { status: 500 } });
    for (const name of ['a', 'b']) expect((await apiError(create(name))).code).toBe(500);
    sim.setFaults({});
    await create('c');
  });

  it('down refuses connections but keeps /sim/* working', async () => {
    const res = await putFaults({ down: true });
    expect(res.status).toBe(200);
    const error = await clients(sim.url)
      .core.listNode()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    // A network error, not an HTTP status: the socket is destroyed before any response.
    expect((error as { code?: unknown }).code).toBe('ECONNRESET');
    const faults = await (await fetch(`${sim.url}/sim/faults`)).json();
    expect(faults).toEqual({ down: true });
    await putFaults({});
    expect((await clients(sim.url).core.listNode()).items).toHaveLength(2);
  });

  it.each([
    ['none (a bare body)', undefined],
    ["curl -d's default", 'application/x-www-form-urlencoded'],
  ])('PUT /sim/faults takes JSON whatever the Content-Type: %s', async (_what, type) => {
    const res = await fetch(`${sim.url}/sim/faults`, {
      method: 'PUT',
      // A Uint8Array body makes fetch send no Content-Type of its own.
      body: new TextEncoder().encode('{"failCreates":{"status":503}}'),
      headers: type ? { 'content-type': type } : {},
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ failCreates: { status: 503 } });
    expect((await apiError(create('refused'))).code).toBe(503);
    const bad = await fetch(`${sim.url}/sim/faults`, { method: 'PUT', body: 'down=true' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ reason: 'BadRequest' });
  });

  it('throttleAll answers 429 TooManyRequests with Retry-After', async () => {
    sim.setFaults({ throttleAll: { retryAfterSeconds: 3 } });
    const err = await apiError(clients(sim.url).core.listNode());
    expect(err.code).toBe(429);
    expect(err.body).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 3 },
    });
    expect(err.headers['retry-after']).toBe('3');
  });

  it('latencyMs delays every response', async () => {
    sim.setFaults({ latencyMs: 300 });
    const started = Date.now();
    await clients(sim.url).core.listNode();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('expireWatches answers a resumed watch with an ERROR 410 event', async () => {
    const list = await clients(sim.url).batch.listJobForAllNamespaces();
    sim.setFaults({ expireWatches: true });
    const events: [string, { code?: number }][] = [];
    let done = false;
    await new Watch(clients(sim.url).kc).watch(
      '/apis/batch/v1/jobs',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, object) => events.push([type, object as { code?: number }]),
      () => {
        done = true;
      },
    );
    await waitFor('watch end', () => done);
    expect(events).toEqual([['ERROR', expect.objectContaining({ code: 410, reason: 'Expired' })]]);
  });

  it('serves stats over HTTP', async () => {
    await create('counted');
    const stats = (await (await fetch(`${sim.url}/sim/stats`)).json()) as {
      creates: object;
      requests: number;
    };
    expect(stats.creates).toEqual({ 'team-a/counted': 1 });
    expect(stats.requests).toBeGreaterThan(1);
  });
});

function raw(
  method: string,
  path: string,
  body: string | Buffer,
  type = 'application/json',
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      { method, headers: { 'content-type': type } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('robustness and protocol details', () => {
  it('answers bad JSON with 400 BadRequest and an oversized body with 413', async () => {
    const bad = await raw('POST', '/apis/batch/v1/namespaces/team-a/jobs', '{"kind": ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const big = await raw(
      'POST',
      '/apis/batch/v1/namespaces/team-a/jobs',
      Buffer.alloc(1024 * 1024 + 10, 'a'),
    );
    expect(big.status).toBe(413);
    const notObject = await raw('POST', '/api/v1/namespaces', '[1,2]');
    expect(notObject.status).toBe(400);
    expect((await clients(sim.url).core.listNode()).items).toHaveLength(2);
  });

  it.each([
    ['limit=abc', /invalid limit "abc"/],
    ['limit=1&continue=bm90LWpzb24', /invalid continue token/],
  ])('answers a list with %s with a 400 BadRequest Status', async (query, want) => {
    const res = await fetch(`${sim.url}/apis/batch/v1/jobs?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { reason: string; message: string };
    expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(body.message).toMatch(want);
  });

  it('answers unknown paths with a 404 Status and marks every response as simulated', async () => {
    const res = await fetch(`${sim.url}/apis/apps/v1/deployments`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect(res.headers.get('x-switchyard-simulated')).toBe('true');
    const version = await fetch(`${sim.url}/version`);
    expect(version.headers.get('x-switchyard-simulated')).toBe('true');
    expect(await version.json()).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.0-switchyard-sim',
    });
    const wrongVerb = await fetch(`${sim.url}/api/v1/nodes/test-nvidia-a100-0`, {
      method: 'DELETE',
    });
    expect(wrongVerb.status).toBe(405);
  });

  it('drops unknown fields with a Warning by default and rejects them with fieldValidation=Strict', async () => {
    const job = { ...gpuJob({ name: 'extra' }), bogus: 1 };
    const strict = await raw(
      'POST',
      '/apis/batch/v1/namespaces/team-a/jobs?fieldValidation=Strict',
      JSON.stringify(job),
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('strict decoding error: unknown field "bogus"');
    const warn = await raw('POST', '/apis/batch/v1/namespaces/team-a/jobs', JSON.stringify(job));
    expect(warn.status).toBe(201);
    expect(String(warn.headers.warning)).toContain('unknown field');
    expect(warn.body.bogus).toBeUndefined();
  });

  it('applies a merge patch to labels and refuses to change the pod template', async () => {
    await create('patched');
    const ok = await raw(
      'PATCH',
      '/apis/batch/v1/namespaces/team-a/jobs/patched',
      JSON.stringify({ metadata: { labels: { extra: 'yes' } } }),
      'application/merge-patch+json',
    );
    expect(ok.status).toBe(200);
    expect((ok.body.metadata as { labels: object }).labels).toMatchObject({ extra: 'yes' });
    const bad = await raw(
      'PATCH',
      '/apis/batch/v1/namespaces/team-a/jobs/patched',
      JSON.stringify({ spec: { template: { spec: { restartPolicy: 'OnFailure' } } } }),
      'application/merge-patch+json',
    );
    expect(bad.status).toBe(422);
  });
});
