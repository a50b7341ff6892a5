// Push authentication of the drainer function: Google-signed OIDC tokens, here signed by a local
// key served from a local JWKS endpoint standing in for Google's. Only a token from Google's issuer,
// for this function's URL, for the push service account with a verified email passes; anything
// else is a 401 with the JSON error envelope. A cancel for a cluster the function does not serve
// is a no-op that needs no cluster or control plane, so a passing token gives a plain 200.
import { generateKeyPair, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import { createPushOidcVerifier } from '../../shared/drainer/oidc.js';
import { createPushApp } from '../../shared/drainer/push.js';
import type { ControlPlane } from '../../shared/protocol/control-port.js';
import { PUSH_SA, startFakeGoogle, type FakeGoogle } from '../support/google-oidc.js';
import { pushBody } from '../support/push-delivery.js';

const AUDIENCE = 'https://drainer-aws.example.run.app/push';
const unusedControl: ControlPlane = {
  claim: () => Promise.reject(new Error('not called')),
  report: () => Promise.reject(new Error('not called')),
  heartbeat: () => Promise.reject(new Error('not called')),
};

const noopCancel = {
  kind: 'cancel',
  jobId: 'job_1',
  clusterId: 'not-served-here',
  namespace: 'team-a',
  kubeName: 'sy-job-1',
  attempt: 1,
};

/** The push app with no clusters, verifying tokens against the signing keys at `jwksUrl`. */
function appVerifyingWith(jwksUrl: string) {
  return createPushApp({
    queueName: 'aws',
    clusters: new Map(),
    control: unusedControl,
    clock: { now: () => Date.now() },
    log: silentLogger,
    budgetMs: 5_000,
    authenticate: createPushOidcVerifier({ audience: AUDIENCE, serviceAccount: PUSH_SA, jwksUrl }),
  });
}

let google: FakeGoogle;
let app: ReturnType<typeof createPushApp>;

beforeAll(async () => {
  google = await startFakeGoogle(AUDIENCE);
  app = appVerifyingWith(google.jwksUrl);
});
afterAll(() => google.close());

async function push(authorization: string | undefined) {
  const res = await app.request('http://fn.test/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(pushBody(noopCancel)),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: Record<string, string> } & Record<string, unknown>,
  };
}

describe('POST /push authentication (Google OIDC)', () => {
  it('accepts a token Google would send for this subscription', async () => {
    const res = await push(`Bearer ${await google.sign({})}`);
    expect(res).toEqual({ status: 200, body: { outcome: 'done', kind: 'cancel' } });
  });

  const otherKey = async () => (await generateKeyPair('RS256')).privateKey;
  const cases: Array<{ name: string; token: () => Promise<string | undefined>; wantIn: RegExp }> = [
    { name: 'no Authorization header', token: async () => undefined, wantIn: /no bearer token/ },
    {
      name: 'not a bearer scheme',
      token: async () => `Basic ${btoa('a:b')}`,
      wantIn: /no bearer token/,
    },
    {
      name: 'wrong audience',
      token: async () => `Bearer ${await google.sign({ aud: 'https://elsewhere.example/push' })}`,
      wantIn: /aud/,
    },
    {
      name: 'wrong email',
      token: async () =>
        `Bearer ${await google.sign({ email: 'someone@evil.iam.gserviceaccount.com' })}`,
      wantIn: /not the push service account/,
    },
    {
      name: 'email not verified',
      token: async () => `Bearer ${await google.sign({ email_verified: false })}`,
      wantIn: /not verified/,
    },
    {
      name: 'expired',
      token: async () => `Bearer ${await google.sign({}, { expiresInSeconds: -120 })}`,
      wantIn: /exp/,
    },
    {
      name: 'another issuer',
      token: async () => `Bearer ${await google.sign({ iss: 'https://issuer.example.com' })}`,
      wantIn: /iss/,
    },
    {
      name: 'signed by a key that is not Google’s',
      token: async () => `Bearer ${await google.sign({}, { key: await otherKey() })}`,
      wantIn: /signature/,
    },
    {
      name: 'unsigned (alg none)',
      token: async () =>
        `Bearer ${new UnsecuredJWT({
          iss: 'https://accounts.google.com',
          aud: AUDIENCE,
          email: PUSH_SA,
          email_verified: true,
        })
          .setExpirationTime('1h')
          .encode()}`,
      wantIn: /refused/,
    },
    { name: 'garbage', token: async () => 'Bearer not.a.jwt', wantIn: /refused/ },
  ];

  it.each(cases)('refuses $name with 401 and the error envelope', async ({ token, wantIn }) => {
    const res = await push(await token());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect(res.body.error.message).toMatch(wantIn);
    expect(res.body.error.message).toMatch(/pushConfig\.oidcToken/);
    expect(res.body.error.requestId).toMatch(/^req_/);
  });

  it('answers 503 (Pub/Sub retries) when the signing keys cannot be fetched', async () => {
    const closed = await startFakeGoogle(AUDIENCE);
    await closed.close();
    const unreachable = appVerifyingWith(closed.jwksUrl);
    const res = await unreachable.request('http://fn.test/push', {
      method: 'POST',
      headers: { authorization: `Bearer ${await google.sign({})}` },
      body: JSON.stringify(pushBody(noopCancel)),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/cannot fetch the token signing keys/);
  });
});
