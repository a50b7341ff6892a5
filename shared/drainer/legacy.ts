/**
 * Following workloads made before deployments had ids (docs/targets.md "One Kubernetes cluster,
 * several deployments"): a Kubernetes workload without `switchyard.io/deployment`, a Slurm job
 * whose comment has no `deployment=`. The pull drainer's watch and list select only its own
 * deployment's, so a job running across the upgrade would stay `running` until a push reconcile
 * or a cancel reached it. This follower lists the unmarked ones (at start, then on a resync),
 * asks the control plane which of them it expects (`control.expected`: jobs placed on this
 * cluster, with their attempt), and follows only those — each phase change reported as for the
 * drainer's own — never reporting or deleting the others, which may be another deployment's.
 *
 * Bounded: a followed workload is dropped once its end was reported (or it vanished and that was
 * said); an unexpected one is asked about again only on the next resync, and an ended unexpected
 * one never. While something is followed the list runs every `intervalMs`; otherwise every
 * `resyncMs` (a drainer of the old version may still create unmarked workloads during a rolling
 * upgrade). Memory is per listed workload and forgotten when it is no longer listed. Edge-safe.
 */
import type { Logger } from '../base/log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import { errorText } from '../base/errors.js';

/** Who an unmarked workload says it runs for, as the follower needs it. */
export interface LegacyIdentity {
  /** Unique per workload on the cluster (namespace/name, or job id/attempt). */
  key: string;
  jobId: string;
  attempt: number;
}

/** One kind of target's unmarked workloads, and how their status is reported. */
export interface LegacySource<S> {
  clusterId: string;
  /** Every unmarked workload the target shows (complete: pages read to the end). */
  list(): Promise<S[]>;
  identify(s: S): LegacyIdentity | undefined;
  /** The phase reports compare (a change is reported). */
  phase(s: S): string;
  ended(s: S): boolean;
  report(s: S): Promise<void>;
  /** Says a followed workload is gone (it vanished from a complete list before it ended). */
  reportGone(last: S): Promise<void>;
}

export interface LegacyFollowOptions {
  control: ControlPlane;
  log: Logger;
  /** Between lists while a workload is followed (default 2 s). */
  intervalMs?: number;
  /** Between lists while none is (default 60 s). */
  resyncMs?: number;
}

/**
 * Forgets what is no longer listed; settles an unexpected one that ended (it needs no second
 * question); on a resync, lets the still-running unexpected ones be asked about again.
 */
function tidy<S>(
  listed: ReadonlyMap<string, { s: S }>,
  settled: Set<string>,
  unexpected: Set<string>,
  ended: (s: S) => boolean,
  resync: boolean,
): void {
  for (const set of [settled, unexpected])
    for (const key of set) if (!listed.has(key)) set.delete(key);
  for (const key of unexpected) {
    if (!ended(listed.get(key)!.s)) continue;
    unexpected.delete(key);
    settled.add(key);
  }
  if (resync) unexpected.clear();
}

/** One pass over the unmarked workloads; the state it keeps between passes. */
export function legacyPasses<S>(source: LegacySource<S>, o: LegacyFollowOptions) {
  const followed = new Map<string, { phase: string; last: S }>();
  /** Ended and reported, or ended and not expected: never looked at again. */
  const settled = new Set<string>();
  /** Running but not expected when asked: asked again on the next resync. */
  const unexpected = new Set<string>();
  let warnedNoExpected = false;

  async function expectedKeys(): Promise<Set<string> | undefined> {
    if (!o.control.expected) {
      if (!warnedNoExpected)
        o.log.warn('control plane cannot say which jobs it expects; unmarked workloads left', {
          cluster: source.clusterId,
        });
      warnedNoExpected = true;
      return undefined;
    }
    const jobs = await o.control.expected(source.clusterId);
    return new Set(jobs.map((j) => `${j.jobId}/${j.attempt}`));
  }

  /** Reports a followed workload's change; its end settles it. */
  async function follow(key: string, s: S): Promise<void> {
    const phase = source.phase(s);
    if (followed.get(key)?.phase !== phase) {
      await source.report(s);
      followed.set(key, { phase, last: s });
    }
    if (source.ended(s)) {
      followed.delete(key);
      settled.add(key);
    }
  }

  return {
    followed: () => followed.size,
    async pass(resync: boolean): Promise<void> {
      const items = await source.list();
      const listed = new Map<string, { s: S; id: LegacyIdentity }>();
      for (const s of items) {
        const id = source.identify(s);
        if (id) listed.set(id.key, { s, id });
      }
      tidy(listed, settled, unexpected, (s) => source.ended(s), resync);
      // Gone before its end was seen: said once, then forgotten.
      for (const [key, { last }] of followed) {
        if (listed.has(key)) continue;
        await source.reportGone(last);
        followed.delete(key);
      }
      const fresh = [...listed].filter(
        ([key]) => !followed.has(key) && !settled.has(key) && !unexpected.has(key),
      );
      const wanted = fresh.length > 0 ? await expectedKeys() : undefined;
      for (const [key, { s, id }] of fresh) {
        if (wanted?.has(`${id.jobId}/${id.attempt}`)) followed.set(key, { phase: '', last: s });
        else if (wanted) (source.ended(s) ? settled : unexpected).add(key);
      }
      for (const [key, { s, id }] of listed) {
        if (!followed.has(key)) continue;
        try {
          await follow(key, s);
        } catch (e) {
          o.log.warn('status report of an unmarked workload failed; will retry', {
            cluster: source.clusterId,
            jobId: id.jobId,
            error: errorText(e),
          });
        }
      }
    },
  };
}

/** Starts following; returns a function that stops it. */
export function followLegacy<S>(source: LegacySource<S>, o: LegacyFollowOptions): () => void {
  const intervalMs = o.intervalMs ?? 2_000;
  const resyncMs = o.resyncMs ?? 60_000;
  const passes = legacyPasses(source, o);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastResync = 0;

  const tick = async () => {
    if (stopped) return;
    const resync = Date.now() - lastResync >= resyncMs;
    let wait: number;
    try {
      await passes.pass(resync);
      if (resync) lastResync = Date.now();
      wait = passes.followed() > 0 ? intervalMs : Math.max(intervalMs, resyncMs);
    } catch (e) {
      // Unreachable now: try again soon (the next pass is a resync), not a whole resync later.
      wait = Math.max(intervalMs, Math.min(resyncMs, 10_000));
      o.log.warn('cannot list unmarked workloads; will retry', {
        cluster: source.clusterId,
        error: errorText(e),
      });
    }
    if (stopped) return;
    timer = setTimeout(() => void tick(), wait);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
