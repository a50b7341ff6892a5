/**
 * Log shipping in the pull drainer: while a Kubernetes Job it follows runs, every `everyMs` it reads
 * the new output of each of the job's started pods (`pods/log` with `timestamps` and `sinceTime`
 * from the last line shipped) and ships it to the control plane in bounded chunks. When the Job
 * ends, `finish` reads once more — the drainer awaits it before reporting the end, so a job's
 * output is stored before its state says it is over. Lines at the `sinceTime` second that were
 * already shipped are skipped here; a chunk sent again is stored once (by line index) anyway.
 * Edge-safe.
 */
import type { Logger } from '../base/log.js';
import { jobLogger } from '../base/job-log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import {
  chunkBytesOnWire,
  MAX_CHUNK_BYTES,
  MAX_CHUNK_LINES,
  MAX_LINE_CHARS,
} from '../protocol/logs.js';
import type { ClusterDriver, JobPod } from '../targets/kubernetes/port.js';
import type { JobMeta } from './report-status.js';

export interface LogShipperOptions {
  clusters: ReadonlyMap<string, ClusterDriver>;
  control: ControlPlane;
  log: Logger;
  /** How often running jobs' output is read; default 1 s. */
  everyMs?: number;
  /**
   * A job whose last read found nothing new is read less often: the wait doubles from `everyMs`
   * up to this (default 8 s), and is back to `everyMs` once it prints again.
   */
  quietMaxMs?: number;
  /** The time for those waits (tests); default `Date.now`. */
  now?: () => number;
}

export interface PodCursor {
  nextLine: number;
  /** The time of the last line shipped, as the cluster printed it (sent back as `sinceTime`). */
  lastTs?: string;
  /** How many lines shipped carry exactly that time. */
  atLast: number;
}

interface Followed {
  clusterId: string;
  meta: JobMeta;
  pods: Map<string, PodCursor>;
  /** When the periodic pass reads it next (absent: at once), and the quiet wait that set it. */
  dueAt?: number;
  quietMs?: number;
}

