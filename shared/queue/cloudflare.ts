/**
 * The Queue port over Cloudflare Queues, edge-safe (no `node:`): the Worker publishes through its
 * producer bindings (`env.SY_QUEUE_AWS.send(…)`), and drainers, which run next to the clusters and
 * outside Cloudflare, pull over Cloudflare's HTTP pull-consumer API (wire format:
 * docs/cloudflare-queues.md; message bodies: `cloudflare-wire.ts`).
 *
 * The lease id is the receipt; `attempt` is the message's `attempts`. The API cannot extend a lease,
 * so `extend` gives the lease back with a retry delayed by the wanted visibility (see
 * docs/cloudflare-queues.md for what that means for a drainer). Dead letters go to a separate
 * Cloudflare queue (`dead_letter_queue` of the consumer), consumed by the Worker's `queue` handler,
 * so `deadLetters` returns [] here.
 */
import { newId } from '../base/clock.js';
import { AppError } from '../base/errors.js';
import { checkPullOptions } from './options.js';
import type { Queue, QueueMessage } from './port.js';
import {
  decodePulledBody,
  unwrapEnvelope,
  type Envelope,
  type PulledMessage,
} from './cloudflare-wire.js';

/** The part of a Workers producer binding (`Queue`) this driver uses. */
export interface QueueProducerBinding {
  send(
    body: unknown,
    options?: { contentType?: 'json' | 'text' | 'bytes' | 'v8'; delaySeconds?: number },
  ): Promise<void>;
}

/** Settings for the HTTP pull consumer (drainers); not needed by a Worker that only publishes. */
export interface CloudflarePullSettings {
  accountId: string;
  /** An API token with Queues read and write (acknowledging is a write). */
  apiToken: string;
  /** Queue name → Cloudflare queue id (the HTTP API addresses queues by id). */
  queueIds: Record<string, string> | ((queue: string) => string | undefined);
  /** Default `https://api.cloudflare.com/client/v4`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Bound on each request, in ms; default 10 000. */
  timeoutMs?: number;
}

export interface CloudflareQueueOptions {
  /** Queue name → producer binding, or a lookup (the Worker finds `SY_QUEUE_<NAME>` on its env). */
  producers:
    Record<string, QueueProducerBinding> | ((queue: string) => QueueProducerBinding | undefined);
  pull?: CloudflarePullSettings;
}

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';
/** Cloudflare's longest visibility timeout for a pull (12 hours). */
export const CLOUDFLARE_MAX_VISIBILITY_MS = 12 * 60 * 60 * 1000;

