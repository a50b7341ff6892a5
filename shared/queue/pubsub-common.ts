/**
 * The Queue port over Google Pub/Sub, shared by the Node (gRPC) and the edge (REST) drivers. They
 * differ only in how they reach Pub/Sub: each supplies a `PubSubTransport` of six calls
 * (pubsub-transport.ts), and this file does the rest — lazy creation, receipts and dead letters —
 * with the naming and encoding in pubsub-wire.ts. Edge-safe: no `node:` imports.
 * See docs/pubsub-queues.md.
 */
import { newId } from '../base/clock.js';
import { AppError } from '../base/errors.js';
import { checkPullOptions } from './options.js';
import type { Queue, QueueMessage } from './port.js';
import type { WaitingPullOptions } from './waiting-pull.js';
import type { PubSubTransport, ReceivedMessage } from './pubsub-transport.js';
import { PubSubCallError, toAppError } from './pubsub-transport.js';
import {
  deadlineSeconds,
  decodeMessage,
  encodeMessage,
  pubSubMaxAttempts,
  pubSubNames,
} from './pubsub-wire.js';

// Re-exported so the drivers and tests keep importing the Pub/Sub queue from one place.
export type {
  OutgoingMessage,
  PubSubTransport,
  ReceivedMessage,
  SubscriptionSpec,
} from './pubsub-transport.js';
export { GRPC_STATUS, PubSubCallError, toAppError } from './pubsub-transport.js';
export type { PubSubNames } from './pubsub-wire.js';
export {
  deadlineSeconds,
  decodeMessage,
  encodeMessage,
  PUBSUB_MAX_ATTEMPTS,
  PUBSUB_MAX_DEADLINE_SECONDS,
  PUBSUB_MIN_ATTEMPTS,
  pubSubMaxAttempts,
  pubSubNames,
} from './pubsub-wire.js';

/** Options both Pub/Sub drivers take. */
export interface PubSubQueueOptions {
  projectId: string;
  /** Start of every topic and subscription name; default `switchyard`. */
  prefix?: string;
  /** Names this consumer's subscription (one per drainer); default `drainer`. */
  consumer?: string;
  /** Deliveries before a message is dead-lettered; Pub/Sub allows 5..100, so it is clamped. */
  maxAttempts?: number;
  /** Creates topics and subscriptions on first use (local/dev). Production: Terraform. */
  autoCreate?: boolean;
  /** Subscription ack deadline when created here, in seconds (10..600); default 60. */
  ackDeadlineSeconds?: number;
  /** How long `deadLetters` keeps polling for forwarded messages; default 1000 ms. */
  deadLetterWaitMs?: number;
}

/** Bounded memory of receipts this process has seen, to keep the port's stale-receipt rules. */
class ReceiptBook {
  private readonly latest = new Map<string, string>();
  private readonly idOf = new Map<string, string>();
  private readonly released = new Set<string>();
  constructor(private readonly limit = 10_000) {}

