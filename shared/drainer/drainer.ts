/**
 * A drainer: next to one cloud's clusters, it pulls that cloud's queue, creates each Job in its
 * cluster (create-or-adopt, so a redelivery is a no-op), watches the Jobs it created and reports
 * every transition (and, beside them, the expected ones made before deployment ids: `legacy.ts`),
 * ships their pods' output (`logs.ts`), and reports each cluster's live GPU capacity. It starts
 * with no memory: around each complete list it reports the expected jobs whose workload went while
 * it was down (`vanished.ts`).
 */
import type { Clock } from '../base/clock.js';
import type { ClusterDriver } from '../targets/kubernetes/port.js';
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import type { Queue, QueueMessage } from '../queue/port.js';
import type { ControlPlane } from '../protocol/control-port.js';
import { queueMessageSchema } from '../protocol/messages.js';
import { handleDrainerMessage } from './handle.js';
import { createDrainerStats } from './stats.js';
import { reportJobStatus } from './report-status.js';
import { watchCluster } from './watcher.js';
import type { Target } from '../targets/port.js';
import { followTarget } from './targets.js';
import { createPump } from './pump.js';
import { kubeLookup, targetLookup, vanishedCheck } from './vanished.js';
import { pullSource } from './pull-source.js';
import { createLogShipper, followLogs } from './logs.js';
import { followLegacy } from './legacy.js';
import { kubeLegacySource, targetLegacySource, type KubeOnStatus } from './legacy-sources.js';

export interface DrainerOptions {
  queueName: string;
  queue: Queue;
  clusters: ReadonlyMap<string, ClusterDriver>;
  /** Clusters of other kinds (Slurm), followed by polling every `targetPollMs` (default 2 s). */
  targets?: ReadonlyMap<string, Target>;
  targetPollMs?: number;
  control: ControlPlane;
  clock: Clock;
  log: Logger;
  /**
   * Idle wait between empty pulls when the queue can neither wake the drainer nor hold a pull
   * open on its server (default 250; `pull-source.ts`).
   */
  pollMs?: number;
  /**
   * The legacy loop: pull up to 10, finish them all, pull again, sleep `pollMs` when empty, even
   * when the queue could wake the drainer. Kept as the baseline of `npm run bench:dispatch`.
   */
  fixedPoll?: boolean;
  /** Start heartbeats and watches but pull nothing until `startPulling()` (benchmarks). */
  holdPull?: boolean;
  /** Messages handled at once by the pipelined loop (default 64). */
  maxInFlight?: number;
  /** Longest wait for a wake-up before pulling anyway (default 1000 ms). */
  idleWaitMs?: number;
  visibilityMs?: number;
  heartbeatMs?: number;
  /** Deliveries of one message before a create failure is final (the queue dead-letters after). */
  maxAttempts?: number;
  ttlSecondsAfterFinished?: number;
  /** How often running jobs' output is read and shipped (default 1 s). */
  logEveryMs?: number;
}

