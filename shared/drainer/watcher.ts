/**
 * Follows every Job this deployment created in one cluster: list, then watch from the list's
 * resourceVersion; when the watch ends (410 Gone, network), back off and relist, so no terminal
 * state is ever missed. Reports a job only when its phase changes (or it disappears). Its memory
 * starts empty, so a Job deleted while the drainer was down would never be missed: with `vanished`
 * (vanished.ts), each list — the first and every relist, never a watch event — is bracketed by
 * asking which jobs the control plane expects and reporting those the list lacked.
 */
import type { Clock } from '../base/clock.js';
import { managedSelector } from '../targets/kubernetes/labels.js';
import type { ClusterDriver, JobWatch, KubeJobStatus } from '../targets/kubernetes/port.js';
import type { Logger } from '../base/log.js';
import { jobMetaOf, type JobMeta } from './report-status.js';
import { runKey, type VanishedCheck } from './vanished.js';

export interface WatchClusterOptions {
  cluster: ClusterDriver;
  clock: Clock;
  log: Logger;
  onStatus(status: KubeJobStatus | undefined, deleted: boolean, meta: JobMeta): Promise<void>;
  /** Reports expected jobs each complete list lacked (after the list's own reports). */
  vanished?: VanishedCheck;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Starts following; returns a function that stops it. */
export function watchCluster(o: WatchClusterOptions): () => void {
  const minBackoff = o.minBackoffMs ?? 250;
  const maxBackoff = o.maxBackoffMs ?? 10_000;
  const seen = new Map<string, { phase: string; meta: JobMeta }>();
  let stopped = false;
  let watch: JobWatch | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = minBackoff;
  let chain = Promise.resolve();

  // Reports go out one at a time, in the order the cluster showed them.
  const enqueue = (fn: () => Promise<void>) => {
    chain = chain
      .then(fn)
      .catch((e: unknown) =>
        o.log.warn('status report failed', { cluster: o.cluster.clusterId, error: String(e) }),
      );
  };

  function observe(status: KubeJobStatus, deleted: boolean): void {
    const meta = jobMetaOf(status);
    if (meta) record(meta, deleted ? undefined : status);
  }

  /** Reports `status` for the Job `meta` names, or its disappearance when `status` is undefined. */
  function record(meta: JobMeta, status: KubeJobStatus | undefined): void {
    const deleted = status === undefined;
    const key = `${meta.namespace}/${meta.name}`;
    const phase = status?.phase ?? 'deleted';
    if (seen.get(key)?.phase === phase) return;
    if (deleted) seen.delete(key);
    else seen.set(key, { phase, meta });
    enqueue(async () => {
      try {
        await o.onStatus(status, deleted, meta);
      } catch (e) {
        // Forget it so the next list or event reports it again.
        if (seen.get(key)?.phase === phase) seen.delete(key);
        throw e;
      }
    });
  }

  // Only this deployment's workloads: another's on a shared cluster is not ours to report.
  const selector = managedSelector(o.cluster.deployment);

  async function relist(): Promise<void> {
    if (stopped) return;
    try {
      const expected = await o.vanished?.expected();
      const { items, resourceVersion } = await o.cluster.listJobs(selector);
      const present = new Set(items.map((s) => `${s.namespace}/${s.name}`));
      // Every job this list accounts for: listed, or just reported gone from the memory.
      const listed = new Set<string>();
      for (const [key, { meta }] of seen) {
        if (present.has(key)) continue;
        record(meta, undefined);
        listed.add(runKey(meta));
      }
      for (const s of items) {
        observe(s, false);
        const meta = jobMetaOf(s);
        if (meta) listed.add(runKey(meta));
      }
      if (expected?.length) enqueue(() => o.vanished!.report(expected, listed));
      if (stopped) return;
      watch = await o.cluster.watchJobs(selector, resourceVersion, {
        onEvent: (type, s) => {
          backoff = minBackoff;
          observe(s, type === 'DELETED');
        },
        onEnd: (err) => {
          watch = undefined;
          if (err)
            o.log.info('watch ended; relisting', {
              cluster: o.cluster.clusterId,
              error: String(err),
            });
          schedule();
        },
      });
      if (stopped) watch.stop();
    } catch (e) {
      o.log.warn('cannot list Jobs; will retry', {
        cluster: o.cluster.clusterId,
        error: e instanceof Error ? e.message : String(e),
      });
      schedule();
    }
  }

  function schedule(): void {
    if (stopped) return;
    const delay = backoff;
    backoff = Math.min(maxBackoff, backoff * 2);
    timer = setTimeout(() => void relist(), delay);
  }

  void relist();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    watch?.stop();
  };
}
