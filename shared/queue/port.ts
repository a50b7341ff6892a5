/**
 * The queue port: one named queue per cloud (or cluster), at-least-once delivery, a visibility
 * timeout after which an unacknowledged message is delivered again, and a dead letter after
 * `maxAttempts` deliveries. Drivers: SQLite (Node, embedded), Google Pub/Sub, Cloudflare Queues.
 * All pass test/contract/queue.contract.ts.
 */

export type MessageBody = Record<string, unknown>;

export interface QueueMessage {
  id: string;
  body: MessageBody;
  /** 1 on the first delivery, then 2, 3, … */
  attempt: number;
  /** Handle for ack/nack/extend of this delivery; stale after the message is redelivered. */
  receipt: string;
  publishedAt: string;
}

export interface PullOptions {
  /** At most this many messages (1..100). */
  max: number;
  /** How long the pulled messages stay invisible to other consumers. */
  visibilityMs: number;
}

export interface Queue {
  readonly driver: string;
  /** Publishes durably; resolves with the message id. */
  publish(queue: string, body: MessageBody): Promise<string>;
  /** Pulls visible messages; never blocks for long (returns `[]` when none). */
  pull(queue: string, options: PullOptions): Promise<QueueMessage[]>;
  /** Removes the message. A stale receipt is a no-op. */
  ack(queue: string, receipt: string): Promise<void>;
  /** Makes the message visible again after `delayMs` (default 0). A stale receipt is a no-op. */
  nack(queue: string, receipt: string, delayMs?: number): Promise<void>;
  /** Keeps a message being worked on invisible for `visibilityMs` more from now. */
  extend(queue: string, receipt: string, visibilityMs: number): Promise<void>;
  /** Messages that exceeded `maxAttempts`, oldest first. */
  deadLetters(queue: string, limit: number): Promise<QueueMessage[]>;
  close(): Promise<void>;
  /**
   * Depth, oldest live message and dead letters of one queue (`/metrics`), where the driver can
   * count them cheaply: memory and SQLite. Pub/Sub and Cloudflare Queues leave it out (their
   * figures live in Cloud Monitoring and the Cloudflare dashboard).
   */
  stats?(queue: string): Promise<QueueStats>;
}

export interface QueueStats {
  /** Live messages: waiting, or delivered and not yet acknowledged. */
  depth: number;
  deadLetters: number;
  /** When the oldest live message was published; absent when there is none. */
  oldestPublishedAt?: string;
}