export function createDrainer(o: DrainerOptions) {
  const pollMs = o.pollMs ?? 250;
  const visibilityMs = o.visibilityMs ?? 30_000;
  const heartbeatMs = o.heartbeatMs ?? 5_000;
  const stats = createDrainerStats(o.clock);
  const handlerDeps = { ...o, stats };
  const maxAttempts = o.maxAttempts ?? 5;
  let running = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const stops: Array<() => void> = [];
  const logs = createLogShipper({ ...o, everyMs: o.logEveryMs });

  async function handle(delivery: QueueMessage): Promise<void> {
    const parsed = queueMessageSchema.safeParse(delivery.body);
    if (!parsed.success) {
      o.log.error('malformed queue message; dropping it to the dead letter', { id: delivery.id });
      await o.queue.nack(o.queueName, delivery.receipt, 0);
      return;
    }
    const keepAlive = setInterval(
      () => void o.queue.extend(o.queueName, delivery.receipt, visibilityMs).catch(() => {}),
      visibilityMs / 2,
    );
    try {
      await handleDrainerMessage(handlerDeps, parsed.data, {
        attempt: delivery.attempt,
        mayRetry: delivery.attempt < maxAttempts,
      });
      await o.queue.ack(o.queueName, delivery.receipt);
    } catch (e) {
      const delay = Math.min(30_000, 500 * 2 ** (delivery.attempt - 1));
      jobLogger(o.log, parsed.data.jobId, parsed.data.traceId).warn(
        'message failed; it will be retried',
        {
          id: delivery.id,
          attempt: delivery.attempt,
          error: e instanceof Error ? e.message : String(e),
        },
      );
      await o.queue.nack(o.queueName, delivery.receipt, delay).catch(() => {});
    } finally {
      clearInterval(keepAlive);
    }
  }

  const pump = createPump({
    ...pullSource({ ...o, visibilityMs, pollMs }),
    handle: (d) =>
      handle(d).catch((e: unknown) =>
        o.log.warn('message handling failed', {
          id: d.id,
          error: e instanceof Error ? e.message : String(e),
        }),
      ),
    maxInFlight: o.maxInFlight ?? 64,
    onError: (e) =>
      o.log.warn('drainer pull failed', {
        queue: o.queueName,
        error: e instanceof Error ? e.message : String(e),
      }),
  });

  async function pollOnce(): Promise<number> {
    const batch = await o.queue.pull(o.queueName, { max: 10, visibilityMs });
    await Promise.all(batch.map(handle));
    return batch.length;
  }

  function loop(fn: () => Promise<unknown>, everyMs: number): void {
    const tick = async () => {
      if (!running) return;
      try {
        await fn();
      } catch (e) {
        o.log.warn('drainer loop error', {
          queue: o.queueName,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      if (running) timers.push(setTimeout(tick, everyMs));
    };
    void tick();
  }

  async function heartbeat(): Promise<void> {
    for (const [id, cluster] of [...o.clusters, ...(o.targets ?? [])]) {
      try {
        const capacity = await cluster.capacity();
        const waited = 'budgetWaitMs' in cluster ? cluster.budgetWaitMs?.() : undefined;
        await o.control.heartbeat(id, { ...capacity, drainer: stats.snapshot(id, waited) });
      } catch (e) {
        o.log.warn('capacity read failed', {
          cluster: id,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  let pulling = false;
  function startPulling(): void {
    if (!running || pulling) return;
    pulling = true;
    if (o.fixedPoll) {
      loop(async () => {
        while (running && (await pollOnce()) > 0) {
          /* drain while there is work */
        }
      }, pollMs);
    } else pump.start();
  }

  return {
    startPulling,
    start(): void {
      if (running) return;
      running = true;
      loop(heartbeat, heartbeatMs);
      if (!o.holdPull) startPulling();
      logs.start();
      const legacy = { ...o, intervalMs: o.targetPollMs };
      for (const [id, cluster] of o.clusters) {
        const onStatus: KubeOnStatus = async (s, deleted, meta) => {
          await followLogs(logs, id, deleted ? undefined : s, meta);
          await reportJobStatus(o, id, deleted ? undefined : s, meta);
        };
        const vanished = vanishedCheck(o, kubeLookup(o, id, cluster));
        stops.push(watchCluster({ cluster, clock: o.clock, log: o.log, onStatus, vanished }));
        // Without a deployment the watch already selects every managed workload.
        if (cluster.deployment)
          stops.push(followLegacy(kubeLegacySource(cluster, onStatus), legacy));
      }
      for (const target of o.targets?.values() ?? []) {
        const vanished = vanishedCheck(o, targetLookup(o, target));
        stops.push(followTarget({ ...o, target, intervalMs: o.targetPollMs, vanished }));
        const unmarked = targetLegacySource(o, target);
        if (unmarked) stops.push(followLegacy(unmarked, legacy));
      }
    },
    async stop(): Promise<void> {
      running = false;
      pulling = false;
      await pump.stop();
      timers.forEach(clearTimeout);
      stops.forEach((s) => s());
      logs.stop();
    },
    pollOnce,
    heartbeat,
  };
}

export type Drainer = ReturnType<typeof createDrainer>;
