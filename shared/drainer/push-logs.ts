/**
 * Log shipping in the push drainer function (issue #17): it keeps no memory between invocations,
 * so before shipping a job's output it asks the control plane where each of the job's streams
 * stands (`logPositions`: lines stored per pod), reads each started pod's log and ships only the
 * lines past that position, in the same bounded chunks and through the same `shipLogs` as the pull
 * drainer (`logs.ts`). Nothing is shipped twice and nothing is lost across invocations: the
 * position lives in the store, and a chunk's answer moves it on. A pod's log is read whole
 * (`timestamps`, no `sinceTime`): the store counts lines, not times. Used by `/reconcile` and the
 * follow-up check after a create, before the job's end is reported. Never rejects. Edge-safe.
 */
import type { Logger } from '../base/log.js';
import type { ControlPlane } from '../protocol/control-port.js';
import type { ClusterDriver, JobPod } from '../targets/kubernetes/port.js';
import { chunksOf } from './logs.js';
import { MAX_LINE_CHARS } from '../protocol/logs.js';
import type { JobMeta } from './report-status.js';
import { errorText } from '../base/errors.js';

export interface PushLogDeps {
  control: ControlPlane;
  log: Logger;
}

/** Lines a push shipped, for the `/reconcile` answer and the function's own log. */
export interface PushLogResult {
  lines: number;
  failed: boolean;
}

/** The timestamped lines of a read, each cut to the protocol's line bound. */
const timestamped = (read: string[]) =>
  read
    .filter((l) => /^\d{4}-\d\d-\d\dT\S+ /.test(l))
    .map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) : l));

async function shipPod(
  d: PushLogDeps,
  clusterId: string,
  meta: JobMeta,
  driver: ClusterDriver,
  pod: JobPod,
  from: number,
): Promise<number> {
  const all = timestamped(await driver.readPodLog!(meta.namespace, pod, {}));
  let next = from;
  let shipped = 0;
  while (next < all.length) {
    const lines = chunksOf(all.slice(next))[0]!;
    const answer = await d.control.shipLogs!({
      jobId: meta.jobId,
      clusterId,
      attempt: meta.attempt,
      stream: pod.name,
      replica: pod.replica,
      fromLine: next,
      lines,
    });
    shipped += answer.stored;
    // The store's count wins (another invocation may have shipped meanwhile); never go back.
    next = Math.max(next + lines.length, answer.nextLine);
  }
  return shipped;
}

/** Ships what the job's started pods printed since the store's positions. */
export async function shipJobLogs(
  d: PushLogDeps,
  clusterId: string,
  driver: ClusterDriver,
  meta: JobMeta,
): Promise<PushLogResult> {
  const result: PushLogResult = { lines: 0, failed: false };
  const { control } = d;
  if (!driver.listJobPods || !driver.readPodLog || !control.shipLogs || !control.logPositions) {
    return result;
  }
  try {
    const [{ streams }, pods] = await Promise.all([
      control.logPositions({ jobId: meta.jobId, clusterId, attempt: meta.attempt }),
      driver.listJobPods(meta.namespace, meta.jobId),
    ]);
    for (const pod of pods) {
      if (pod.phase === 'Pending' || pod.phase === 'Unknown') continue;
      result.lines += await shipPod(d, clusterId, meta, driver, pod, streams[pod.name] ?? 0);
    }
  } catch (e) {
    result.failed = true;
    d.log.warn('cannot ship the logs of a job; the next reconcile resumes where the store stands', {
      jobId: meta.jobId,
      cluster: clusterId,
      error: errorText(e),
    });
  }
  return result;
}
