/**
 * Status-webhook series, counted from the delivery worker's log events (so the worker needs no
 * metrics dependency): attempts by outcome, dead letters, and the latency from the state change
 * that made a delivery to its successful attempt.
 */
import type { MetricsRegistry } from './registry.js';

const OUTCOMES: Record<string, string> = {
  'webhook.delivered': 'delivered',
  'webhook.failed': 'failed',
  'webhook.dead': 'dead',
};

export function recordWebhookEvent(metrics: MetricsRegistry, event: Record<string, unknown>): void {
  const outcome = typeof event.event === 'string' ? OUTCOMES[event.event] : undefined;
  if (!outcome) return;
  // A delivery buried without a send (no `attempts` in the event) is a dead letter, not an attempt.
  if (event.attempts !== undefined) {
    metrics.inc('switchyard_webhook_attempts_total', 'Status webhook attempts by outcome', {
      outcome,
    });
  }
  if (outcome !== 'delivered') {
    metrics.inc(
      'switchyard_webhook_failures_total',
      'Status webhook attempts or deliveries that failed',
      {
        final: String(outcome === 'dead'),
      },
    );
  }
  if (outcome === 'dead') {
    metrics.inc('switchyard_webhook_dead_letters_total', 'Status webhooks given up on');
  }
  if (outcome === 'delivered' && typeof event.latencyMs === 'number') {
    metrics.observe(
      'switchyard_webhook_delivery_seconds',
      'From the state change to the webhook delivered (retries included)',
      event.latencyMs / 1000,
    );
  }
}
