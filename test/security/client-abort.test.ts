// A client that hangs up mid-body is not a server error: over a real socket (@hono/node-server on
// loopback) the request body is cut off by destroying the socket; the request is counted in
// /metrics as 499 (client closed request), never 500, and logged at info level without a stack.
import { serve, type ServerType } from '@hono/node-server';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../shared/base/log.js';
import { createFixture, type Fixture } from './fixture.js';

let f: Fixture;
let server: ServerType;
let port = 0;
let token = '';
const logged: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];

beforeAll(async () => {
  f = await createFixture();
  const capture =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void logged.push({ level, message, fields });
  const log: Logger = {
    info: capture('info'),
    warn: capture('warn'),
    error: capture('error'),
  };
  Object.assign(f.ctx, { log });
  token = (await f.mint('acme')).token;
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** Sends the head and part of a body of `path`, then destroys the socket. */
async function hangUp(path: string, framing: 'declared' | 'chunked'): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((ready) => socket.once('connect', () => ready()));
  const length = framing === 'declared' ? 'Content-Length: 4000' : 'Transfer-Encoding: chunked';
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\n${length}\r\n\r\n`,
  );
  const part = '{"name":"train","project":"research","labels":{"pad":"';
  socket.write(framing === 'declared' ? part : `${part.length.toString(16)}\r\n${part}\r\n`);
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
}

async function requestCounts(): Promise<Record<string, number>> {
  const res = await f.call('GET', '/metrics', { token });
  const counts: Record<string, number> = {};
  for (const m of res.text.matchAll(/^switchyard_http_requests_total\{(.*)\} (\d+)$/gm)) {
    counts[m[1]!] = Number(m[2]);
  }
  return counts;
}

async function waitForCount(key: string, want: number): Promise<Record<string, number>> {
  for (let i = 0; i < 100; i++) {
    const counts = await requestCounts();
    if ((counts[key] ?? 0) >= want) return counts;
    await new Promise((r) => setTimeout(r, 20));
  }
  return requestCounts();
}

describe('a client that hangs up mid-body', () => {
  it.each(['declared', 'chunked'] as const)(
    'is counted as 499 and logged at info level (%s length)',
    async (framing) => {
      const before = (await requestCounts())['method="POST",route="/v1/jobs",status="499"'] ?? 0;
      logged.length = 0;
      await hangUp('/v1/jobs', framing);
      const counts = await waitForCount('method="POST",route="/v1/jobs",status="499"', before + 1);
      expect(counts['method="POST",route="/v1/jobs",status="499"']).toBe(before + 1);
      expect(counts['method="POST",route="/v1/jobs",status="500"']).toBeUndefined();
      expect(logged.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      const info = logged.filter((l) => l.level === 'info');
      expect(info).toHaveLength(1);
      expect(info[0]!.message).toMatch(/client closed the request/);
      expect(info[0]!.fields).toMatchObject({ method: 'POST', path: '/v1/jobs', status: 499 });
      expect(JSON.stringify(info[0]!.fields)).not.toMatch(/\n\s+at /);
    },
  );
});

it('still counts and logs a real server error as 500', async () => {
  logged.length = 0;
  const spy = vi.spyOn(f.jobs, 'list').mockRejectedValueOnce(new Error('boom'));
  const res = await f.call('GET', '/v1/jobs', { token });
  spy.mockRestore();
  expect(res.status).toBe(500);
  expect(logged.map((l) => [l.level, l.message])).toEqual([['error', 'unhandled error']]);
});
