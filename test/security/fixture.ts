// The API in-process, wired like functions/server/embedded.ts but on the memory store and memory
// queue with a settable clock: for the security tests, which call it through `app.request`.
import { createMaintenanceService } from '../../shared/maintenance/service.js';
import * as jose from 'jose';
import { createReadViews } from '../../shared/runtime/read-views.js';
import { dispatchOf } from '../support/dispatch-context.js';
import { createApp } from '../../shared/api/app.js';
import { createMetrics } from '../../shared/api/metrics.js';
import { SCOPES } from '../../shared/domain/principal.js';
import { createTokenAdmin } from '../../shared/auth/token-service.js';
import { createTokenService, type TokenServiceOptions } from '../../shared/auth/tokens.js';
import { createClusterAdmin } from '../../shared/dispatch/cluster-admin.js';
import { createClusterService } from '../../shared/clusters/service.js';
import { createHookService } from '../../shared/hooks/service.js';
import {
  defaultCoreSettings,
  type CoreContext,
  type CoreSettings,
} from '../../shared/context/core-context.js';
import { silentLogger, type Logger } from '../../shared/base/log.js';
import { createControlPlane } from '../../shared/dispatch/control.js';
import { createJobService } from '../../shared/jobs/service.js';
import { createDispatcher } from '../../shared/dispatch/dispatch.js';
import { createPolicySimulator } from '../../shared/dispatch/policy-simulate.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import type { Queue } from '../../shared/queue/port.js';
import { withWakeups } from '../../shared/queue/wakeup.js';
import { createScheduleService } from '../../shared/schedules/service.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { StateStore } from '../../shared/store/port.js';

export const ISSUER = 'switchyard-test';
export const AUDIENCE = 'switchyard-api-test';
export const ADMIN = 'admin';

export interface FixtureOptions {
  rateLimit?: { perSecond: number; burst: number };
  tokens?: Partial<TokenServiceOptions>;
  maxBodyBytes?: number;
  /** The SSRF guard's DNS-free check for callbacks, as composition roots pass it. */
  screenCallback?: (url: string) => string | undefined;
  /** `server.publicUrl`: the base of the error envelope's `docs` link. */
  publicUrl?: string;
  /** Another store than a fresh memory one (a SQLite file, to reopen it as after a restart). */
  store?: StateStore;
  /** Another queue than a fresh memory one (a SQLite file a drainer process also opens, the Pub/Sub emulator's). */
  queue?: Queue;
  /** Settings over the defaults (e.g. a small `logCapBytes`). */
  settings?: Partial<CoreSettings>;
  /** Wrap the queue with in-process wake-ups, as the Node server does (long-poll tests). */
  wakeups?: boolean;
  /** The control plane's logger (default: silent). */
  log?: Logger;
}

export async function createFixture(options: FixtureOptions = {}) {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms: number) => void (now += ms),
  };
  const store = options.store ?? createMemoryStore({ clock });
  const baseQueue = options.queue ?? createMemoryQueue({ clock });
  const queue = options.wakeups ? withWakeups(baseQueue) : baseQueue;
  const metrics = createMetrics();
  const ctx: CoreContext = {
    metrics,
    store,
    queue,
    clock,
    settings: { ...defaultCoreSettings, ...options.settings },
    log: options.log ?? silentLogger,
    ...(options.screenCallback ? { screenCallback: options.screenCallback } : {}),
  };
  const tokens = createTokenService({
    store,
    clock,
    issuer: ISSUER,
    audience: AUDIENCE,
    ...options.tokens,
  });
  const jobs = createJobService(ctx, createDispatcher(dispatchOf(ctx)));
  const clusters = createClusterService(ctx);
  await clusters.register([
    {
      id: 'sim-one',
      cloud: 'aws',
      region: 'us-east-1',
      labels: {},
      queue: 'aws',
      pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
    },
  ]);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const app = createApp({
    ctx,
    jobs,
    policy: dispatchOf(ctx).policy,
    policySimulator: createPolicySimulator(dispatchOf(ctx)),
    views: createReadViews({ ctx, policy: dispatchOf(ctx).policy, jobs, adminTenant: ADMIN }),
    clusters,
    clusterAdmin: createClusterAdmin(dispatchOf(ctx)),
    maintenancePlans: createMaintenanceService(dispatchOf(ctx)),
    schedules: createScheduleService(ctx),
    control: createControlPlane(dispatchOf(ctx), {}),
    tokens,
    tokenAdmin: createTokenAdmin({ ctx, tokens, adminTenant: ADMIN }),
    hooks: createHookService(ctx, jobs, { maxBodyBytes }),
    metrics,
    maxBodyBytes,
    rateLimit: options.rateLimit ?? { perSecond: 1_000_000, burst: 1_000_000 },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });

  /** A token for `tenant` (created if new) with `scopes` and `projects`. */
  async function mint(
    tenant: string,
    scopes: readonly string[] = SCOPES,
    projects: string[] = ['*'],
    ttlSeconds = 3600,
  ): Promise<{ token: string; id: string }> {
    if (!(await store.tenants.get(tenant))) {
      await store.tenants.create({
        id: tenant,
        name: tenant,
        createdAt: new Date(now).toISOString(),
      });
    }
    const { token, record } = await tokens.issue({
      tenantId: tenant,
      scopes: [...scopes],
      projects,
      ttlSeconds,
      description: 'test',
    });
    return { token, id: record.id };
  }

  /** Calls the app; JSON bodies are serialised, strings sent as they are. */
  async function call(
    method: string,
    path: string,
    init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers; text: string }> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(`http://switchyard.test${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { unparsable: text };
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  }

  return { app, ctx, store, clock, tokens, jobs, metrics, mint, call };
}

export type Fixture = Awaited<ReturnType<typeof createFixture>>;

/** Signs arbitrary claims and header with a fresh key of `alg` (not one Switchyard knows). */
export async function foreignToken(
  alg: string,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): Promise<string> {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return new jose.SignJWT(claims).setProtectedHeader({ alg, ...header }).sign(privateKey);
}

/** The body of a valid job submission for `project`. */
export function jobBody(project = 'research', extra: Record<string, unknown> = {}) {
  return {
    name: 'train',
    project,
    image: 'busybox:1.36',
    resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    ...extra,
  };
}
