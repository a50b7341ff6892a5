/**
 * The error envelope's `docs` link: `<publicUrl>/docs/errors#CODE`, served by the app itself with
 * one anchored section per error code. Checked on the real server process over loopback (the link
 * is followed), with `server.publicUrl` set, and on the Worker's fetch handler.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../functions/worker/index.js';
import { codeToStatus, ERROR_CODES } from '../../shared/base/errors.js';
import { createFixture } from '../security/fixture.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

interface Envelope {
  error: { code: string; message: string; docs: string };
}

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer({ dataDir: mkdtempSync(join(tmpdir(), 'sy-error-docs-')) });
});
afterAll(() => server?.stop());

/** The ids of every element in an HTML page, in order. */
const ids = (html: string) => [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);

describe('GET /docs/errors', () => {
  it('has exactly one anchored section per error code, with its HTTP status', async () => {
    const res = await fetch(`${server.url}/docs/errors`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(ids(html)).toEqual([...ERROR_CODES]);
    for (const code of ERROR_CODES) {
      const section = html.slice(
        html.indexOf(`id="${code}"`),
        html.indexOf('</section>', html.indexOf(`id="${code}"`)),
      );
      expect(section, code).toContain(`HTTP ${codeToStatus(code)}`);
      expect(section, code).toMatch(/What to do:<\/strong> \S/);
    }
  });

  it.each([
    ['GET', '/v1/jobs', {}, 'UNAUTHENTICATED', 401],
    ['GET', '/no/such/route', {}, 'NOT_FOUND', 404],
  ] as const)(
    '%s %s: the envelope links its code, and the link resolves',
    async (method, path, headers, code, status) => {
      const res = await fetch(`${server.url}${path}`, { method, headers });
      expect(res.status).toBe(status);
      const body = (await res.json()) as Envelope;
      expect(body.error.code).toBe(code);
      expect(body.error.docs).toBe(`${server.url}/docs/errors#${code}`);
      const page = await fetch(body.error.docs);
      expect(page.status).toBe(200);
      expect(ids(await page.text())).toContain(new URL(body.error.docs).hash.slice(1));
    },
  );

  it('an authenticated bad request links its own code too', async () => {
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(body.error.docs).toBe(`${server.url}/docs/errors#UNSUPPORTED_MEDIA_TYPE`);
  });
});

describe('server.publicUrl', () => {
  it('is the base of the link (behind a proxy the request origin is not the public one)', async () => {
    const f = await createFixture({ publicUrl: 'https://switchyard.example.com/' });
    const res = await f.call('GET', '/v1/jobs');
    expect((res.body as unknown as Envelope).error.docs).toBe(
      'https://switchyard.example.com/docs/errors#UNAUTHENTICATED',
    );
  });
});

describe('the Worker', () => {
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
  const memory = { SWITCHYARD_STORE: 'memory', SWITCHYARD_QUEUE: 'memory' };

  it('links the same page, from PUBLIC_URL or the request origin, and serves it', async () => {
    const fromOrigin = await worker.fetch(
      new Request('https://w.example/v1/jobs'),
      { ...memory },
      ctx,
    );
    expect(((await fromOrigin.json()) as Envelope).error.docs).toBe(
      'https://w.example/docs/errors#UNAUTHENTICATED',
    );
    const env = { ...memory, PUBLIC_URL: 'https://api.example.com' };
    const fromVar = await worker.fetch(new Request('https://w.example/nope'), env, ctx);
    expect(((await fromVar.json()) as Envelope).error.docs).toBe(
      'https://api.example.com/docs/errors#NOT_FOUND',
    );
    const page = await worker.fetch(new Request('https://w.example/docs/errors'), env, ctx);
    expect(page.status).toBe(200);
    expect(ids(await page.text())).toEqual([...ERROR_CODES]);
  });

  it('a configuration error links INVALID_CONFIG', async () => {
    const res = await worker.fetch(
      new Request('https://w.example/healthz'),
      { SWITCHYARD_STORE: 'nope' },
      ctx,
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as Envelope).error.docs).toBe(
      'https://w.example/docs/errors#INVALID_CONFIG',
    );
  });
});
