/**
 * A Pub/Sub Pull held open on the server (`returnImmediately: false`) that can be cancelled. The
 * generated `SubscriberClient.pull` wraps gax's cancellable call in a plain promise, so there
 * would be no way to end a held pull when the drainer stops but to wait it out; this makes the same
 * call through the client's `innerApiCalls.pull` (the gax call `pull` itself makes, with the same
 * routing header) and cancels it when the signal aborts. The client-side deadline ends a hold the
 * server does not end itself; both that and a cancel answer no messages.
 */
import type { v1 } from '@google-cloud/pubsub';

/** The fields of a PullResponse the queue reads (google.pubsub.v1.IPullResponse). */
export interface PullResponse {
  receivedMessages?: Array<{
    ackId?: string | null;
    deliveryAttempt?: number | null;
    message?: {
      data?: Uint8Array | string | null;
      attributes?: Record<string, string> | null;
      messageId?: string | null;
      publishTime?: {
        seconds?: number | string | { toString(): string } | null;
        nanos?: number | null;
      } | null;
    } | null;
  }> | null;
}

interface CancellableCall extends Promise<[PullResponse, ...unknown[]]> {
  cancel(): void;
}

type InnerPull = (request: object, options: object) => CancellableCall;

/** gRPC status codes a held pull ends with when it answers nothing. */
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;

/** One held Pull of up to `maxMessages`; `{}` at the deadline or when `signal` aborts. */
export async function heldPull(
  sub: v1.SubscriberClient,
  request: { subscription: string; maxMessages: number },
  waitMs: number,
  signal?: AbortSignal,
): Promise<PullResponse> {
  await sub.initialize();
  if (signal?.aborted) return {};
  const inner = sub.innerApiCalls.pull as InnerPull;
  const pending = inner(
    { ...request, returnImmediately: false },
    {
      timeout: Math.max(1, waitMs),
      otherArgs: {
        headers: {
          'x-goog-request-params': `subscription=${encodeURIComponent(request.subscription)}`,
        },
      },
    },
  );
  const cancel = () => pending.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const [response] = await pending;
    return response;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === DEADLINE_EXCEEDED || (code === CANCELLED && signal?.aborted)) return {};
    throw e;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
