/**
 * The Google Pub/Sub queue over the REST API, edge-safe (fetch + jose, no `node:`), for Cloudflare
 * Workers where gRPC does not run. Authenticates with a service-account key (google-auth.ts); the
 * emulator needs none. The queue semantics live in pubsub-common.ts, shared with the gRPC driver.
 */
import { AppError } from '../base/errors.js';
import { createAccessTokenSource, type ServiceAccountCredentials } from './google-auth.js';
import {
  createQueueOverPubSub,
  PubSubCallError,
  type PubSubQueueOptions,
  type PubSubTransport,
  type ReceivedMessage,
} from './pubsub-common.js';
import type { Queue } from './port.js';

export interface RestPubSubQueueOptions extends PubSubQueueOptions {
  /** Default `https://pubsub.googleapis.com`; the emulator: `http://127.0.0.1:PORT`. */
  baseUrl?: string;
  /** A service-account key; without it requests carry no Authorization (the emulator). */
  credentials?: ServiceAccountCredentials;
  /** Where the key is exchanged for a token; default Google's token endpoint. */
  tokenUrl?: string;
  fetch?: typeof fetch;
  /** Bound on each request, in ms; default 10 000. */
  timeoutMs?: number;
}

interface RestReceived {
  ackId?: string;
  deliveryAttempt?: number;
  message?: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: string;
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Creates a Queue backed by Pub/Sub over its REST API. */
export function createPubSubRestQueue(options: RestPubSubQueueOptions): Queue {
  const baseUrl = (options.baseUrl ?? 'https://pubsub.googleapis.com').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new AppError('INVALID_CONFIG', `baseUrl must be an http(s) URL; got ${baseUrl}`);
  }
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeout = options.timeoutMs ?? 10_000;
  const tokens = options.credentials
    ? createAccessTokenSource({
        credentials: options.credentials,
        fetch: doFetch,
        ...(options.tokenUrl ? { tokenUrl: options.tokenUrl } : {}),
      })
    : undefined;

  /** One request; a non-2xx answer becomes a PubSubCallError with Google's status name. */
  const request = async (method: 'PUT' | 'POST', path: string, body: unknown): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (tokens) headers.authorization = `Bearer ${await tokens.getToken()}`;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}/v1/${path}`, {
        method,
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      throw new PubSubCallError('UNAVAILABLE', `${method} ${path}: ${String(e)}`, { cause: e });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { status?: string; message?: string } } | undefined)?.error;
      throw new PubSubCallError(
        error?.status ?? statusFromHttp(response.status),
        `${method} ${path}: ${error?.message ?? `HTTP ${response.status}`}`,
      );
    }
    return json;
  };
  const ignoreExisting = (e: unknown) => {
    if (!(e instanceof PubSubCallError && e.status === 'ALREADY_EXISTS')) throw e;
  };

  const transport: PubSubTransport = {
    async createTopic(name) {
      await request('PUT', name, {}).catch(ignoreExisting);
    },

    async createSubscription(spec) {
      await request('PUT', spec.name, {
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
      }).catch(ignoreExisting);
    },

    async publish(topic, message) {
      await request('POST', `${topic}:publish`, {
        messages: [{ data: toBase64(message.data), attributes: message.attributes }],
      });
    },

    async pull(subscription, max) {
      const json = (await request('POST', `${subscription}:pull`, {
        maxMessages: max,
        returnImmediately: true,
      })) as { receivedMessages?: RestReceived[] };
      return (json.receivedMessages ?? []).map((r): ReceivedMessage => ({
        ackId: r.ackId ?? '',
        data: fromBase64(r.message?.data ?? ''),
        attributes: { ...(r.message?.attributes ?? {}) },
        messageId: r.message?.messageId ?? '',
        publishTime: r.message?.publishTime,
        deliveryAttempt: r.deliveryAttempt || undefined,
      }));
    },

    async acknowledge(subscription, ackIds) {
      await request('POST', `${subscription}:acknowledge`, { ackIds });
    },

    async modifyAckDeadline(subscription, ackIds, seconds) {
      await request('POST', `${subscription}:modifyAckDeadline`, {
        ackIds,
        ackDeadlineSeconds: seconds,
      });
    },

    async close() {},
  };

  return createQueueOverPubSub('pubsub-rest', transport, options);
}

/** Google's canonical status for an HTTP status, when the body does not name one. */
function statusFromHttp(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ALREADY_EXISTS';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN';
  }
}
