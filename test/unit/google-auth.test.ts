/**
 * Service-account access tokens (shared/queue/google-auth.ts) against a FAKE token endpoint: a
 * node:http server on 127.0.0.1 standing in for https://oauth2.googleapis.com/token, which cannot
 * be reached from here. Checks the signed assertion's claims, caching and error mapping.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenSource, PUBSUB_SCOPE } from '../../shared/queue/google-auth.js';
import { createFakeClock } from '../contract/queue.contract.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const clientEmail = 'drainer@switchyard-test.iam.gserviceaccount.com';

interface Exchange {
  contentType: string | undefined;
  form: URLSearchParams;
}

describe('google-auth: service-account tokens (fake token endpoint)', () => {
  let server: Server;
  let tokenUrl = '';
  const exchanges: Exchange[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        exchanges.push({
          contentType: req.headers['content-type'],
          form: new URLSearchParams(text),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    tokenUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const source = (clock = createFakeClock()) =>
    createAccessTokenSource({ credentials: { clientEmail, privateKeyPem }, tokenUrl, clock });

  it('exchanges an RS256 assertion with the right claims for an access token', async () => {
    exchanges.length = 0;
    answer = {
      status: 200,
      body: { access_token: 'tok-1', expires_in: 3600, token_type: 'Bearer' },
    };
    const clock = createFakeClock();
    expect(await source(clock).getToken()).toBe('tok-1');
    expect(exchanges).toHaveLength(1);
    const { contentType, form } = exchanges[0]!;
    expect(contentType).toBe('application/x-www-form-urlencoded');
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = form.get('assertion')!;
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await jwtVerify(assertion, await importSPKI(publicKeyPem, 'RS256'), {
      issuer: clientEmail,
      audience: tokenUrl,
      currentDate: new Date(clock.now()),
    });
    const now = Math.floor(clock.now() / 1000);
    expect(payload).toMatchObject({ scope: PUBSUB_SCOPE, iat: now, exp: now + 3600 });
  });

  it('caches the token until shortly before expiry, and shares one exchange between callers', async () => {
    exchanges.length = 0;
    answer = { status: 200, body: { access_token: 'tok-2', expires_in: 3600 } };
    const clock = createFakeClock();
    const tokens = source(clock);
    expect(await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()])).toEqual([
      'tok-2',
      'tok-2',
      'tok-2',
    ]);
    clock.advance(54 * 60_000);
    expect(await tokens.getToken()).toBe('tok-2');
    expect(exchanges).toHaveLength(1);
    answer = { status: 200, body: { access_token: 'tok-3', expires_in: 3600 } };
    clock.advance(2 * 60_000); // 56 min: inside the 5-minute refresh margin
    expect(await tokens.getToken()).toBe('tok-3');
    expect(exchanges).toHaveLength(2);
  });

  it('maps refusals to INVALID_CONFIG and outages to a retryable UNAVAILABLE, without echoing the body', async () => {
    answer = { status: 400, body: { error: 'invalid_grant', error_description: 'secret detail' } };
    const refused = source().getToken();
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_CONFIG', retryable: false });
    await expect(refused).rejects.not.toThrow(/secret detail/);
    answer = { status: 503, body: {} };
    await expect(source().getToken()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
  });

  it('refuses a key that is not PKCS#8 PEM', async () => {
    const tokens = createAccessTokenSource({
      credentials: { clientEmail, privateKeyPem: 'not a key' },
      tokenUrl,
    });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});
