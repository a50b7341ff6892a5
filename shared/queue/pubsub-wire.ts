/**
 * Pub/Sub naming and encoding for the Queue port: resource ids per queue, Pub/Sub's bounds on
 * attempts and ack deadlines, and the wire form of a message. Pure and edge-safe.
 */
import { AppError } from '../base/errors.js';
import { checkMaxAttempts, DEFAULT_MAX_ATTEMPTS } from './options.js';
import type { MessageBody, QueueMessage } from './port.js';
import type { OutgoingMessage, ReceivedMessage } from './pubsub-transport.js';

/** Pub/Sub's own bounds (deadLetterPolicy.maxDeliveryAttempts, ack deadlines). */
export const PUBSUB_MIN_ATTEMPTS = 5;
export const PUBSUB_MAX_ATTEMPTS = 100;
export const PUBSUB_MAX_DEADLINE_SECONDS = 600;

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
