// The request body limit over real HTTP (@hono/node-server): a declared length is judged from the
// header, a chunked body is counted as it arrives; both answer 413 PAYLOAD_TOO_LARGE past the limit
// and accept a body within it.
import { serve, type ServerType } from '@hono/node-server';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

const LIMIT = 4 * 1024;
let f: Fixture;
let server: ServerType;
let port = 0;
let token = '';

beforeAll(async () => {
  f = await createFixture({ maxBodyBytes: LIMIT });
  token = (await f.mint('acme')).token;
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** POSTs `chunks` to /v1/jobs, declaring the length or sending them chunked. */
function post(
  chunks: string[],
  framing: 'declared' | 'chunked',
): Promise<{ status: number; code?: string }> {
  const body = chunks.join('');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/jobs',
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(framing === 'declared' ? { 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const parsed = JSON.parse(text) as { error?: { code: string } };
          resolve({
            status: res.statusCode!,
            ...(parsed.error ? { code: parsed.error.code } : {}),
          });
        });
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const small = JSON.stringify(jobBody());
const large = JSON.stringify(jobBody('research', { labels: { pad: 'x'.repeat(LIMIT) } }));
const inPieces = (s: string) => s.match(/[\s\S]{1,512}/g)!;

describe('request body limit over HTTP', () => {
  it('accepts a body within the limit, declared or chunked', async () => {
    expect(await post([small], 'declared')).toEqual({ status: 202 });
    expect(await post(inPieces(small), 'chunked')).toEqual({ status: 202 });
  });

  it('answers 413 for a declared length past the limit', async () => {
    expect(await post([large], 'declared')).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 413 for a chunked body once it passes the limit', async () => {
    expect(await post(inPieces(large), 'chunked')).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
  });
});
