/**
 * The Pub/Sub transport contract: the six calls each driver supplies (gRPC for Node, REST for the
 * edge), the message shapes they carry, and how a failed call becomes an `AppError` that says
 * whether to retry. Edge-safe: no `node:` imports.
 */
import { AppError } from '../base/errors.js';

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
  /**
   * A pull held open on the server up to `waitMs` while nothing is there (`waiting-pull.ts`);
   * resolves `[]` at the deadline or when `signal` aborts (the call is cancelled). Optional.
   */
  pullWaiting?(
    subscription: string,
    max: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]>;
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
