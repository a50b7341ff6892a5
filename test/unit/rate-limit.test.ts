import { describe, expect, it } from 'vitest';
import { createRateLimiter, withRateLimit } from '../../shared/targets/kubernetes/rate-limit.js';

/** A clock that only moves when someone sleeps on it; records every sleep. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    elapsed: () => now - start,
  };
}

describe('createRateLimiter', () => {
  it('spare acquisitions take only the upper half of the burst and never delay others', async () => {
    const t = fakeTime();
    const limiter = createRateLimiter({ qps: 2, burst: 4, clock: t.clock, sleep: t.sleep });
    await limiter.acquireSpare();
    await limiter.acquireSpare(); // 4 → 2 tokens: the reserve half is left
    expect(t.sleeps).toEqual([]);
    await limiter.acquireSpare(); // waits until a token above the reserve is back: 0.5 s
    expect(t.elapsed()).toBe(500);
    await limiter.acquire();
    await limiter.acquire(); // ordinary requests use the reserve at once
    expect(t.elapsed()).toBe(500);
    expect(limiter.waitedMs()).toBe(0);
    t.sleeps.length = 0;
    await limiter.acquireSpare(); // bucket at 0: back above the reserve (3 tokens) takes 1.5 s
    expect(t.sleeps).toEqual([1500]);
    limiter.pause(2000);
    const before = t.elapsed();
    await limiter.acquireSpare();
    expect(t.elapsed() - before).toBeGreaterThanOrEqual(2000);
  });

  it('lets a burst through at once, then paces at qps', async () => {
    const t = fakeTime();
    const limiter = createRateLimiter({ qps: 10, burst: 5, clock: t.clock, sleep: t.sleep });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(t.sleeps).toEqual([]);
    await limiter.acquire();
    await limiter.acquire();
    expect(t.sleeps).toEqual([100, 100]);
  });

  const cases: {
    name: string;
    qps?: number;
    burst?: number;
    requests: number;
    wantElapsedMs: number;
  }[] = [
    { name: 'defaults: 40 free, then 20/s', requests: 60, wantElapsedMs: 1000 },
    { name: 'qps 5 burst 1', qps: 5, burst: 1, requests: 6, wantElapsedMs: 1000 },
    { name: 'within the burst', qps: 1, burst: 10, requests: 10, wantElapsedMs: 0 },
  ];
  for (const tc of cases) {
    it(`sequential requests: ${tc.name}`, async () => {
      const t = fakeTime();
      const limiter = createRateLimiter({
        qps: tc.qps,
        burst: tc.burst,
        clock: t.clock,
        sleep: t.sleep,
      });
      for (let i = 0; i < tc.requests; i++) await limiter.acquire();
      expect(t.elapsed()).toBe(tc.wantElapsedMs);
    });
  }

  it('hands out reservations to concurrent callers in arrival order', async () => {
    const t = { now: 0 };
    const waits: number[] = [];
    const limiter = createRateLimiter({
      qps: 2,
      burst: 1,
      clock: { now: () => t.now },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waits).toEqual([500, 1000]);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const t = fakeTime();
    const limiter = createRateLimiter({ qps: 10, burst: 2, clock: t.clock, sleep: t.sleep });
    await limiter.acquire();
    await limiter.acquire();
    t.advance(60_000);
    expect(limiter.delayMs()).toBe(0);
    await limiter.acquire();
    await limiter.acquire();
    await limiter.acquire();
    expect(t.sleeps).toEqual([100]);
  });

  it('pause holds every acquisition until it ends', async () => {
    const t = fakeTime();
    const limiter = createRateLimiter({ qps: 100, burst: 10, clock: t.clock, sleep: t.sleep });
    limiter.pause(2000);
    expect(limiter.delayMs()).toBe(2000);
    await limiter.acquire();
    expect(t.elapsed()).toBe(2000);
    await limiter.acquire();
    expect(t.elapsed()).toBe(2000);
  });

  it('rejects nonsense settings', () => {
    expect(() => createRateLimiter({ qps: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ burst: 0 })).toThrow(RangeError);
  });
});

describe('withRateLimit', () => {
  class Throttled extends Error {
    constructor(readonly retryAfterMs: number) {
      super('429');
    }
  }
  const retryAfter = (e: unknown) => (e instanceof Throttled ? e.retryAfterMs : null);

  const cases: {
    name: string;
    failures: number;
    retryAfterMs: number;
    maxTries?: number;
    wantResult: 'ok' | 'throws';
    wantCalls: number;
    wantElapsedMs: number;
  }[] = [
    {
      name: 'success first time',
      failures: 0,
      retryAfterMs: 0,
      wantResult: 'ok',
      wantCalls: 1,
      wantElapsedMs: 0,
    },
    {
      name: 'one 429 then success',
      failures: 1,
      retryAfterMs: 2000,
      wantResult: 'ok',
      wantCalls: 2,
      wantElapsedMs: 2000,
    },
    {
      name: 'two 429s then success',
      failures: 2,
      retryAfterMs: 1000,
      wantResult: 'ok',
      wantCalls: 3,
      wantElapsedMs: 2000,
    },
    {
      name: 'budget spent',
      failures: 5,
      retryAfterMs: 1000,
      wantResult: 'throws',
      wantCalls: 3,
      wantElapsedMs: 2000,
    },
    {
      name: 'no Retry-After: default 1 s',
      failures: 1,
      retryAfterMs: 0,
      wantResult: 'ok',
      wantCalls: 2,
      wantElapsedMs: 1000,
    },
    {
      name: 'advised wait too long: thrown at once',
      failures: 1,
      retryAfterMs: 60_000,
      wantResult: 'throws',
      wantCalls: 1,
      wantElapsedMs: 0,
    },
    {
      name: 'maxTries 1: no retry',
      failures: 1,
      retryAfterMs: 1000,
      maxTries: 1,
      wantResult: 'throws',
      wantCalls: 1,
      wantElapsedMs: 0,
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const t = fakeTime();
      const limiter = createRateLimiter({ clock: t.clock, sleep: t.sleep });
      let calls = 0;
      const run = withRateLimit(
        limiter,
        async () => {
          calls++;
          if (calls <= tc.failures) throw new Throttled(tc.retryAfterMs);
          return 'ok';
        },
        retryAfter,
        { maxTries: tc.maxTries },
      );
      if (tc.wantResult === 'ok') await expect(run).resolves.toBe('ok');
      else await expect(run).rejects.toBeInstanceOf(Throttled);
      expect(calls).toBe(tc.wantCalls);
      expect(t.elapsed()).toBe(tc.wantElapsedMs);
    });
  }

  it('rethrows other errors without retrying', async () => {
    const t = fakeTime();
    const limiter = createRateLimiter({ clock: t.clock, sleep: t.sleep });
    let calls = 0;
    const run = withRateLimit(
      limiter,
      async () => {
        calls++;
        throw new Error('boom');
      },
      retryAfter,
    );
    await expect(run).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});
