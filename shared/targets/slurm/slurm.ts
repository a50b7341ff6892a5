/**
 * A Slurm cluster as a Target (targets/port.ts), over slurmrestd's REST API. The API version is
 * read once from the server's `/openapi/v3` (the newest of dialects.ts both sides speak) unless
 * configured. Slurm has no watch, so the drainer follows jobs by polling `status`/`list`, each a
 * request through this target's token bucket.
 *
 * No duplicates: Slurm job names do not refuse a second submit, so `create` first lists the jobs
 * and adopts one with this job's name and a comment naming this job id and attempt. What is left is
 * the window between that look-up and the submit answer: two drainers creating the same job at the
 * same instant could both submit. Dispatch's claim step closes it — only the drainer holding the
 * job's claim for this attempt gets as far as `create` — so the look-up only has to cover a
 * redelivery after a crash, when the first submit's job is already listed.
 *
 * One deployment's jobs only: several Switchyard deployments (staging and prod, two test servers)
 * may share one Slurm user and partition, and a control plane answers `delete` for a job id it does
 * not know, so a drainer that listed another deployment's job would cancel it. Every comment names
 * the deployment that made the job (`deployment=<id>`), and `list` and adoption see only this
 * deployment's. A comment without the field (written before deployments had ids) is never listed,
 * so nothing reports or cancels it as unknown; it is still found by its job id (status, cancel,
 * adopt), which only the deployment that made it asks for (job ids are random), and by
 * `listUnmarked`, whose jobs the pull drainer follows only when its control plane expects them
 * (drainer/legacy.ts). Edge-safe.
 */
import { iso, systemClock, type Clock } from '../../base/clock.js';
import { ClusterError } from '../kubernetes/port.js';
import type { Target, TargetJobRef, TargetJobStatus, TargetWorkload } from '../port.js';
import { capacityFromNodes } from './capacity.js';
import {
  classifySlurm,
  isUnknownJob,
  slurmClient,
  type SlurmClientOptions,
  type SlurmRequest,
} from './client.js';
import {
  DIALECTS,
  pickVersion,
  releaseOf,
  type Dialect,
  type SlurmApiVersion,
  type SlurmJob,
} from './dialects.js';
import {
  hasEnded,
  parseComment,
  slurmJobName,
  toStatus,
  toSubmit,
  type SlurmSettings,
} from './mapping.js';
import { readOutputWith, type SlurmOutputReader } from './output.js';

export interface SlurmTargetOptions extends SlurmClientOptions, Partial<SlurmSettings> {
  partition: string;
  workdir: string;
  /** The deployment this drainer serves (docs/targets.md): only its jobs are listed and adopted. */
  deployment: string;
  /** Skip discovery and speak this version. */
  apiVersion?: SlurmApiVersion;
  clock?: Clock;
  /** Reads jobs' output files from the workdir (output.node.ts); without it no output is read. */
  output?: SlurmOutputReader;
}

