/** What the services share: the store and queue ports, the clock, settings and the logger. */
import type { Clock } from '../base/clock.js';
import { AppError } from '../base/errors.js';
import { iso } from '../base/clock.js';
import type { Queue } from '../queue/port.js';
import type { StateStore } from '../store/port.js';
import type { Logger } from '../base/log.js';
import type { MetricsRegistry } from '../metrics/registry.js';

export interface CoreSettings {
  /** A cluster whose heartbeat is older than this is offline. */
  heartbeatTimeoutMs: number;
  /** A dispatched job that has not been picked up for this long is published again. */
  redispatchAfterMs: number;
  /** Kubernetes `ttlSecondsAfterFinished` of created Jobs. */
  ttlSecondsAfterFinished: number;
  /** Placements of one job (first one included) before a failing job is failed for good. */
  maxPlacementAttempts: number;
  /** An offline cluster's not-yet-running jobs move elsewhere after this long. */
  offlineGraceMs: number;
  /** Inbound hooks one tenant may have (`limits.hooksPerTenant`). */
  hooksPerTenant: number;
  /** Schedules one tenant may have (`limits.schedulesPerTenant`). */
  schedulesPerTenant: number;
  /** Most bytes of output kept per job (`logs.capBytes`; default 2 MiB, shared/dispatch/logs.ts). */
  logCapBytes?: number;
  /** How long shipped output is kept (`logs.retentionHours`; default 7 days). */
  logRetentionSeconds?: number;
  /**
   * When this control plane began taking heartbeats (epoch ms; the embedded server's start). A
   * cluster's silence is counted from no earlier: one that was down cannot tell whose heartbeats
   * stopped meanwhile. Absent on Workers, whose API takes heartbeats while isolates come and go.
   */
  watchingSince?: number;
}

export const defaultCoreSettings: CoreSettings = {
  heartbeatTimeoutMs: 60_000,
  redispatchAfterMs: 60_000,
  ttlSecondsAfterFinished: 3600,
  maxPlacementAttempts: 3,
  offlineGraceMs: 120_000,
  hooksPerTenant: 100,
  schedulesPerTenant: 100,
};

/**
 * Refuses to create one more of a tenant's `what` when it already has `count` and the limit is
 * `max`: 409 `QUOTA_EXCEEDED` naming the setting. Checked before the write, so creations racing
 * each other may pass the limit by the number in flight.
 */
export function checkTenantLimit(
  what: 'hooks' | 'schedules',
  tenantId: string,
  count: number,
  max: number,
): void {
  if (count < max) return;
  const setting = `limits.${what}PerTenant`;
  throw new AppError(
    'QUOTA_EXCEEDED',
    `tenant ${tenantId} already has ${count} ${what}, the most allowed (${setting} = ${max}): delete one, or ask the operator to raise ${setting}`,
    { details: { limit: setting, max, count } },
  );
}

export interface CoreContext {
  store: StateStore;
  queue: Queue;
  clock: Clock;
  settings: CoreSettings;
  log: Logger;
  /** Why a callback URL can never be delivered to (checked without DNS), or undefined. */
  screenCallback?: (url: string) => string | undefined;
  /** This instance's in-process metrics (placement latency); absent in some unit tests. */
  metrics?: MetricsRegistry;
}

export function nowIso(ctx: CoreContext): string {
  return iso(ctx.clock.now());
}
