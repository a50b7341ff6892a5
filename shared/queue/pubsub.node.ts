/**
 * The Google Pub/Sub queue for Node, over gRPC with `@google-cloud/pubsub`: publishes through the
 * library's publisher with batching off (an awaited publish is one round trip), and pulls, acks and
 * moves ack deadlines with the v1 SubscriberClient (synchronous Pull; a drainer's is held open on the
 * server, `pubsub-held-pull.node.ts`). The queue semantics live in
 * pubsub-common.ts, shared with the REST driver for the Workers edge.
 */
import { PubSub, v1, type ClientConfig, type Topic } from '@google-cloud/pubsub';
import {
  createQueueOverPubSub,
  GRPC_STATUS,
  PubSubCallError,
  type PubSubQueueOptions,
  type PubSubTransport,
  type ReceivedMessage,
} from './pubsub-common.js';
import type { Queue } from './port.js';
import { heldPull, type PullResponse } from './pubsub-held-pull.node.js';

export interface NodePubSubQueueOptions extends PubSubQueueOptions {
  /** `host:port` of the emulator (plain-text gRPC); default: Google's endpoint. */
  apiEndpoint?: string;
  /** A client to reuse (it is not closed by `close()`); default: one made from these options. */
  client?: PubSub;
  /** Bound on each RPC, in ms; default 10 000. */
  timeoutMs?: number;
}

/** Maps a gRPC/gax error onto a PubSubCallError with its status name. */
function callError(e: unknown): PubSubCallError {
  const err = e as { code?: unknown; details?: unknown; message?: unknown };
  const status =
    typeof err.code === 'number' ? (GRPC_STATUS[err.code] ?? 'UNKNOWN') : String(err.code ?? '');
  const message = String(err.details || err.message || e);
  return new PubSubCallError(status || 'UNKNOWN', message, { cause: e });
}

const call = async <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (e) {
    throw callError(e);
  }
};

/** Creates a Queue backed by Pub/Sub over gRPC. */
export function createPubSubQueue(options: NodePubSubQueueOptions): Queue {
  const timeout = options.timeoutMs ?? 10_000;
  const ownClient = !options.client;
  let pubsub: PubSub | undefined = options.client;
  let clients: Promise<{ admin: v1.PublisherClient; sub: v1.SubscriberClient }> | undefined;
  const topics = new Map<string, Topic>();

  const getPubSub = () =>
    (pubsub ??= new PubSub({
      projectId: options.projectId,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint, emulatorMode: true } : {}),
    }));
  /** v1 clients with the same endpoint and credentials as the PubSub client. */
  const getClients = () =>
    (clients ??= getPubSub()
      .getClientConfig()
      .then((config: ClientConfig) => {
        // The library types `port` as string | number; the v1 clients want a number.
        const v1Config = {
          ...config,
          port: config.port === undefined ? undefined : Number(config.port),
        };
        return { admin: new v1.PublisherClient(v1Config), sub: new v1.SubscriberClient(v1Config) };
      }));
  const topicOf = (name: string) => {
    let topic = topics.get(name);
    if (!topic) {
      topic = getPubSub().topic(name, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
      topics.set(name, topic);
    }
    return topic;
  };
  const ignoreExisting = (e: unknown) => {
    const err = callError(e);
    if (err.status !== 'ALREADY_EXISTS') throw err;
  };

  const transport: PubSubTransport = {
    async createTopic(name) {
      const { admin } = await getClients();
      await admin.createTopic({ name }, { timeout }).catch(ignoreExisting);
    },

    async createSubscription(spec) {
      const { sub } = await getClients();
      await sub
        .createSubscription(
          {
            name: spec.name,
            topic: spec.topic,
            ackDeadlineSeconds: spec.ackDeadlineSeconds,
            ...(spec.deadLetter
              ? {
                  deadLetterPolicy: {
                    deadLetterTopic: spec.deadLetter.topic,
                    maxDeliveryAttempts: spec.deadLetter.maxDeliveryAttempts,
                  },
                }
              : {}),
          },
          { timeout },
        )
        .catch(ignoreExisting);
    },

    async publish(topic, message) {
      await call(() =>
        topicOf(topic).publishMessage({
          data: Buffer.from(message.data),
          attributes: message.attributes,
        }),
      );
    },

    async pull(subscription, max) {
      const { sub } = await getClients();
      const [response] = await call(() =>
        sub.pull({ subscription, maxMessages: max, returnImmediately: true }, { timeout }),
      );
      return receivedOf(response);
    },

    async pullWaiting(subscription, max, waitMs, signal) {
      const { sub } = await getClients();
      const request = { subscription, maxMessages: max };
      return receivedOf(await call(() => heldPull(sub, request, waitMs, signal)));
    },

    async acknowledge(subscription, ackIds) {
      const { sub } = await getClients();
      await call(() => sub.acknowledge({ subscription, ackIds }, { timeout }));
    },

    async modifyAckDeadline(subscription, ackIds, seconds) {
      const { sub } = await getClients();
      await call(() =>
        sub.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: seconds }, { timeout }),
      );
    },

    async close() {
      const open = clients;
      clients = undefined;
      if (open) {
        const { admin, sub } = await open;
        await Promise.all([admin.close(), sub.close()]);
      }
      await Promise.all([...topics.values()].map((t) => t.flush().catch(() => undefined)));
      topics.clear();
      if (ownClient && pubsub) await pubsub.close();
      pubsub = ownClient ? undefined : pubsub;
    },
  };

  return createQueueOverPubSub('pubsub', transport, options);
}

/** A Pull response's messages. */
function receivedOf(response: PullResponse): ReceivedMessage[] {
  return (response.receivedMessages ?? []).map((r): ReceivedMessage => ({
    ackId: r.ackId ?? '',
    data: r.message?.data instanceof Uint8Array ? r.message.data : new Uint8Array(),
    attributes: { ...(r.message?.attributes ?? {}) },
    messageId: r.message?.messageId ?? '',
    publishTime: timestampToIso(r.message?.publishTime),
    deliveryAttempt: r.deliveryAttempt || undefined,
  }));
}

/** A protobuf Timestamp to ISO-8601, if present. */
function timestampToIso(
  t:
    | { seconds?: number | string | { toString(): string } | null; nanos?: number | null }
    | null
    | undefined,
): string | undefined {
  if (!t || t.seconds === null || t.seconds === undefined) return undefined;
  const ms = Number(t.seconds.toString()) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}