export function createSlurmTarget(o: SlurmTargetOptions): Target {
  const request: SlurmRequest = slurmClient(o);
  const clock = o.clock ?? systemClock;
  const settings: SlurmSettings = {
    partition: o.partition,
    workdir: o.workdir,
    containers: o.containers ?? 'none',
    gresTypes: o.gresTypes ?? {},
    defaultAccelerator: o.defaultAccelerator ?? 'gpu',
  };
  if (o.account) settings.account = o.account;
  let dialect: Promise<Dialect> | undefined = o.apiVersion
    ? Promise.resolve(DIALECTS[o.apiVersion])
    : undefined;
  /** Switchyard job id → Slurm job id, learnt from submits and lists. */
  const known = new Map<string, number>();

  async function discover(): Promise<Dialect> {
    const a = await request('GET', '/openapi/v3');
    if (a.status !== 200) throw classifySlurm(o.clusterId, 'GET /openapi/v3', a);
    const paths = Object.keys((a.body.paths as Record<string, unknown> | undefined) ?? {});
    const version = pickVersion(paths);
    if (!version) {
      const offered = [...new Set(paths.map((p) => /^\/slurm\/(v[\d.]+)\//.exec(p)?.[1]))]
        .filter(Boolean)
        .join(', ');
      throw new ClusterError(
        'invalid',
        `Slurm cluster ${o.clusterId}: slurmrestd offers ${offered || 'no slurm API'}; Switchyard ` +
          'speaks v0.0.38 and v0.0.40–v0.0.42 (start slurmrestd with -s openapi/v0.0.40 or similar)',
      );
    }
    return DIALECTS[version];
  }

  function api(): Promise<Dialect> {
    dialect ??= discover().catch((e: unknown) => {
      dialect = undefined; // try again next time
      throw e;
    });
    return dialect;
  }

  async function call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: (d: Dialect) => unknown,
  ) {
    const d = await api();
    const full = `/slurm/${d.version}${path}`;
    const a = await request(method, full, body?.(d));
    return { d, a, what: `${method} ${full}` };
  }

  /**
   * A comment's origin when it is this deployment's (with `unmarked`, or has no deployment; with
   * `'only'`, has none).
   */
  function originOf(job: SlurmJob, unmarked: boolean | 'only') {
    const origin = parseComment(job.comment);
    if (!origin || job.name !== slurmJobName(origin.jobId)) return undefined;
    if (origin.deployment === o.deployment && unmarked !== 'only') return origin;
    return unmarked && origin.deployment === undefined ? origin : undefined;
  }

  /** Jobs whose name and comment say this deployment made them, newest first. */
  async function ownJobs(
    unmarked: boolean | 'only' = false,
  ): Promise<{ job: SlurmJob; jobId: string; attempt: number }[]> {
    const { d, a, what } = await call('GET', '/jobs');
    if (a.status !== 200) throw classifySlurm(o.clusterId, what, a);
    const jobs = Array.isArray(a.body.jobs) ? (a.body.jobs as Record<string, unknown>[]) : [];
    const out = [];
    for (const raw of jobs) {
      const job = d.job(raw);
      const origin = originOf(job, unmarked);
      if (!origin) continue;
      known.set(origin.jobId, job.jobId);
      out.push({ job, jobId: origin.jobId, attempt: origin.attempt });
    }
    return out.sort((x, y) => y.job.jobId - x.job.jobId);
  }

  async function getById(id: number): Promise<SlurmJob | undefined> {
    const { d, a, what } = await call('GET', `/job/${id}`);
    if (a.status !== 200) {
      if (isUnknownJob(a)) return undefined;
      throw classifySlurm(o.clusterId, what, a);
    }
    const raw = Array.isArray(a.body.jobs)
      ? (a.body.jobs[0] as Record<string, unknown>)
      : undefined;
    return raw ? d.job(raw) : undefined;
  }

  /** This job's Slurm job: the one it is known by, else the newest listed with its name. */
  async function find(ref: TargetJobRef): Promise<SlurmJob | undefined> {
    const id = known.get(ref.jobId);
    if (id !== undefined) {
      const job = await getById(id);
      if (job && originOf(job, true)?.jobId === ref.jobId) return job;
      known.delete(ref.jobId);
    }
    return (await ownJobs(true)).find((j) => j.jobId === ref.jobId)?.job;
  }

  return {
    clusterId: o.clusterId,
    kind: 'slurm',
    async create(work: TargetWorkload) {
      const submit = toSubmit(work, settings, o.user, o.deployment);
      const same = (await ownJobs(true)).find(
        (j) => j.jobId === work.jobId && j.attempt === work.placement.attempt,
      );
      if (same) return 'exists';
      const { d, a, what } = await call('POST', '/job/submit', (v) => v.submitBody(submit));
      const id = a.status === 200 ? d.submittedId(a.body) : undefined;
      if (id === undefined) throw classifySlurm(o.clusterId, what, a);
      known.set(work.jobId, id);
      return 'created';
    },
    async cancel(ref) {
      const job = await find(ref);
      if (!job || hasEnded(job)) return false;
      const { a, what } = await call('DELETE', `/job/${job.jobId}`);
      if (a.status === 200) return true;
      if (isUnknownJob(a)) return false;
      throw classifySlurm(o.clusterId, what, a);
    },
    async status(ref) {
      const job = await find(ref);
      return job ? toStatus(job, ref.jobId) : undefined;
    },
    async list(): Promise<TargetJobStatus[]> {
      return (await ownJobs()).map((j) => toStatus(j.job, j.jobId));
    },
    async listUnmarked(): Promise<TargetJobStatus[]> {
      return (await ownJobs('only')).map((j) => toStatus(j.job, j.jobId));
    },
    async capacity() {
      const { d, a, what } = await call('GET', '/nodes');
      if (a.status !== 200) throw classifySlurm(o.clusterId, what, a);
      const raw = Array.isArray(a.body.nodes) ? (a.body.nodes as Record<string, unknown>[]) : [];
      const report = capacityFromNodes(
        raw.map(d.node),
        settings.partition,
        settings,
        iso(clock.now()),
      );
      const version = releaseOf(a.body);
      return version ? { ...report, version } : report;
    },
    async close() {
      known.clear();
    },
    ...(o.output ? { readOutput: readOutputWith(o.output) } : {}),
  };
}
