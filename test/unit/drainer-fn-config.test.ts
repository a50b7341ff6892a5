// The drainer function's configuration: push authentication may be off only behind a loopback
// listener (never on Lambda), OIDC needs its audience and service account, and each refusal says
// which variable to set.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseDrainerFnEnv } from '../../functions/drainer-fn/config.js';

const base = {
  SWITCHYARD_URL: 'http://127.0.0.1:8787',
  SWITCHYARD_TOKEN: 'x'.repeat(40),
  DRAINER_QUEUE: 'aws',
  DRAINER_CLUSTERS: 'aws-us-east-1=server:http://127.0.0.1:8788',
};
const oidc = {
  DRAINER_FN_AUDIENCE: 'https://fn.example.com/push',
  DRAINER_FN_PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com',
};

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['127.example.com', false],
    ['fn.example.com', false],
  ])('%s → %s', (host, want) => expect(isLoopbackHost(host)).toBe(want));
});

describe('parseDrainerFnEnv', () => {
  it('accepts auth none on the default loopback listener', () => {
    const env = parseDrainerFnEnv({ ...base, DRAINER_FN_AUTH: 'none' }, 'node');
    expect(env).toMatchObject({ DRAINER_FN_AUTH: 'none', DRAINER_FN_HOST: '127.0.0.1' });
  });

  it('defaults to OIDC against Google with an 8 s budget', () => {
    const env = parseDrainerFnEnv({ ...base, ...oidc }, 'lambda');
    expect(env.DRAINER_FN_AUTH).toBe('oidc');
    expect(env.DRAINER_FN_JWKS_URL).toBe('https://www.googleapis.com/oauth2/v3/certs');
    expect(env.DRAINER_FN_BUDGET_MS).toBe(8000);
  });

  it('defaults to a 1 s follow-up check and 200-Job reconcile pages within 60 s', () => {
    const env = parseDrainerFnEnv({ ...base, ...oidc }, 'node');
    expect(env).toMatchObject({
      DRAINER_FN_FOLLOW_UP_MS: 1000,
      DRAINER_FN_RECONCILE_PAGE_SIZE: 200,
      DRAINER_FN_RECONCILE_BUDGET_MS: 60_000,
    });
    const off = parseDrainerFnEnv({ ...base, ...oidc, DRAINER_FN_FOLLOW_UP_MS: '0' }, 'node');
    expect(off.DRAINER_FN_FOLLOW_UP_MS).toBe(0);
  });

  it.each([
    {
      name: 'auth none on 0.0.0.0',
      env: { ...base, DRAINER_FN_AUTH: 'none', DRAINER_FN_HOST: '0.0.0.0' },
      runtime: 'node' as const,
      want: /DRAINER_FN_AUTH=none is refused on 0\.0\.0\.0: bind DRAINER_FN_HOST=127\.0\.0\.1/,
    },
    {
      name: 'auth none on Lambda',
      env: { ...base, DRAINER_FN_AUTH: 'none' },
      runtime: 'lambda' as const,
      want: /refused on Lambda/,
    },
    {
      name: 'oidc without audience',
      env: { ...base, DRAINER_FN_PUSH_SERVICE_ACCOUNT: oidc.DRAINER_FN_PUSH_SERVICE_ACCOUNT },
      runtime: 'node' as const,
      want: /needs DRAINER_FN_AUDIENCE/,
    },
    {
      name: 'no control-plane token',
      env: { ...base, ...oidc, SWITCHYARD_TOKEN: undefined },
      runtime: 'node' as const,
      want: /SWITCHYARD_TOKEN or SWITCHYARD_TOKEN_FILE/,
    },
    {
      name: 'a budget past the ack deadline',
      env: { ...base, ...oidc, DRAINER_FN_BUDGET_MS: '900000' },
      runtime: 'node' as const,
      want: /DRAINER_FN_BUDGET_MS: .*ack deadline/,
    },
    {
      name: 'a negative follow-up delay',
      env: { ...base, ...oidc, DRAINER_FN_FOLLOW_UP_MS: '-5' },
      runtime: 'node' as const,
      want: /DRAINER_FN_FOLLOW_UP_MS: .*0 turns the follow-up check off/,
    },
    {
      name: 'a reconcile page size of 0',
      env: { ...base, ...oidc, DRAINER_FN_RECONCILE_PAGE_SIZE: '0' },
      runtime: 'node' as const,
      want: /DRAINER_FN_RECONCILE_PAGE_SIZE/,
    },
  ])('refuses $name with INVALID_CONFIG naming the fix', ({ env, runtime, want }) => {
    expect(() => parseDrainerFnEnv(env, runtime)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(want) }),
    );
  });
});
