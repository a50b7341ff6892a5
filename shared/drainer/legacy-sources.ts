/**
 * The two kinds of unmarked workloads the pull drainer follows (legacy.ts): Kubernetes workloads
 * listed page by page with `UNMARKED_SELECTOR` and reported as its watch reports its own (the
 * drainer's `onStatus`: output, then phase), and a target's (Slurm's) `listUnmarked` jobs reported
 * as its polling follower reports its own (targets.ts: output before phase; `delete` answered by a
 * cancel; one gone unfinished reported `deleted`). Edge-safe.
 */
import { iso, type Clock } from '../base/clock.js';
import { traceparentField } from '../metrics/trace.js';
import type { ControlPlane } from '../protocol/control-port.js';
import { UNMARKED_SELECTOR } from '../targets/kubernetes/labels.js';
import type { ClusterDriver, KubeJobStatus } from '../targets/kubernetes/port.js';
import type { Logger } from '../base/log.js';
import type { Target, TargetJobStatus } from '../targets/port.js';
import type { LegacySource } from './legacy.js';
import { jobMetaOf, type JobMeta } from './report-status.js';
import { reportOf } from './targets.js';
import { createTargetOutputShipper, hasEnded } from './target-logs.js';

/** Workloads per list request. */
const PAGE = 100;

export type KubeOnStatus = (
  status: KubeJobStatus | undefined,
  deleted: boolean,
  meta: JobMeta,
) => Promise<void>;

/** A Kubernetes cluster's workloads without a deployment label. */
export function kubeLegacySource(
  cluster: ClusterDriver,
  onStatus: KubeOnStatus,
): LegacySource<KubeJobStatus> {
  const metaOf = (s: KubeJobStatus) => jobMetaOf(s);
  return {
    clusterId: cluster.clusterId,
    async list() {
      const out: KubeJobStatus[] = [];
      let token: string | undefined;
      do {
        const page = await cluster.listJobs(UNMARKED_SELECTOR, {
          limit: PAGE,
          ...(token ? { continue: token } : {}),
        });
        out.push(...page.items);
        token = page.continue;
      } while (token);
      return out;
    },
    identify(s) {
      const meta = metaOf(s);
      return (
        meta && {
          key: `${s.namespace}/${s.name}/${s.uid}`,
          jobId: meta.jobId,
          attempt: meta.attempt,
        }
      );
    },
    phase: (s) => s.phase,
    ended: (s) => s.phase === 'succeeded' || s.phase === 'failed',
    report: (s) => onStatus(s, false, metaOf(s)!),
    reportGone: (last) => onStatus(undefined, true, metaOf(last)!),
  };
}

export interface TargetLegacyDeps {
  control: ControlPlane;
  clock: Clock;
  log: Logger;
}

/** A target's jobs without a deployment; undefined when it cannot list them (`listUnmarked`). */
export function targetLegacySource(
  d: TargetLegacyDeps,
  target: Target,
): LegacySource<TargetJobStatus> | undefined {
  if (!target.listUnmarked) return undefined;
  const output = createTargetOutputShipper(d, target);
  const report = (s: TargetJobStatus) =>
    reportOf(target.clusterId, s, iso(d.clock.now()), target.kind);
  return {
    clusterId: target.clusterId,
    list: async () => (await target.listUnmarked?.()) ?? [],
    identify: (s) => ({
      key: `${s.jobId}/${s.attempt}/${s.externalId}`,
      jobId: s.jobId,
      attempt: s.attempt,
    }),
    phase: (s) => report(s).phase,
    ended: hasEnded,
    async report(s) {
      await output.ship(s);
      const answer = await d.control.report(report(s));
      if (answer.action === 'delete' && !hasEnded(s)) {
        await target.cancel({ jobId: s.jobId, name: s.name });
      }
    },
    async reportGone(last) {
      output.forget(`${last.jobId}/${last.attempt}`);
      if (hasEnded(last)) return;
      await d.control.report({
        jobId: last.jobId,
        clusterId: target.clusterId,
        attempt: last.attempt,
        phase: 'deleted',
        targetKind: target.kind,
        targetJobId: last.externalId,
        ...traceparentField(last.traceId),
        at: iso(d.clock.now()),
      });
    },
  };
}
