/**
 * The in-memory queue, edge-safe, with the SQLite queue's semantics: at-least-once delivery,
 * oldest first, a visibility timeout, receipts that go stale on redelivery, and a dead letter once
 * a message would be delivered more than `maxAttempts` times. For unit tests of the core.
 */
import { newId, systemClock, type Clock } from '../base/clock.js';
import { checkMaxAttempts, checkPullOptions, DEFAULT_MAX_ATTEMPTS } from './options.js';
import type { MessageBody, Queue, QueueMessage } from './port.js';

export interface MemoryQueueOptions {
  /** Deliveries before a message is dead-lettered; default 5. */
  maxAttempts?: number;
  clock?: Clock;
}

interface StoredMessage {
  id: string;
  /** JSON text, so bodies round-trip exactly as through a durable driver. */
  body: string;
  attempts: number;
  visibleAt: number;
  receipt: string | undefined;
  publishedAt: string;
}

/** Creates an empty in-memory queue. */
export function createMemoryQueue(options: MemoryQueueOptions = {}): Queue {
  const clock = options.clock ?? systemClock;
  const maxAttempts = checkMaxAttempts(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  /** Per queue, in publish order (Map iteration order is insertion order). */
  const live = new Map<string, Map<string, StoredMessage>>();
  const dead = new Map<string, StoredMessage[]>();

  const liveOf = (queue: string) => {
    let messages = live.get(queue);
    if (!messages) live.set(queue, (messages = new Map()));
    return messages;
  };
  const byReceipt = (queue: string, receipt: string) => {
    for (const m of live.get(queue)?.values() ?? []) if (m.receipt === receipt) return m;
    return undefined;
  };
  const toMessage = (m: StoredMessage): QueueMessage => ({
    id: m.id,
    body: JSON.parse(m.body) as MessageBody,
    attempt: m.attempts,
    receipt: m.receipt ?? '',
    publishedAt: m.publishedAt,
  });

  return {
    driver: 'memory',

    async publish(queue, body) {
      const id = newId(clock);
      const message = {
        id,
        body: JSON.stringify(body),
        attempts: 0,
        visibleAt: 0,
        receipt: undefined,
        publishedAt: new Date(clock.now()).toISOString(),
      };
      liveOf(queue).set(id, message);
      return id;
    },

    async pull(queue, pullOptions) {
      checkPullOptions(pullOptions);
      const now = clock.now();
      const messages = liveOf(queue);
      const delivered: QueueMessage[] = [];
      for (const m of messages.values()) {
        if (delivered.length >= pullOptions.max) break;
        if (m.visibleAt > now) continue;
        if (m.attempts + 1 > maxAttempts) {
          messages.delete(m.id);
          m.receipt = undefined;
          dead.set(queue, [...(dead.get(queue) ?? []), m]);
          continue;
        }
        m.attempts += 1;
        m.receipt = crypto.randomUUID();
        m.visibleAt = now + pullOptions.visibilityMs;
        delivered.push(toMessage(m));
      }
      return delivered;
    },

    async ack(queue, receipt) {
      const m = byReceipt(queue, receipt);
      if (m) live.get(queue)?.delete(m.id);
    },

    async nack(queue, receipt, delayMs = 0) {
      const m = byReceipt(queue, receipt);
      if (m) {
        m.receipt = undefined;
        m.visibleAt = clock.now() + delayMs;
      }
    },

    async extend(queue, receipt, visibilityMs) {
      const m = byReceipt(queue, receipt);
      if (m) m.visibleAt = clock.now() + visibilityMs;
    },

    async deadLetters(queue, limit) {
      return (dead.get(queue) ?? []).slice(0, limit).map(toMessage);
    },

    async stats(queue) {
      const messages = [...(live.get(queue)?.values() ?? [])];
      const oldest = messages[0]?.publishedAt;
      return {
        depth: messages.length,
        deadLetters: dead.get(queue)?.length ?? 0,
        ...(oldest ? { oldestPublishedAt: oldest } : {}),
      };
    },

    async close() {},
  } satisfies Queue;
}
