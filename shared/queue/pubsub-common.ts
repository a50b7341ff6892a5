/**
 * The Queue port over Google Pub/Sub, shared by the Node (gRPC) and the edge (REST) drivers. They
 * differ only in how they reach Pub/Sub: each supplies a `PubSubTransport` of six calls, and this
 * file does the rest: naming, encoding, lazy creation, receipts, dead letters and error mapping.
 * Edge-safe: no `node:` imports. See docs/pubsub-queues.md.
 */
import { newId } from '../clock.js';
import { AppError } from '../errors.js';
import { checkMaxAttempts, checkPullOptions, DEFAULT_MAX_ATTEMPTS } from './memory.js';
import type { MessageBody, Queue, QueueMessage } from './port.js';

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

/** Pub/Sub's own bounds (deadLetterPolicy.maxDeliveryAttempts, ack deadlines). */
export const PUBSUB_MIN_ATTEMPTS = 5;
export const PUBSUB_MAX_ATTEMPTS = 100;
export const PUBSUB_MAX_DEADLINE_SECONDS = 600;

/** A message as it goes out: JSON bytes plus attributes (nothing secret in them). */
export interface OutgoingMessage {
  data: Uint8Array;
  attributes: Record<string, string>;
}

/** A message as a Pull returns it, decoded from either wire format. */
export interface ReceivedMessage {
  ackId: string;
  data: Uint8Array;
  attributes: Record<string, string>;
  messageId: string;
  publishTime: string | undefined;
  /** Set by Pub/Sub when the subscription has a dead-letter policy. */
  deliveryAttempt: number | undefined;
}

export interface SubscriptionSpec {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  deadLetter?: { topic: string; maxDeliveryAttempts: number };
}

/** The six Pub/Sub calls a driver needs; names are full resource names. */
export interface PubSubTransport {
  /** Creates a topic; resolves if it already exists. */
  createTopic(name: string): Promise<void>;
  /** Creates a subscription; resolves if it already exists. */
  createSubscription(spec: SubscriptionSpec): Promise<void>;
  publish(topic: string, message: OutgoingMessage): Promise<void>;
  /** One synchronous pull that returns at once (possibly empty). */
  pull(subscription: string, max: number): Promise<ReceivedMessage[]>;
  acknowledge(subscription: string, ackIds: string[]): Promise<void>;
  modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** A failed Pub/Sub call, with the canonical status name (`NOT_FOUND`, `INVALID_ARGUMENT`, …). */
export class PubSubCallError extends Error {
  constructor(
    readonly status: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PubSubCallError';
  }
}

/** Canonical gRPC status names by number, as the gRPC client reports them. */
export const GRPC_STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const RETRYABLE = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
  'ABORTED',
  'UNKNOWN',
  'CANCELLED',
]);

/** Pub/Sub resource ids: 3..255 chars, a letter first, not starting with `goog`. */
const RESOURCE_ID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

export interface PubSubNames {
  topic: string;
  subscription: string;
  deadTopic: string;
  deadSubscription: string;
}

/** Resource ids (not full names) for queue `queue`; see docs/pubsub-queues.md. */
export function pubSubNames(prefix: string, consumer: string, queue: string): PubSubNames {
  if (queue.endsWith('-dead')) {
    throw new AppError('BAD_REQUEST', `queue name ${queue} must not end in -dead (reserved)`);
  }
  const topic = `${prefix}-${queue}`;
  const names = {
    topic,
    subscription: `${topic}-${consumer}`,
    deadTopic: `${topic}-dead`,
    deadSubscription: `${topic}-dead-sub`,
  };
  for (const id of Object.values(names)) {
    if (!RESOURCE_ID.test(id) || id.toLowerCase().startsWith('goog')) {
      throw new AppError(
        'BAD_REQUEST',
        `queue name ${queue} gives the Pub/Sub name ${id}, which is not allowed: use letters, ` +
          'digits and - _ . ~ + %, start with a letter, 3 to 255 characters',
      );
    }
  }
  return names;
}

/** Clamps `maxAttempts` into Pub/Sub's 5..100 (after the port's own check). */
export function pubSubMaxAttempts(maxAttempts = DEFAULT_MAX_ATTEMPTS): number {
  const n = checkMaxAttempts(maxAttempts);
  return Math.min(PUBSUB_MAX_ATTEMPTS, Math.max(PUBSUB_MIN_ATTEMPTS, n));
}

/** Milliseconds to a Pub/Sub ack deadline: whole seconds, rounded up, at most 600. */
export function deadlineSeconds(ms: number): number {
  return Math.min(PUBSUB_MAX_DEADLINE_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The wire form of a body: JSON data; attributes carry the id, publish time and job id. */
export function encodeMessage(id: string, body: MessageBody, publishedAt: string): OutgoingMessage {
  const attributes: Record<string, string> = { id, publishedAt };
  if (typeof body.jobId === 'string') attributes.jobId = body.jobId;
  return { data: encoder.encode(JSON.stringify(body)), attributes };
}

/** Decodes a received message; `undefined` if its data is not a JSON object. */
export function decodeMessage(m: ReceivedMessage): Omit<QueueMessage, 'attempt'> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(m.data));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const published = m.attributes.publishedAt ?? m.publishTime;
  return {
    id: m.attributes.id ?? m.messageId,
    body: body as MessageBody,
    receipt: m.ackId,
    publishedAt: new Date(published ? Date.parse(published) : 0).toISOString(),
  };
}

/** Turns a failed call into an AppError that says what to do. */
export function toAppError(e: unknown, what: string): AppError {
  if (e instanceof AppError) return e;
  if (!(e instanceof PubSubCallError)) {
    return new AppError('UNAVAILABLE', `Pub/Sub ${what} failed: ${String(e)}`, { cause: e });
  }
  if (e.status === 'NOT_FOUND') {
    return new AppError(
      'INVALID_CONFIG',
      `Pub/Sub ${what}: ${e.message}. Create the topics and subscriptions with infra/terraform ` +
        '(pubsub.tf), or set autoCreate: true for local use',
      { cause: e },
    );
  }
  if (e.status === 'PERMISSION_DENIED' || e.status === 'UNAUTHENTICATED') {
    return new AppError(
      'INVALID_CONFIG',
      `Pub/Sub ${what} was refused (${e.status}): ${e.message}. Check the service account and ` +
        'its roles (infra/terraform/pubsub.tf)',
      { cause: e },
    );
  }
  const retryable = RETRYABLE.has(e.status);
  return new AppError(
    retryable ? 'UNAVAILABLE' : 'INTERNAL',
    `Pub/Sub ${what} failed (${e.status}): ${e.message}`,
    { retryable, cause: e },
  );
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
      if (received.length === 0) return [];
      const messages: QueueMessage[] = [];
      const undecodable: string[] = [];
      for (const r of received) {
        const m = decodeMessage(r);
        if (!m) undecodable.push(r.ackId);
        else messages.push({ ...m, attempt: r.deliveryAttempt ?? 1 });
      }
      const keep = messages.map((m) => m.receipt);
      const seconds = deadlineSeconds(pullOptions.visibilityMs);
      // Not JSON objects: released at once, so Pub/Sub dead-letters them after maxAttempts.
      if (undecodable.length > 0) {
        await tolerant('release', () =>
          transport.modifyAckDeadline(names.subscription, undecodable, 0),
        );
      }
      if (keep.length > 0) {
        await tolerant('setting the visibility timeout', () =>
          transport.modifyAckDeadline(names.subscription, keep, seconds),
        );
      }
      for (const m of messages) receipts.delivered(m.id, m.receipt);
      return messages;
    },

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