  delivered(id: string, receipt: string): void {
    this.latest.delete(id);
    this.latest.set(id, receipt);
    this.idOf.set(receipt, id);
    this.trim();
  }
  /** A receipt given up by nack, or superseded by a later delivery to this process. */
  isStale(receipt: string): boolean {
    if (this.released.has(receipt)) return true;
    const id = this.idOf.get(receipt);
    return id !== undefined && this.latest.get(id) !== receipt;
  }
  release(receipt: string): void {
    this.released.add(receipt);
    this.trim();
  }
  forget(receipt: string): void {
    const id = this.idOf.get(receipt);
    if (id !== undefined && this.latest.get(id) === receipt) this.latest.delete(id);
    this.idOf.delete(receipt);
  }
  private trim(): void {
    for (const m of [this.latest, this.idOf]) {
      while (m.size > this.limit) m.delete(m.keys().next().value!);
    }
    while (this.released.size > this.limit)
      this.released.delete(this.released.values().next().value!);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const decoder = new TextDecoder();

/** Builds the Queue over a transport; `driver` names it (`pubsub`, `pubsub-rest`). */
export function createQueueOverPubSub(
  driver: string,
  transport: PubSubTransport,
  options: PubSubQueueOptions,
): Queue {
  if (!options.projectId) throw new AppError('INVALID_CONFIG', 'Pub/Sub needs a projectId');
  const prefix = options.prefix ?? 'switchyard';
  const consumer = options.consumer ?? 'drainer';
  const maxAttempts = pubSubMaxAttempts(options.maxAttempts);
  const ackDeadline = options.ackDeadlineSeconds ?? 60;
  if (!Number.isInteger(ackDeadline) || ackDeadline < 10 || ackDeadline > 600) {
    throw new AppError('INVALID_CONFIG', `ackDeadlineSeconds must be 10..600; got ${ackDeadline}`);
  }
  const deadLetterWaitMs = options.deadLetterWaitMs ?? 1_000;
  const project = `projects/${options.projectId}`;
  const receipts = new ReceiptBook();
  const ensured = new Map<string, Promise<void>>();

  /** Full resource names for a queue. */
  const namesOf = (queue: string) => {
    const ids = pubSubNames(prefix, consumer, queue);
    return {
      topic: `${project}/topics/${ids.topic}`,
      subscription: `${project}/subscriptions/${ids.subscription}`,
      deadTopic: `${project}/topics/${ids.deadTopic}`,
      deadSubscription: `${project}/subscriptions/${ids.deadSubscription}`,
    };
  };

  /** With autoCreate, creates the queue's resources once; dead letters first (they are referenced). */
  const ensure = (queue: string) => {
    const names = namesOf(queue);
    if (!options.autoCreate) return Promise.resolve(names);
    let done = ensured.get(queue);
    if (!done) {
      done = (async () => {
        await transport.createTopic(names.deadTopic);
        await transport.createSubscription({
          name: names.deadSubscription,
          topic: names.deadTopic,
          ackDeadlineSeconds: ackDeadline,
        });
        await transport.createTopic(names.topic);
        await transport.createSubscription({
          name: names.subscription,
          topic: names.topic,
          ackDeadlineSeconds: ackDeadline,
          deadLetter: { topic: names.deadTopic, maxDeliveryAttempts: maxAttempts },
        });
      })().catch((e: unknown) => {
        ensured.delete(queue);
        throw toAppError(e, `creating the resources of queue ${queue}`);
      });
      ensured.set(queue, done);
    }
    return done.then(() => names);
  };

  /** ack/modifyAckDeadline where an expired or foreign ack id is a no-op, as the port says. */
  const tolerant = async (what: string, call: () => Promise<void>) => {
    try {
      await call();
    } catch (e) {
      if (e instanceof PubSubCallError && e.status === 'INVALID_ARGUMENT') return;
      throw toAppError(e, what);
    }
  };

  /** Decodes a pull's messages, sets their visibility, releases what cannot be decoded. */
  const accept = async (
    subscription: string,
    received: ReceivedMessage[],
    visibilityMs: number,
  ): Promise<QueueMessage[]> => {
    if (received.length === 0) return [];
    const messages: QueueMessage[] = [];
    const undecodable: string[] = [];
    for (const r of received) {
      const m = decodeMessage(r);
      if (!m) undecodable.push(r.ackId);
      else messages.push({ ...m, attempt: r.deliveryAttempt ?? 1 });
    }
    const keep = messages.map((m) => m.receipt);
    // Not JSON objects: released at once, so Pub/Sub dead-letters them after maxAttempts.
    if (undecodable.length > 0) {
      await tolerant('release', () => transport.modifyAckDeadline(subscription, undecodable, 0));
    }
    if (keep.length > 0) {
      await tolerant('setting the visibility timeout', () =>
        transport.modifyAckDeadline(subscription, keep, deadlineSeconds(visibilityMs)),
      );
    }
    for (const m of messages) receipts.delivered(m.id, m.receipt);
    return messages;
  };

  /** `pull` held open on the server (waiting-pull.ts), for transports that can. */
  const pullWaiting = async (queue: string, o: WaitingPullOptions): Promise<QueueMessage[]> => {
    checkPullOptions(o);
    if (!Number.isFinite(o.waitMs) || o.waitMs < 0) {
      throw new AppError('BAD_REQUEST', `waitMs must be milliseconds >= 0; got ${o.waitMs}`);
    }
    const names = await ensure(queue);
    if (o.signal?.aborted) return [];
    let received: ReceivedMessage[];
    try {
      received = await transport.pullWaiting!(names.subscription, o.max, o.waitMs, o.signal);
    } catch (e) {
      throw toAppError(e, `pull from ${names.subscription}`);
    }
    return accept(names.subscription, received, o.visibilityMs);
  };

  return {
    driver,

    async publish(queue, body) {
      const names = await ensure(queue);
      const id = newId();
      const message = encodeMessage(id, body, new Date().toISOString());
      try {
        await transport.publish(names.topic, message);
      } catch (e) {
        throw toAppError(e, `publish to ${names.topic}`);
      }
      return id;
    },

    async pull(queue, pullOptions) {
      checkPullOptions(pullOptions);
      const names = await ensure(queue);
      let received: ReceivedMessage[];
      try {
        received = await transport.pull(names.subscription, pullOptions.max);
      } catch (e) {
        throw toAppError(e, `pull from ${names.subscription}`);
      }
      return accept(names.subscription, received, pullOptions.visibilityMs);
    },

    ...(transport.pullWaiting && { pullWaiting }),

    async ack(queue, receipt) {
      if (receipts.isStale(receipt)) return;
      const names = await ensure(queue);
      await tolerant('ack', () => transport.acknowledge(names.subscription, [receipt]));
      receipts.forget(receipt);
    },

    async nack(queue, receipt, delayMs = 0) {
      if (receipts.isStale(receipt)) return;
      const names = await ensure(queue);
      await tolerant('nack', () =>
        transport.modifyAckDeadline(names.subscription, [receipt], deadlineSeconds(delayMs)),
      );
      receipts.release(receipt);
    },

    async extend(queue, receipt, visibilityMs) {
      if (receipts.isStale(receipt)) return;
      const names = await ensure(queue);
      await tolerant('extend', () =>
        transport.modifyAckDeadline(names.subscription, [receipt], deadlineSeconds(visibilityMs)),
      );
    },

    async deadLetters(queue, limit) {
      const names = await ensure(queue);
      if (limit < 1) return [];
      // Peek: pull from the dead-letter subscription, then release everything at once. Forwarding
      // is asynchronous, so poll briefly for messages that are on their way.
      const found = new Map<string, QueueMessage>();
      const ackIds: string[] = [];
      const until = Date.now() + deadLetterWaitMs;
      try {
        for (;;) {
          const batch = await transport.pull(names.deadSubscription, Math.min(1000, limit));
          for (const r of batch) {
            ackIds.push(r.ackId);
            const m = decodeMessage(r) ?? {
              id: r.attributes.id ?? r.messageId,
              body: { undecodable: decoder.decode(r.data) },
              receipt: r.ackId,
              publishedAt: new Date(Date.parse(r.publishTime ?? '') || 0).toISOString(),
            };
            const attempts = Number(r.attributes.CloudPubSubDeadLetterSourceDeliveryCount);
            found.set(m.id, { ...m, receipt: '', attempt: attempts || maxAttempts });
          }
          if (found.size >= limit || Date.now() >= until) break;
          if (batch.length === 0) {
            if (found.size > 0) break;
            await sleep(50);
          }
        }
      } catch (e) {
        throw toAppError(e, `reading dead letters from ${names.deadSubscription}`);
      } finally {
        if (ackIds.length > 0) {
          await tolerant('releasing dead letters', () =>
            transport.modifyAckDeadline(names.deadSubscription, ackIds, 0),
          );
        }
      }
      return [...found.values()]
        .sort((a, b) => a.publishedAt.localeCompare(b.publishedAt) || a.id.localeCompare(b.id))
        .slice(0, limit);
    },

    async close() {
      await transport.close();
    },
  } satisfies Queue;
}
