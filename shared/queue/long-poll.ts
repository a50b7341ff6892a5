/**
 * A bounded long-poll over any queue: pull, and when nothing is visible wait up to `waitMs` for a
 * wake-up (`wakeup.ts`: a publish or nack in this process) and pull again, answering as soon as a
 * message is there, or `[]` at the deadline. The wait is sliced (at most `sliceMs` per wait, then a
 * pull), so a message made visible by other means — another process publishing, a visibility
 * timeout running out — is found within a slice. A queue that cannot wake its consumers (the
 * Worker's: no shared process) is pulled once, answering at once whatever `waitMs` says.
 * Edge-safe: timers only.
 */
import type { PullOptions, Queue, QueueMessage } from './port.js';
import { canWake } from './wakeup.js';

export interface LongPollOptions extends PullOptions {
  waitMs: number;
  /** Longest single wait before pulling again (default 1000 ms). */
  sliceMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

export async function pullWaiting(
  queue: Queue,
  name: string,
  o: LongPollOptions,
): Promise<QueueMessage[]> {
  const now = o.now ?? (() => performance.now());
  const deadline = now() + o.waitMs;
  const pull = { max: o.max, visibilityMs: o.visibilityMs };
  for (;;) {
    const messages = await queue.pull(name, pull);
    const left = deadline - now();
    if (messages.length > 0 || left <= 0 || !canWake(queue) || o.signal?.aborted) return messages;
    await queue.waitForMessages(name, Math.min(left, o.sliceMs ?? 1_000), o.signal);
  }
}