/** The Worker binding name for a queue: `SY_QUEUE_` + upper-case name, other characters as `_`. */
export function producerBindingName(queue: string): string {
  return `SY_QUEUE_${queue.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** Is `value` something with a `send` method (a producer binding)? */
export function isProducerBinding(value: unknown): value is QueueProducerBinding {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { send?: unknown }).send === 'function'
  );
}

/** What travels: our id and publish time around the body, so `publish` can return the id. */
/** Bounded memory of receipts this process has given back, to keep the port's stale rules. */
class LeaseBook {
  private readonly idOf = new Map<string, string>();
  private readonly latest = new Map<string, string>();
  private readonly released = new Set<string>();
  /** Message ids acked after their lease was given back by `extend`: ack on next sight. */
  readonly doneAfterExtend = new Set<string>();
  /** Leases given back by `extend` (not by nack): an ack on them means "done". */
  private readonly extended = new Set<string>();
  constructor(private readonly limit = 10_000) {}

  delivered(id: string, lease: string): void {
    this.latest.delete(id);
    this.latest.set(id, lease);
    this.idOf.set(lease, id);
    this.trim();
  }
  isStale(lease: string): boolean {
    if (this.released.has(lease)) return true;
    const id = this.idOf.get(lease);
    return id !== undefined && this.latest.get(id) !== lease;
  }
  release(lease: string, byExtend = false): void {
    this.released.add(lease);
    if (byExtend) this.extended.add(lease);
    this.trim();
  }
  /** An ack of a lease `extend` gave back: remember the message as done. */
  ackAfterExtend(lease: string): boolean {
    if (!this.extended.has(lease)) return false;
    const id = this.idOf.get(lease);
    if (id !== undefined && this.latest.get(id) === lease) this.doneAfterExtend.add(id);
    this.extended.delete(lease);
    this.trim();
    return true;
  }
  forget(lease: string): void {
    const id = this.idOf.get(lease);
    if (id !== undefined && this.latest.get(id) === lease) this.latest.delete(id);
    this.idOf.delete(lease);
  }
  private trim(): void {
    for (const m of [this.latest, this.idOf]) {
      while (m.size > this.limit) m.delete(m.keys().next().value!);
    }
    for (const s of [this.released, this.extended, this.doneAfterExtend]) {
      while (s.size > this.limit) s.delete(s.values().next().value!);
    }
  }
}

interface ApiEnvelope {
  success?: boolean;
  errors?: Array<{ code?: number; message?: string }>;
  result?: unknown;
}

/** Creates the Cloudflare Queues driver. */
export function createCloudflareQueue(options: CloudflareQueueOptions): Queue {
  const producerOf = (queue: string): QueueProducerBinding => {
    const p =
      typeof options.producers === 'function'
        ? options.producers(queue)
        : Object.hasOwn(options.producers, queue)
          ? options.producers[queue]
          : undefined;
    if (!isProducerBinding(p)) {
      throw new AppError(
        'UNAVAILABLE',
        `no Cloudflare Queues producer binding for queue ${queue}: add a [[queues.producers]] ` +
          `entry with binding = "${producerBindingName(queue)}" to wrangler.toml`,
        { retryable: false },
      );
    }
    return p;
  };

  const pull = options.pull;
  const settings = () => {
    if (!pull) {
      throw new AppError(
        'INVALID_CONFIG',
        'this Cloudflare Queues driver can only publish: drainers need the HTTP pull consumer ' +
          'settings (accountId, apiToken and the queue ids) to pull, ack, nack or extend',
      );
    }
    return pull;
  };
  const baseUrl = (pull?.baseUrl ?? CLOUDFLARE_API).replace(/\/+$/, '');
  if (pull) {
    if (!/^https?:\/\//.test(baseUrl)) {
      throw new AppError('INVALID_CONFIG', `baseUrl must be an http(s) URL; got ${baseUrl}`);
    }
    if (!pull.accountId || !pull.apiToken) {
      throw new AppError('INVALID_CONFIG', 'the HTTP pull consumer needs accountId and apiToken');
    }
  }
  const doFetch = pull?.fetch ?? ((input, init) => fetch(input, init));
  const timeout = pull?.timeoutMs ?? 10_000;
  const leases = new LeaseBook();

  const queueIdOf = (queue: string): string => {
    const s = settings();
    const id =
      typeof s.queueIds === 'function'
        ? s.queueIds(queue)
        : Object.hasOwn(s.queueIds, queue)
          ? s.queueIds[queue]
          : undefined;
    if (!id) {
      throw new AppError(
        'INVALID_CONFIG',
        `no Cloudflare queue id for queue ${queue}: add it to the pull consumer's queueIds ` +
          '(`npx wrangler queues info <name>` shows the id)',
      );
    }
    return id;
  };

  /** One API call; failures become AppErrors that say what to check. */
  const call = async (queue: string, op: 'pull' | 'ack', body: unknown): Promise<unknown> => {
    const s = settings();
    const path = `/accounts/${encodeURIComponent(s.accountId)}/queues/${encodeURIComponent(
      queueIdOf(queue),
    )}/messages/${op}`;
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.apiToken}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      throw new AppError(
        'UNAVAILABLE',
        `Cloudflare Queues ${op} on ${queue} failed: ${String(e)}`,
        {
          retryable: true,
          cause: e,
        },
      );
    }
    const text = await response.text();
    let json: ApiEnvelope | undefined;
    try {
      json = text ? (JSON.parse(text) as ApiEnvelope) : {};
    } catch {
      json = undefined;
    }
    const why =
      json?.errors
        ?.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim())
        .filter(Boolean)
        .join('; ') || `HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403) {
      throw new AppError(
        'INVALID_CONFIG',
        `Cloudflare Queues refused ${op} on ${queue} (${why}): the API token needs Queues read ` +
          'and write permission on the account',
      );
    }
    if (response.status === 404) {
      throw new AppError(
        'INVALID_CONFIG',
        `Cloudflare Queues ${op} on ${queue}: not found (${why}). Check the account and queue ` +
          'ids, and that the queue has an HTTP pull consumer (`type = "http_pull"`)',
      );
    }
    if (!response.ok || json === undefined || json.success === false) {
      const retryable = response.status === 429 || response.status >= 500;
      throw new AppError(
        retryable ? 'UNAVAILABLE' : 'INTERNAL',
        `Cloudflare Queues ${op} on ${queue} failed: ${why}`,
        { retryable },
      );
    }
    return json.result;
  };

  const ackCall = (
    queue: string,
    acks: string[],
    retries: Array<{ lease: string; delaySeconds: number }>,
  ) =>
    call(queue, 'ack', {
      acks: acks.map((lease_id) => ({ lease_id })),
      retries: retries.map((r) => ({ lease_id: r.lease, delay_seconds: r.delaySeconds })),
    });

  const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

  return {
    driver: 'cloudflare',

    async publish(queue, body) {
      const producer = producerOf(queue);
      const envelope: Envelope = {
        sy: 1,
        id: newId(),
        publishedAt: new Date().toISOString(),
        body,
      };
      try {
        await producer.send(envelope, { contentType: 'json' });
      } catch (e) {
        throw new AppError(
          'UNAVAILABLE',
          `Cloudflare Queues send to ${queue} failed: ${String(e)}`,
          { retryable: true, cause: e },
        );
      }
      return envelope.id;
    },

    async pull(queue, pullOptions) {
      checkPullOptions(pullOptions);
      const result = (await call(queue, 'pull', {
        batch_size: pullOptions.max,
        visibility_timeout_ms: Math.min(
          CLOUDFLARE_MAX_VISIBILITY_MS,
          Math.max(1, Math.ceil(pullOptions.visibilityMs)),
        ),
      })) as { messages?: PulledMessage[] } | null | undefined;
      const pulled = result?.messages ?? [];
      const messages: QueueMessage[] = [];
      const release: string[] = [];
      const done: string[] = [];
      for (const p of pulled) {
        if (!p.lease_id) continue;
        const inner = unwrapEnvelope(decodePulledBody(p.body));
        if (!inner) {
          // Not a JSON object: given back at once, so Cloudflare dead-letters it after its retries.
          release.push(p.lease_id);
          continue;
        }
        const id = inner.id ?? p.id ?? p.lease_id;
        if (leases.doneAfterExtend.delete(id)) {
          done.push(p.lease_id); // acked by this process while its lease was given back
          continue;
        }
        const published = inner.publishedAt ?? new Date(p.timestamp_ms ?? 0).toISOString();
        messages.push({
          id,
          body: inner.body,
          attempt: Math.max(1, p.attempts ?? 1),
          receipt: p.lease_id,
          publishedAt: new Date(Date.parse(published) || 0).toISOString(),
        });
      }
      if (release.length > 0 || done.length > 0) {
        await ackCall(
          queue,
          done,
          release.map((lease) => ({ lease, delaySeconds: 0 })),
        );
      }
      for (const m of messages) leases.delivered(m.id, m.receipt);
      return messages;
    },

    async ack(queue, receipt) {
      if (leases.ackAfterExtend(receipt)) return;
      if (leases.isStale(receipt)) return;
      settings();
      await ackCall(queue, [receipt], []);
      leases.forget(receipt);
    },

    async nack(queue, receipt, delayMs = 0) {
      if (leases.isStale(receipt)) return;
      settings();
      await ackCall(queue, [], [{ lease: receipt, delaySeconds: seconds(delayMs) }]);
      leases.release(receipt);
    },

    async extend(queue, receipt, visibilityMs) {
      if (leases.isStale(receipt)) return;
      settings();
      // No lease extension in the API: give the lease back, invisible for `visibilityMs` more.
      await ackCall(queue, [], [{ lease: receipt, delaySeconds: seconds(visibilityMs) }]);
      leases.release(receipt, true);
    },

    async deadLetters() {
      // Dead letters are on a separate Cloudflare queue, consumed by the Worker's queue handler.
      return [];
    },

    async close() {},
  } satisfies Queue;
}
