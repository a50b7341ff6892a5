// Per-token rate limits: 429 with Retry-After once a token's bucket is empty, refilled with
// time, and no effect on other tokens or tenants. The signed hook intake's limits are in
// hook-intake-limits.test.ts.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../shared/api/rate-limit.js';
import { createFixture } from './fixture.js';

describe('createRateLimiter', () => {
  it('allows the burst, then refuses with the seconds until the next request', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3, clock: { now: () => now } });
    for (let i = 0; i < 3; i++) limiter.take('a');
    expect(() => limiter.take('a')).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } }),
    );
    limiter.take('b');
    now += 500;
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow();
  });

  it('drops the least recently used buckets beyond maxKeys', () => {
    const limiter = createRateLimiter({
      perSecond: 1,
      burst: 1,
      clock: { now: () => 0 },
      maxKeys: 2,
    });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // 'a' was dropped, so it starts with a full bucket again.
    expect(() => limiter.take('a')).not.toThrow();
  });
});

describe('the API', () => {
  it("answers 429 with Retry-After to a noisy token and leaves other tenants' tokens alone", async () => {
    const f = await createFixture({ rateLimit: { perSecond: 1, burst: 5 } });
    const noisy = (await f.mint('acme')).token;
    const sameTenant = (await f.mint('acme')).token;
    const other = (await f.mint('globex')).token;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await f.call('GET', '/v1/jobs', { token: noisy })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await f.call('GET', '/v1/jobs', { token: noisy });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.error as { code: string; retryable: boolean }).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect((await f.call('GET', '/v1/jobs', { token: other })).status).toBe(200);
    expect((await f.call('GET', '/v1/jobs', { token: sameTenant })).status).toBe(200);
    f.clock.advance(1000);
    expect((await f.call('GET', '/v1/jobs', { token: noisy })).status).toBe(200);
  });
});
