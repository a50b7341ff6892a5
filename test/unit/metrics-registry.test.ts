// The edge-safe metrics registry: histogram buckets are cumulative with `+Inf` equal to the count,
// label values are escaped as the text format says, counters add per label set.
import { describe, expect, it } from 'vitest';
import { createRegistry, escapeLabel, LATENCY_BUCKETS } from '../../shared/metrics/registry.js';
import { recordWebhookEvent } from '../../shared/metrics/webhooks.js';
import { createDrainerStats } from '../../shared/drainer/stats.js';
import { capacitySchema } from '../../shared/protocol/schemas.js';
import { ClusterError } from '../../shared/targets/kubernetes/port.js';

const lines = (text: string, prefix: string) =>
  text.split('\n').filter((l) => l.startsWith(prefix));

describe('the metrics registry', () => {
  it('renders a histogram with cumulative buckets, sum and count', () => {
    const m = createRegistry();
    for (const v of [0.0005, 0.003, 0.003, 2, 60]) m.observe('x_seconds', 'help', v, { k: 'a' });
    const text = m.render();
    expect(text).toContain('# TYPE x_seconds histogram');
    const buckets = lines(text, 'x_seconds_bucket').map((l) => Number(l.split(' ')[1]));
    expect(buckets).toHaveLength(LATENCY_BUCKETS.length + 1);
    expect(buckets[0]).toBe(1); // le=0.001
    expect(buckets[LATENCY_BUCKETS.indexOf(0.005)]).toBe(3);
    expect(buckets[LATENCY_BUCKETS.indexOf(2.5)]).toBe(4);
    expect(buckets.at(-1)).toBe(5);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1]!);
    expect(text).toContain('x_seconds_bucket{k="a",le="+Inf"} 5');
    expect(text).toContain('x_seconds_count{k="a"} 5');
    expect(lines(text, 'x_seconds_sum{k="a"}')[0]).toMatch(/ 62\.006/);
  });

  it('escapes backslash, quote and newline in label values', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const m = createRegistry();
    m.inc('c_total', 'help', { route: 'x"y' });
    m.inc('c_total', 'help', { route: 'x"y' }, 2);
    expect(m.render()).toContain('c_total{route="x\\"y"} 3');
  });

  it('counts webhook outcomes from the delivery worker events', () => {
    const m = createRegistry();
    recordWebhookEvent(m, { event: 'webhook.failed', attempts: 1 });
    recordWebhookEvent(m, { event: 'webhook.delivered', attempts: 2, latencyMs: 1500 });
    recordWebhookEvent(m, { event: 'webhook.dead', error: 'callback gone' });
    recordWebhookEvent(m, { event: 'webhook.lease_lost' });
    const text = m.render();
    expect(text).toContain('switchyard_webhook_attempts_total{outcome="failed"} 1');
    expect(text).toContain('switchyard_webhook_attempts_total{outcome="delivered"} 1');
    expect(text).not.toContain('outcome="dead"');
    expect(text).toContain('switchyard_webhook_failures_total{final="true"} 1');
    expect(text).toContain('switchyard_webhook_dead_letters_total 1');
    expect(text).toContain('switchyard_webhook_delivery_seconds_sum 1.5');
  });
});

describe('drainer stats', () => {
  it('counts creates per cluster by outcome and fit the heartbeat schema', () => {
    const stats = createDrainerStats({ now: () => Date.parse('2030-01-01T00:00:00Z') });
    stats.create('a');
    stats.create('a', new ClusterError('unreachable', 'connection refused'));
    stats.create('a', new ClusterError('unreachable', 'connection refused'));
    stats.create('a', new Error('odd'));
    stats.create('b');
    const a = stats.snapshot('a', 1500);
    expect(a).toEqual({
      since: '2030-01-01T00:00:00.000Z',
      creates: { ok: 1, unreachable: 2, error: 1 },
      budgetWaitSeconds: 1.5,
    });
    expect(stats.snapshot('c').creates).toEqual({});
    const capacity = { reportedAt: a.since, accelerators: {}, drainer: a };
    expect(capacitySchema.safeParse({ clusterId: 'a', capacity }).success).toBe(true);
    const letter = (n: number) => String.fromCharCode(97 + n);
    const outcomes = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`o${letter(i % 26)}${letter(Math.floor(i / 26))}`, 1]),
      );
    const withCreates = (creates: Record<string, number>) => ({
      clusterId: 'a',
      capacity: { ...capacity, drainer: { ...a, creates } },
    });
    expect(capacitySchema.safeParse(withCreates(outcomes(32))).success).toBe(true);
    expect(capacitySchema.safeParse(withCreates(outcomes(33))).success).toBe(false);
    expect(capacitySchema.safeParse(withCreates({ 'Not A Class': 1 })).success).toBe(false);
  });
});
