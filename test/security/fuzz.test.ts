// Fuzzing the in-process API with fast-check: 10,000 malformed submissions, tokens and signed
// webhook payloads in total. Every answer must be a 4xx JSON error with a code (never a 5xx),
// and the app must still answer afterwards.
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFixture, jobBody, type Fixture } from './fixture.js';

const RUNS = { submissions: 3000, tokens: 3000, webhooks: 3000, routes: 1000 };
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);

let f: Fixture;
let token: string;
let hook: { id: string; secret: string };
let realToken: string;

async function expectClientError(res: Awaited<ReturnType<Fixture['call']>>, what: unknown) {
  const code = (res.body.error as { code?: unknown } | undefined)?.code;
  if (res.status < 400 || res.status > 499 || typeof code !== 'string' || !/^[A-Z_]+$/.test(code)) {
    throw new Error(
      `got ${res.status} ${res.text.slice(0, 300)} for ${JSON.stringify(what).slice(0, 300)}`,
    );
  }
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
}

beforeAll(async () => {
  f = await createFixture();
  token = (await f.mint('acme')).token;
  realToken = (await f.mint('globex', ['jobs:read'])).token;
  const res = await f.call('POST', '/v1/hooks', {
    token,
    body: {
      project: 'research',
      template: jobBody('research', { env: { REF: '{{payload.ref}}' } }),
    },
  });
  hook = { id: String(res.body.id), secret: String(res.body.secret) };
});

/** A valid submission with one part broken, and an unknown field so it can never be valid. */
const brokenSubmission = fc
  .record({
    path: fc.constantFrom(
      'name',
      'project',
      'image',
      'resources',
      'priority',
      'env',
      'labels',
      'callback',
      'command',
      'deadlineSeconds',
    ),
    value: fc.anything({ maxDepth: 3 }),
    extra: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in jobBody())),
  })
  .map(({ path, value, extra }) => ({ ...jobBody(), [path]: value, [extra]: true }));

const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  brokenSubmission.map((v) => JSON.stringify(v)),
);

describe(`fuzz (${TOTAL} cases)`, () => {
  it('malformed job submissions', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
        ),
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        fc.constantFrom('/v1/jobs', '/v1/jobs:explain', '/v1/hooks', '/v1/tokens', '/v1/schedules'),
        async (body, type, key, path) => {
          // A body that happens to be a valid submission is not malformed; it is skipped.
          if (body === JSON.stringify(jobBody())) return;
          const headers: Record<string, string> = { 'content-type': type };
          if (key !== undefined && /^[\t\x20-\x7e]*$/.test(key)) headers['idempotency-key'] = key;
          const res = await f.call('POST', path, { token, body, headers });
          await expectClientError(res, { path, body, type, key });
        },
      ),
      { numRuns: RUNS.submissions },
    );
  });

  it('malformed and tampered tokens', async () => {
    const b64 = (v: unknown) =>
      Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const tampered = fc
      .record({ at: fc.nat(), ch: fc.constantFrom(...'ABCxyz019-_.'.split('')) })
      .map(({ at, ch }) => {
        // Not the last character: its low bits are padding, so some changes decode to the same
        // signature bytes (base64 malleability) and the token is, rightly, still the same token.
        const i = at % (realToken.length - 1);
        const next = realToken.slice(0, i) + ch + realToken.slice(i + 1);
        return next === realToken ? `${realToken}x` : next;
      });
    const handMade = fc
      .tuple(
        fc.record(
          {
            alg: fc.constantFrom('none', 'HS256', 'EdDSA', 'ES256', 'RS256', 'ES384', ''),
            kid: fc.string(),
            typ: fc.string(),
            jku: fc.webUrl(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 3 }),
        fc.string({ maxLength: 90 }),
      )
      .map(([h, p, s]) => `${b64(h)}.${b64(p)}.${b64(s)}`);
    const token = fc.oneof(
      fc.string({ maxLength: 400 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
      tampered,
      handMade,
    );
    await fc.assert(
      fc.asyncProperty(
        token,
        fc.constantFrom('GET /v1/jobs', 'POST /v1/jobs', 'GET /v1/tokens', 'DELETE /v1/tokens/x'),
        async (t, route) => {
          const [method, path] = route.split(' ') as [string, string];
          const res = await f.call(method, path, {
            token: t,
            ...(method === 'POST' ? { body: jobBody() } : {}),
          });
          await expectClientError(res, { t, route });
          expect(res.status).toBe(401);
        },
      ),
      { numRuns: RUNS.tokens },
    );
  });

  it('malformed and forged webhook payloads', async () => {
    const wh = new Webhook(hook.secret);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        ),
        fc.record(
          {
            id: fc.string({ maxLength: 60 }),
            timestamp: fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String)),
            signature: fc.string({ maxLength: 120 }),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        fc.constantFrom(hook.id, 'hk_unknown', '%2e%2e', 'x'.repeat(300)),
        async (body, h, signCorrectly, hookId) => {
          let headers: Record<string, string> = {};
          let payload = body;
          if (signCorrectly) {
            // Signed for real, but never carrying what the template needs (payload.ref).
            const parsed = safeParse(body);
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
              delete (parsed as Record<string, unknown>).ref;
              payload = JSON.stringify(parsed);
            }
            const id = `fz_${(h.id ?? 'x').replace(/[^\x21-\x7e]/g, '')}`;
            const at = new Date(f.clock.now());
            headers = {
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': wh.sign(id, at, payload),
            };
          } else {
            for (const [k, v] of Object.entries({
              'webhook-id': h.id,
              'webhook-timestamp': h.timestamp,
              'webhook-signature': h.signature,
            })) {
              if (v !== undefined && /^[\t\x20-\x7e]*$/.test(v)) headers[k] = v;
            }
          }
          const res = await f.call('POST', `/v1/hooks/${hookId}`, {
            body: payload,
            headers: { 'content-type': 'application/json', ...headers },
          });
          await expectClientError(res, { hookId, payload, headers });
        },
      ),
      { numRuns: RUNS.webhooks },
    );
  });

  it('odd methods, paths and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        fc.constantFrom(
          '/v1/jobs/',
          '/v1/tokens/',
          '/v1/hooks/',
          '/v1/schedules/',
          '/v1/signing-keys/',
          '/v1/nothing/',
        ),
        fc.string({ maxLength: 40 }).map(encodeURIComponent),
        fc
          .string({ maxLength: 40 })
          .map((q) => `?limit=${encodeURIComponent(q)}&state=${encodeURIComponent(q)}`),
        async (method, prefix, id, query) => {
          const path = `${prefix}${id}/zz${query}`;
          const res = await f.call(method, path, {
            token,
            ...(method === 'GET' ? {} : { body: '{"fuzz":1}' }),
          });
          await expectClientError(res, { method, path });
        },
      ),
      { numRuns: RUNS.routes },
    );
  });

  it('leaves the app answering', async () => {
    expect((await f.call('GET', '/healthz')).status).toBe(200);
    expect((await f.call('GET', '/v1/jobs', { token })).status).toBe(200);
  });
});

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
