/** The few Workers runtime types the entry uses (kept local: the full typings clash with DOM's). */
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: unknown;
}

export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  noRetry(): void;
}

/** One Cloudflare Queues message as a consumer Worker receives it. */
export interface QueueMessageHandle {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface MessageBatch {
  readonly queue: string;
  readonly messages: readonly QueueMessageHandle[];
  ackAll(): void;
  retryAll(options?: { delaySeconds?: number }): void;
}

export interface WorkerHandlers<Env> {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
  scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void>;
  queue(batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void>;
}