/** A timestamp's sort key: nanoseconds padded, so RFC 3339 times of any precision compare. */
export function timeKey(ts: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}` : ts;
}

const cut = (line: string) => (line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);

/** The lines of a read that come after what `c` shipped (`c` is not changed). */
export function unseen(c: PodCursor, lines: string[]): string[] {
  const lastKey = c.lastTs === undefined ? undefined : timeKey(c.lastTs);
  let skipAtLast = c.atLast;
  const fresh: string[] = [];
  for (const line of lines) {
    const ts = line.slice(0, Math.max(0, line.indexOf(' ')));
    if (!ts) continue; // not a timestamped line (a partial read)
    const key = timeKey(ts);
    if (lastKey !== undefined && key < lastKey) continue;
    if (key === lastKey && skipAtLast > 0) {
      skipAtLast--;
      continue;
    }
    fresh.push(cut(line));
  }
  return fresh;
}

/** Moves `c` past `shipped` (lines the control plane has taken). */
export function advance(c: PodCursor, shipped: readonly string[]): void {
  for (const line of shipped) {
    const ts = line.slice(0, line.indexOf(' '));
    c.atLast = ts === c.lastTs ? c.atLast + 1 : 1;
    c.lastTs = ts;
  }
  c.nextLine += shipped.length;
}

/** Splits lines into chunks within the protocol's bounds. */
export function chunksOf(lines: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = chunkBytesOnWire([line]);
    if (
      current.length >= MAX_CHUNK_LINES ||
      (current.length > 0 && bytes + size > MAX_CHUNK_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Reads one pod's output since what was shipped, ships the new lines in chunks; how many. */
async function shipPod(
  o: LogShipperOptions,
  f: Followed,
  driver: ClusterDriver,
  pod: JobPod,
  spare: boolean,
): Promise<number> {
  const c = f.pods.get(pod.name) ?? { nextLine: 0, atLast: 0 };
  f.pods.set(pod.name, c);
  const read = await driver.readPodLog!(f.meta.namespace, pod, {
    ...(c.lastTs && { sinceTime: c.lastTs }),
    ...(spare && { spare }),
  });
  let fresh = unseen(c, read);
  const count = fresh.length;
  while (fresh.length > 0) {
    const lines = chunksOf(fresh)[0]!;
    const answer = await o.control.shipLogs!({
      jobId: f.meta.jobId,
      clusterId: f.clusterId,
      attempt: f.meta.attempt,
      stream: pod.name,
      replica: pod.replica,
      fromLine: c.nextLine,
      lines,
    });
    // A restarted drainer starts at line 0: the store says where the stream really is, and the
    // lines it holds already are not sent again.
    const taken = Math.min(fresh.length, Math.max(lines.length, answer.nextLine - c.nextLine));
    advance(c, fresh.slice(0, taken));
    c.nextLine = Math.max(c.nextLine, answer.nextLine);
    fresh = fresh.slice(taken);
  }
  return count;
}

export function createLogShipper(o: LogShipperOptions) {
  const followed = new Map<string, Followed>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  const keyOf = (clusterId: string, m: JobMeta) =>
    `${clusterId}/${m.namespace}/${m.name}/${m.attempt}`;

  /**
   * `spare`: the periodic reads take only the cluster's spare request budget, so a cluster busy
   * with creates ships running jobs' output later rather than creating later; the last read of an
   * ended job (`finish`, which its end report waits for) is an ordinary request.
   */
  async function ship(f: Followed, spare = false): Promise<number> {
    const driver = o.clusters.get(f.clusterId);
    if (!driver?.listJobPods || !driver.readPodLog || !o.control.shipLogs) return 0;
    let fresh = 0;
    const pods = await driver.listJobPods(f.meta.namespace, f.meta.jobId, spare ? { spare } : {});
    for (const pod of pods) {
      if (pod.phase === 'Pending' || pod.phase === 'Unknown') continue;
      try {
        fresh += await shipPod(o, f, driver, pod, spare);
      } catch (e) {
        jobLogger(o.log, f.meta.jobId, f.meta.traceId).warn(
          'cannot ship logs of a pod; will retry',
          {
            pod: pod.name,
            error: e instanceof Error ? e.message : String(e),
          },
        );
      }
    }
    return fresh;
  }

  const now = o.now ?? Date.now;
  const every = o.everyMs ?? 1000;

  /** One pass over the followed jobs that are due; a quiet one waits longer each time. */
  async function pass(): Promise<void> {
    for (const f of [...followed.values()]) {
      if ((f.dueAt ?? 0) > now() + every / 2) continue; // due within half a period: now
      const fresh = await ship(f, true).catch((e: unknown) => {
        jobLogger(o.log, f.meta.jobId, f.meta.traceId).warn('cannot read job pods for logs', {
          error: String(e),
        });
        return 0;
      });
      const quiet = Math.max(every, (f.quietMs ?? 0) * 2);
      f.quietMs = fresh > 0 ? 0 : Math.min(o.quietMaxMs ?? 8000, quiet);
      f.dueAt = now() + f.quietMs;
    }
  }

  async function tick(): Promise<void> {
    await pass();
    if (running) timer = setTimeout(() => void tick(), every);
  }

  return {
    /** Starts following the job's output (idempotent). */
    follow(clusterId: string, meta: JobMeta): void {
      const key = keyOf(clusterId, meta);
      if (!followed.has(key)) followed.set(key, { clusterId, meta, pods: new Map() });
    },
    /** Ships what the ended job printed last, then stops following it. Never rejects. */
    async finish(clusterId: string, meta: JobMeta): Promise<void> {
      const key = keyOf(clusterId, meta);
      const f = followed.get(key) ?? { clusterId, meta, pods: new Map() };
      followed.delete(key);
      await ship(f).catch((e: unknown) =>
        jobLogger(o.log, meta.jobId, meta.traceId).warn('cannot ship the last logs of a job', {
          error: String(e),
        }),
      );
    },
    forget(clusterId: string, meta: JobMeta): void {
      followed.delete(keyOf(clusterId, meta));
    },
    /** One periodic pass now (what `start` runs every `everyMs`). */
    pass,
    start(): void {
      if (running) return;
      running = true;
      void tick();
    },
    stop(): void {
      running = false;
      if (timer) clearTimeout(timer);
    },
  };
}

export type LogShipper = ReturnType<typeof createLogShipper>;

/**
 * What the pull drainer's watch does for logs on a status: follow a started Job, ship an ended
 * one's last output (before its end is reported), forget a deleted one.
 */
export async function followLogs(
  shipper: LogShipper,
  clusterId: string,
  status: { phase: string } | undefined,
  meta: JobMeta,
): Promise<void> {
  if (!status) return shipper.forget(clusterId, meta);
  if (status.phase === 'succeeded' || status.phase === 'failed') {
    return shipper.finish(clusterId, meta);
  }
  shipper.follow(clusterId, meta);
}
