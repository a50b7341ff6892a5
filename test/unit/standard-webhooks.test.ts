import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import {
  generateWebhookSecret,
  isValidWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
} from '../../shared/webhooks/standard-webhooks.js';

// The example from the Standard Webhooks specification.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TS = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const BODY = JSON.stringify({ type: 'job.running', data: { id: 'j1', note: 'ünïcödé ✓' } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function signed(secret: string, id = 'msg_1', ts = nowSeconds(), body = BODY) {
  return { headers: await webhookHeaders(secret, id, ts, body), ts };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('signWebhook', () => {
  it('matches the specification example', async () => {
    expect(await signWebhook(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it('agrees with the reference signer, with and without the whsec_ prefix', async () => {
    const secret = generateWebhookSecret();
    const ref = new Webhook(secret).sign('msg_x', new Date(SPEC_TS * 1000), BODY);
    expect(await signWebhook(secret, 'msg_x', SPEC_TS, BODY)).toBe(ref);
    expect(await signWebhook(secret.slice('whsec_'.length), 'msg_x', SPEC_TS, BODY)).toBe(ref);
  });

  it('gives headers the reference Webhook.verify accepts', async () => {
    const secret = generateWebhookSecret();
    const { headers } = await signed(secret);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('msg_1');
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('refuses a malformed secret with INVALID_CONFIG', async () => {
    const e = await rejection(signWebhook('whsec_not base64!', 'm', SPEC_TS, BODY));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain('whsec_');
  });
});

describe('verifyWebhook', () => {
  it('accepts what the reference signs, as string, bytes, Headers or any-case record', async () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const signature = new Webhook(secret).sign('msg_ref', new Date(ts * 1000), BODY);
    const record = { 'Webhook-Id': 'msg_ref', 'WEBHOOK-TIMESTAMP': String(ts) };
    const variants = [
      { headers: { ...record, 'webhook-signature': signature }, rawBody: BODY },
      {
        headers: new Headers({ ...record, 'webhook-signature': signature }),
        rawBody: new TextEncoder().encode(BODY),
      },
    ];
    for (const v of variants) {
      await expect(verifyWebhook({ secrets: [secret], nowSeconds: ts, ...v })).resolves.toEqual({
        id: 'msg_ref',
        timestamp: ts,
      });
    }
  });

  it('accepts the specification example', async () => {
    const headers = {
      'webhook-id': SPEC_ID,
      'webhook-timestamp': String(SPEC_TS),
      'webhook-signature': SPEC_SIGNATURE,
    };
    await expect(
      verifyWebhook({ secrets: [SPEC_SECRET], headers, rawBody: SPEC_BODY, nowSeconds: SPEC_TS }),
    ).resolves.toEqual({ id: SPEC_ID, timestamp: SPEC_TS });
  });

  const tolerance: { name: string; skew: number; tolerance?: number; want: RegExp | 'ok' }[] = [
    { name: 'on time', skew: 0, want: 'ok' },
    { name: '300 s old', skew: -300, want: 'ok' },
    { name: '301 s old', skew: -301, want: /301s old; at most 300s/ },
    { name: '300 s ahead', skew: 300, want: 'ok' },
    { name: '301 s ahead', skew: 301, want: /301s in the future/ },
    { name: '61 s old, tolerance 60', skew: -61, tolerance: 60, want: /61s old/ },
    { name: '61 s ahead, tolerance 60', skew: 61, tolerance: 60, want: /in the future/ },
  ];
  it.each(tolerance)('timestamp $name', async ({ skew, tolerance: tol, want }) => {
    const secret = generateWebhookSecret();
    const now = 1_700_000_000;
    const { headers } = await signed(secret, 'msg_t', now + skew);
    const p = verifyWebhook({
      secrets: [secret],
      headers,
      rawBody: BODY,
      nowSeconds: now,
      toleranceSeconds: tol,
    });
    if (want === 'ok') await expect(p).resolves.toEqual({ id: 'msg_t', timestamp: now + skew });
    else {
      const e = await rejection(p);
      expect(e.code).toBe('UNAUTHENTICATED');
      expect(e.message).toMatch(want);
    }
  });

  it('accepts any one of several secrets (rotation) and any one v1 signature in the list', async () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret(24);
    const other = generateWebhookSecret();
    const ts = nowSeconds();
    const sigOld = await signWebhook(oldSecret, 'm', ts, BODY);
    const sigOther = await signWebhook(other, 'm', ts, BODY);
    const cases = [
      { secrets: [newSecret, oldSecret], signature: sigOld },
      { secrets: [oldSecret], signature: `${sigOther} ${sigOld}` },
      { secrets: [oldSecret], signature: `v1a,c29tZXRoaW5nIGVsc2U= v2,abc ${sigOld}` },
      { secrets: [oldSecret], signature: `v1,!!notbase64 v1 ${sigOld}` },
    ];
    for (const { secrets, signature } of cases) {
      const headers = {
        'webhook-id': 'm',
        'webhook-timestamp': String(ts),
        'webhook-signature': signature,
      };
      await expect(
        verifyWebhook({ secrets, headers, rawBody: BODY, nowSeconds: ts }),
      ).resolves.toEqual({ id: 'm', timestamp: ts });
    }
  });

  it('rejects a wrong secret, a tampered body, id or timestamp', async () => {
    const secret = generateWebhookSecret();
    const { headers, ts } = await signed(secret);
    const cases = [
      { secrets: [generateWebhookSecret()], headers, rawBody: BODY },
      { secrets: [secret], headers, rawBody: BODY.replace('j1', 'j2') },
      { secrets: [secret], headers, rawBody: BODY + ' ' },
      { secrets: [secret], headers: { ...headers, 'webhook-id': 'msg_2' }, rawBody: BODY },
      {
        secrets: [secret],
        headers: { ...headers, 'webhook-timestamp': String(ts + 1) },
        rawBody: BODY,
      },
    ];
    for (const c of cases) {
      const e = await rejection(verifyWebhook({ ...c, nowSeconds: ts }));
      expect(e.code).toBe('UNAUTHENTICATED');
      expect(e.message).toMatch(/no webhook signature matches/);
    }
  });

  it('rejects malformed headers, saying what is wrong', async () => {
    const secret = generateWebhookSecret();
    const { headers, ts } = await signed(secret);
    const sig = headers['webhook-signature']!;
    const without = (name: string) =>
      Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    const cases: { headers: Record<string, string>; want: RegExp }[] = [
      { headers: without('webhook-id'), want: /missing header\(s\): webhook-id$/ },
      { headers: without('webhook-timestamp'), want: /missing header\(s\): webhook-timestamp$/ },
      { headers: without('webhook-signature'), want: /missing header\(s\): webhook-signature$/ },
      { headers: {}, want: /webhook-id, webhook-timestamp, webhook-signature/ },
      { headers: { ...headers, 'webhook-timestamp': 'soon' }, want: /whole seconds/ },
      { headers: { ...headers, 'webhook-timestamp': `${ts}.5` }, want: /whole seconds/ },
      { headers: { ...headers, 'webhook-timestamp': `-${ts}` }, want: /whole seconds/ },
      { headers: { ...headers, 'webhook-signature': sig.slice(3) }, want: /no well-formed/ },
      {
        headers: { ...headers, 'webhook-signature': `v2,${sig.slice(3)}` },
        want: /no well-formed/,
      },
      { headers: { ...headers, 'webhook-signature': 'v1,' }, want: /no well-formed/ },
      { headers: { ...headers, 'webhook-signature': 'v1,AAAA' }, want: /no well-formed/ },
      { headers: { ...headers, 'webhook-signature': 'v1,***' }, want: /no well-formed/ },
    ];
    for (const c of cases) {
      const e = await rejection(
        verifyWebhook({ secrets: [secret], headers: c.headers, rawBody: BODY, nowSeconds: ts }),
      );
      expect(e.code).toBe('UNAUTHENTICATED');
      expect(e.message).toMatch(c.want);
    }
  });

  it('refuses bad configuration and oversized bodies before any HMAC work', async () => {
    const secret = generateWebhookSecret();
    const { headers, ts } = await signed(secret);
    const base = { headers, rawBody: BODY, nowSeconds: ts };
    expect((await rejection(verifyWebhook({ ...base, secrets: [] }))).code).toBe('INVALID_CONFIG');
    expect((await rejection(verifyWebhook({ ...base, secrets: ['whsec_short'] }))).code).toBe(
      'INVALID_CONFIG',
    );
    const big = await rejection(verifyWebhook({ ...base, secrets: [secret], maxBodyBytes: 10 }));
    expect(big.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('webhook secrets', () => {
  const cases: { s: string; want: boolean }[] = [
    { s: SPEC_SECRET, want: true },
    { s: SPEC_SECRET.slice('whsec_'.length), want: true },
    { s: 'whsec_' + btoa('x'.repeat(64)), want: true },
    { s: 'whsec_' + btoa('x'.repeat(23)), want: false },
    { s: 'whsec_' + btoa('x'.repeat(65)), want: false },
    { s: 'whsec_', want: false },
    { s: '', want: false },
    { s: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', want: false },
    { s: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-', want: false },
    { s: 'whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw', want: false },
    { s: 'whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', want: false },
  ];
  it.each(cases)('isValidWebhookSecret($s) is $want', ({ s, want }) => {
    expect(isValidWebhookSecret(s)).toBe(want);
  });

  it('generates distinct valid secrets of 24 to 32 bytes the reference accepts', () => {
    const seen = new Set<string>();
    for (const n of [24, 32, undefined]) {
      const s = generateWebhookSecret(n);
      expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(isValidWebhookSecret(s)).toBe(true);
      expect(atob(s.slice(6)).length).toBe(n ?? 32);
      expect(() => new Webhook(s)).not.toThrow();
      seen.add(s);
    }
    expect(seen.size).toBe(3);
    expect(() => generateWebhookSecret(16)).toThrow(AppError);
    expect(() => generateWebhookSecret(33)).toThrow(AppError);
  });
});
