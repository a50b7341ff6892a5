/**
 * A pull that waits on the queue's server for a message, for drivers whose service can hold a
 * pull open (Pub/Sub's `returnImmediately: false`). A consumer in another process than the
 * publishers cannot be woken in-process (`wakeup.ts`), so it used to pull at once and sleep 250 ms
 * when the queue was empty: up to 250 ms of latency when idle, four pulls a second for nothing.
 * With a waiting pull the message is answered as soon as the service has it, and an idle consumer
 * makes one call per server hold (about half a second on the emulator, longer on Pub/Sub).
 * Aborting the signal cancels the pending call, so a consumer stops without waiting the hold out.
 * Edge-safe: types and a guard only.
 */
import type { PullOptions, Queue, QueueMessage } from './port.js';

export interface WaitingPullOptions extends PullOptions {
  /** Longest the call may stay open; it answers earlier with a message or the server's `[]`. */
  waitMs: number;
  /** Cancels the pending call; it then resolves `[]`. */
  signal?: AbortSignal;
}

export interface WaitingPullQueue extends Queue {
  /** Like `pull`, but held open on the server up to `waitMs` while the queue is empty. */
  pullWaiting(queue: string, options: WaitingPullOptions): Promise<QueueMessage[]>;
}

/** Whether `queue`'s driver can hold a pull open on the server. */
export function canWaitPull(queue: Queue): queue is WaitingPullQueue {
  return typeof (queue as Partial<WaitingPullQueue>).pullWaiting === 'function';
}
