// The drainer function's two runtimes, with real parts: the AWS Lambda function-URL handler
// (functions/drainer-fn/lambda.ts, Hono's aws-lambda adapter) fed real function-URL events
// (API Gateway payload format 2.0) carrying a Google-style OIDC token, creating a Job on a
// simulated cluster through the control plane over loopback HTTP; and the Node server
// (`npm run drainer:fn`): auth off is accepted on a loopback listener only, and says so.
import { serve, type ServerType } from '@hono/node-server';
import { spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../infra/sim-cluster/index.js';
import { ADMIN, createFixture, jobBody, type Fixture } from '../security/fixture.js';
import { startTestSim, waitFor } from '../sim-cluster/helpers.js';
import { PUSH_SA, startFakeGoogle, type FakeGoogle } from '../support/google-oidc.js';
import { pushBody } from '../support/push-delivery.js';
import { TSX_LOADER } from '../support/server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FN_HOST = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
const AUDIENCE = `https://${FN_HOST}/push`;

let f: Fixture;
let token: string;
let api: ServerType;
let baseUrl: string;
let sim: SimCluster;
let google: FakeGoogle;

beforeAll(async () => {
  f = await createFixture();
  token = (await f.mint(ADMIN)).token;
  api = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => api.once('listening', () => r()));
  baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  sim = await startTestSim({ id: 'sim-one', defaultDurationSeconds: 30 });
  google = await startFakeGoogle(AUDIENCE);
});

afterAll(async () => {
  await sim?.close();
  await google?.close();
  await new Promise((r) => api?.close(r));
});

const baseEnv = () => ({
  SWITCHYARD_URL: baseUrl,
  SWITCHYARD_TOKEN: token,
  DRAINER_QUEUE: 'aws',
  DRAINER_CLUSTERS: `sim-one=server:${sim.url}`,
  // The follow-up check after a create is tested in push-reconcile.test.ts; off here.
  DRAINER_FN_FOLLOW_UP_MS: '0',
});

/** A Lambda function-URL invocation event (payload format 2.0) as AWS delivers a POST. */
function functionUrlEvent(
  body: string,
  headers: Record<string, string>,
  base64 = false,
  path = '/push',
) {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      host: FN_HOST,
      'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
      'x-amzn-trace-id': 'Root=1-65f0c0de-0123456789abcdef01234567',
      'x-forwarded-for': '66.102.6.180',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: FN_HOST,
      domainPrefix: 'abcdefghijklmnop',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '66.102.6.180',
        userAgent: 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
      },
      requestId: 'c0ffee00-1111-2222-3333-444455556666',
      routeKey: '$default',
      stage: '$default',
      time: '29/Nov/2026:11:40:00 +0000',
      timeEpoch: now.getTime(),
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

describe('the Lambda function-URL handler', () => {
  type Result = { statusCode: number; body: string };
  let handler: (event: unknown, context?: unknown) => Promise<Result>;

  beforeAll(async () => {
    Object.assign(process.env, baseEnv(), {
      DRAINER_FN_AUDIENCE: AUDIENCE,
      DRAINER_FN_PUSH_SERVICE_ACCOUNT: PUSH_SA,
      DRAINER_FN_JWKS_URL: google.jwksUrl,
    });
    handler = (await import('../../functions/drainer-fn/lambda.js')).handler as typeof handler;
  });

  it('creates the Job for a pushed create message, and adopts on a base64-bodied redelivery', async () => {
    const res = await f.call('POST', '/v1/jobs', { token, body: jobBody('research') });
    const [delivery] = await f.ctx.queue.pull('aws', { max: 1, visibilityMs: 60_000 });
    const msg = delivery!.body as { jobId: string; placement: Record<string, string> };
    expect(msg.jobId).toBe(res.body.id);
    const kube = `${msg.placement.namespace}/${msg.placement.kubeName}`;
    const auth = { authorization: `Bearer ${await google.sign({})}` };
    const body = JSON.stringify(pushBody(msg, 'lambda-1'));

    const first = await handler(functionUrlEvent(body, auth), {});
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ outcome: 'done', kind: 'create' });
    expect(sim.stats().creates[kube]).toBe(1);
    const again = await handler(functionUrlEvent(body, auth, true), {});
    expect(again.statusCode).toBe(200);
    expect(sim.stats().creates[kube]).toBe(1);
    const view = await f.call('GET', `/v1/jobs/${msg.jobId}`, { token });
    expect(view.body.state).toBe('submitted');
  });

  it('answers 401 with the error envelope to an event without a token or with a bad one', async () => {
    const body = JSON.stringify(pushBody({ kind: 'cancel' }));
    const badAud = `Bearer ${await google.sign({ aud: 'x' })}`;
    for (const headers of [{}, { authorization: badAud }] as Array<Record<string, string>>) {
      const res = await handler(functionUrlEvent(body, headers), {});
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('runs /reconcile as Cloud Scheduler calls it (OIDC token, "{}" body), and 401 without one', async () => {
    const auth = { authorization: `Bearer ${await google.sign({})}` };
    const res = await handler(functionUrlEvent('{}', auth, false, '/reconcile'), {});
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({ complete: true, clustersHeartbeated: 1 });
    expect(body.jobsSeen).toBeGreaterThanOrEqual(1); // the Job the first case created
    expect(body.reported).toBe(body.jobsSeen);
    const refused = await handler(functionUrlEvent('{}', {}, false, '/reconcile'), {});
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('the Node server (npm run drainer:fn)', () => {
  const main = join(ROOT, 'functions/drainer-fn/main.ts');

  it('refuses DRAINER_FN_AUTH=none on a non-loopback listener with one line', () => {
    const r = spawnSync(process.execPath, [...TSX_LOADER, main], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv(), DRAINER_FN_AUTH: 'none', DRAINER_FN_HOST: '0.0.0.0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'drainer function could not start: DRAINER_FN_AUTH=none is refused on 0.0.0.0: bind DRAINER_FN_HOST=127.0.0.1 (emulator only) or use oidc',
    ]);
  });

  it('accepts DRAINER_FN_AUTH=none on 127.0.0.1, says so at start, and serves /push', async () => {
    const child = spawn(process.execPath, [...TSX_LOADER, main], {
      cwd: ROOT,
      env: { ...process.env, ...baseEnv(), DRAINER_FN_AUTH: 'none', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await waitFor(
        'the listening line',
        () => /drainer function listening url=(\S+)/.exec(out)?.[1],
        20_000,
      );
      expect(out).toMatch(/push authentication is OFF \(DRAINER_FN_AUTH=none\)/);
      const cancel = {
        kind: 'cancel',
        jobId: 'j',
        clusterId: 'elsewhere',
        namespace: 'n',
        kubeName: 'k',
        attempt: 1,
      };
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pushBody(cancel)),
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
