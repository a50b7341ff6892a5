/**
 * The Cloudflare Worker: the same Hono app as the Node server, over DynamoDB and Pub/Sub.
 * `fetch` serves the API; `scheduled` (cron, every minute) runs admission, failover sweeps,
 * redispatch, schedule firing and status webhooks; `queue` consumes the Cloudflare Queues
 * dead-letter queue (optional bindings, see docs/cloudflare-queues.md) and re-places or fails the
 * jobs whose create messages died there. The environment is parsed once per isolate.
 */
import { errorEnvelope } from '../../shared/api/envelope.js';
import { AppError } from '../../shared/base/errors.js';
import type { Logger } from '../../shared/base/log.js';
import { defaultCoreSettings } from '../../shared/context/core-context.js';
import { systemClock } from '../../shared/base/clock.js';
import { handleDeadLetterBatch } from '../../shared/dispatch/cloudflare-dead-letters.js';
import { createCore, type Core } from '../../shared/runtime/core.js';
import { createDohResolver } from '../../shared/webhooks/doh-resolve.js';
import { createUrlGuard } from '../../shared/webhooks/ssrf.js';
import { buildQueue, buildStore } from './drivers.js';
import { parseWorkerEnv } from './env.js';
import type {
  ExecutionContext,
  MessageBatch,
  ScheduledController,
  WorkerHandlers,
} from './types.js';

const log: Logger = {
  info: (msg, fields) => console.log(JSON.stringify({ level: 'info', msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: 'error', msg, ...fields })),
};

let cached: { env: unknown; core: Promise<Core> } | undefined;

async function build(raw: Record<string, unknown>): Promise<Core> {
  const env = parseWorkerEnv(raw);
  const store = buildStore(env);
  if (env.AUTO_CREATE === 'true' && store.ensureTable) await store.ensureTable();
  const guard = createUrlGuard({ resolve: createDohResolver(), allow: env.WEBHOOK_ALLOW_HOSTS });
  return createCore({
    store,
    queue: buildQueue(env, raw),
    clock: systemClock,
    log,
    settings: { ...defaultCoreSettings, heartbeatTimeoutMs: env.HEARTBEAT_TIMEOUT_SECONDS * 1000 },
    auth: { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, adminTenant: env.ADMIN_TENANT },
    maxBodyBytes: 256 * 1024,
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    webhooks: {
      maxAttempts: 8,
      timeoutMs: 10_000,
      guard: async (url) => void (await guard.check(url)),
      screen: (url) => guard.screen(url),
    },
  });
}

function coreFor(env: Record<string, unknown>): Promise<Core> {
  if (cached?.env !== env) {
    const core = build(env);
    cached = { env, core };
    core.catch(() => {
      if (cached?.core === core) cached = undefined;
    });
  }
  return cached.core;
}

/** A start-up failure as the one envelope, its `docs` link on the request's origin. */
function configError(e: unknown, request: Request): Response {
  const err = e instanceof AppError ? e : new AppError('INTERNAL', 'the Worker could not start');
  if (!(e instanceof AppError))
    log.error('start failed', { error: e instanceof Error ? e.stack : String(e) });
  // The same envelope as every other error; 503 because no request can be served until fixed.
  return errorEnvelope(err, request, { status: 503 });
}

export default {
  async fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: ExecutionContext,
  ): Promise<Response> {
    let core: Core;
    try {
      core = await coreFor(env);
    } catch (e) {
      return configError(e, request);
    }
    return core.app.fetch(request, env, ctx);
  },

  async scheduled(
    _controller: ScheduledController,
    env: Record<string, unknown>,
    ctx: ExecutionContext,
  ): Promise<void> {
    const core = await coreFor(env);
    ctx.waitUntil(
      (async () => {
        const result = await core.maintenance();
        const sent = await core.deliveries.runOnce();
        log.info('scheduled run', { ...result, webhooks: sent });
      })(),
    );
  },

  /** Dead letters from Cloudflare Queues: each dead `create` is reported as `create-failed`. */
  async queue(batch: MessageBatch, env: Record<string, unknown>): Promise<void> {
    const core = await coreFor(env);
    const outcome = await handleDeadLetterBatch(batch, {
      control: core.control,
      log,
      deadLetterQueue: parseWorkerEnv(env).CF_DEAD_LETTER_QUEUE,
    });
    log.info('queue batch', { queue: batch.queue, ...outcome });
  },
} satisfies WorkerHandlers<Record<string, unknown>>;
