/**
 * slurmrestd's API versions differ in shape, not in meaning, so the driver speaks one neutral form
 * (SlurmSubmit in, SlurmJob / SlurmNode out) and a dialect per version translates:
 * - v0.0.38 (Slurm 22.05; tested for real): `environment` is an object, `gres: "gpu:N"`, plain
 *   numbers, `job_state` one string, `exit_code` the raw wait status (exit 3 shows as 768), node
 *   `state` a lower-case string with `state_flags` beside it.
 * - v0.0.40–v0.0.42 (Slurm 23.11–24.11; from their published OpenAPI): `environment` a list of
 *   `K=V`, `gres` ignored (GPUs through `tres_per_node: "gres/gpu:N"`), `minimum_nodes` /
 *   `maximum_nodes`, numbers as `{set, infinite, number}`, `job_state` and node `state` lists of
 *   upper-case flags, `exit_code` as `{status, return_code, signal}`; v0.0.41+ also put the submit
 *   answer under `result`. Edge-safe, pure.
 */

export const SUPPORTED_VERSIONS = ['v0.0.42', 'v0.0.41', 'v0.0.40', 'v0.0.38'] as const;
export type SlurmApiVersion = (typeof SUPPORTED_VERSIONS)[number];

/** A batch job to submit, independent of the API version. */
export interface SlurmSubmit {
  script: string;
  name: string;
  comment: string;
  partition: string;
  account?: string;
  cwd: string;
  stdout: string;
  env: Record<string, string>;
  nodes: number;
  /** Per node; 0 for none. `gresType` narrows it to a typed gres (`gpu:a100:N`). */
  gpusPerNode: number;
  gresType?: string;
  timeLimitMinutes?: number;
  cpusPerTask?: number;
  memoryPerNodeMb?: number;
}

/** A job as slurmrestd shows it, decoded. */
export interface SlurmJob {
  jobId: number;
  name: string;
  comment: string;
  /** Upper-case state and flags, e.g. `['PENDING']`, `['FAILED']`, `['PENDING','REQUEUED']`. */
  states: string[];
  reason: string;
  /** The command's exit code (wait status decoded; 128+signal when killed); undefined if none. */
  exitCode?: number;
  nodes: string;
  nodeCount?: number;
}

export interface SlurmNode {
  name: string;
  /** Upper-case state and flags, e.g. `['IDLE']`, `['IDLE','DRAIN']`, `['DOWN']`. */
  states: string[];
  gres: string;
  gresUsed: string;
  partitions: string[];
  reason: string;
}

type Raw = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A plain number, or a v0.0.40+ `{set, infinite, number}` (undefined when unset or infinite). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object') {
    const o = v as { set?: boolean; infinite?: boolean; number?: unknown };
    if (o.set === false || o.infinite === true) return undefined;
    return typeof o.number === 'number' ? o.number : undefined;
  }
  return undefined;
}

const noVal = (n: number) => ({ set: true, infinite: false, number: n });

function upperList(v: unknown, extra?: unknown): string[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' && v ? [v] : [];
  const flags = Array.isArray(extra) ? extra : [];
  return [...list, ...flags]
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.toUpperCase());
}

/** The command's exit code from v0.0.38's raw wait status: `>> 8`, or 128+signal when killed. */
export function fromWaitStatus(raw: number): number {
  const signal = raw & 0x7f;
  return signal === 0 ? (raw >> 8) & 0xff : 128 + signal;
}

function exitCodeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return fromWaitStatus(v);
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { status?: unknown; return_code?: unknown; signal?: { id?: unknown } };
  const status = upperList(o.status);
  const signal = num(o.signal?.id);
  if (status.includes('SIGNALED') && signal !== undefined && signal > 0) return 128 + signal;
  if (status.includes('PENDING')) return undefined;
  return num(o.return_code);
}

function gresRequest(s: SlurmSubmit, prefix: 'gpu' | 'gres/gpu'): string {
  return s.gresType ? `${prefix}:${s.gresType}:${s.gpusPerNode}` : `${prefix}:${s.gpusPerNode}`;
}

export interface Dialect {
  version: SlurmApiVersion;
  submitBody(s: SlurmSubmit): Raw;
  /** The new job's id from the submit answer. */
  submittedId(body: Raw): number | undefined;
  job(raw: Raw): SlurmJob;
  node(raw: Raw): SlurmNode;
}

function decodeJob(raw: Raw): SlurmJob {
  const job: SlurmJob = {
    jobId: num(raw.job_id) ?? 0,
    name: str(raw.name),
    comment: str(raw.comment),
    states: upperList(raw.job_state),
    reason: str(raw.state_reason),
    nodes: str(raw.nodes),
  };
  const exitCode = exitCodeOf(raw.exit_code);
  if (exitCode !== undefined) job.exitCode = exitCode;
  const count = num(raw.node_count);
  if (count !== undefined) job.nodeCount = count;
  return job;
}

function decodeNode(raw: Raw): SlurmNode {
  return {
    name: str(raw.name),
    states: upperList(raw.state, raw.state_flags),
    gres: str(raw.gres),
    gresUsed: str(raw.gres_used),
    partitions: Array.isArray(raw.partitions) ? raw.partitions.map(str) : [],
    reason: str(raw.reason),
  };
}

const v38: Dialect = {
  version: 'v0.0.38',
  submitBody(s) {
    const job: Raw = {
      name: s.name,
      comment: s.comment,
      partition: s.partition,
      current_working_directory: s.cwd,
      standard_output: s.stdout,
      environment: s.env,
      nodes: s.nodes,
    };
    if (s.account) job.account = s.account;
    if (s.gpusPerNode > 0) job.gres = gresRequest(s, 'gpu');
    if (s.timeLimitMinutes !== undefined) job.time_limit = s.timeLimitMinutes;
    if (s.cpusPerTask !== undefined) job.cpus_per_task = s.cpusPerTask;
    if (s.memoryPerNodeMb !== undefined) job.memory_per_node = s.memoryPerNodeMb;
    return { script: s.script, job };
  },
  submittedId: (body) => num(body.job_id),
  job: decodeJob,
  node: decodeNode,
};

function modern(version: SlurmApiVersion): Dialect {
  return {
    version,
    submitBody(s) {
      const job: Raw = {
        name: s.name,
        comment: s.comment,
        partition: s.partition,
        current_working_directory: s.cwd,
        standard_output: s.stdout,
        environment: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
        minimum_nodes: s.nodes,
        maximum_nodes: s.nodes,
      };
      if (s.account) job.account = s.account;
      if (s.gpusPerNode > 0) job.tres_per_node = gresRequest(s, 'gres/gpu');
      if (s.timeLimitMinutes !== undefined) job.time_limit = noVal(s.timeLimitMinutes);
      if (s.cpusPerTask !== undefined) job.cpus_per_task = s.cpusPerTask;
      if (s.memoryPerNodeMb !== undefined) job.memory_per_node = noVal(s.memoryPerNodeMb);
      return { script: s.script, job };
    },
    submittedId(body) {
      const result = body.result as Raw | undefined;
      return num(body.job_id) ?? (result ? num(result.job_id) : undefined);
    },
    job: decodeJob,
    node: decodeNode,
  };
}

/**
 * The Slurm release an answer's `meta` names (`22.05.8`): v0.0.38 under `meta.Slurm`, v0.0.40+
 * under `meta.slurm`, each with `release` and `version: {major, minor, micro}` (numbers in v0.0.38,
 * strings in the newer OpenAPI documents). Every answer
 * carries it, so capacity reads it off the nodes answer without a request of its own.
 */
export function releaseOf(body: Raw): string | undefined {
  const meta = body.meta as Raw | undefined;
  const slurm = (meta?.Slurm ?? meta?.slurm) as Raw | undefined;
  if (!slurm) return undefined;
  if (typeof slurm.release === 'string' && slurm.release) return slurm.release;
  const v = slurm.version as Raw | undefined;
  // v0.0.38 numbers; v0.0.40+ publishes them as strings ("23", "11", "1").
  const part = (x: unknown) => (typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : num(x));
  const [major, minor, micro] = [v?.major, v?.minor, v?.micro].map(part);
  if (major === undefined || minor === undefined || micro === undefined) return undefined;
  return `${major}.${String(minor).padStart(2, '0')}.${micro}`; // Slurm's own form: 22.05.8
}

export const DIALECTS: Record<SlurmApiVersion, Dialect> = {
  'v0.0.38': v38,
  'v0.0.40': modern('v0.0.40'),
  'v0.0.41': modern('v0.0.41'),
  'v0.0.42': modern('v0.0.42'),
};

/** The newest version both sides speak, from the paths of the server's `/openapi/v3`. */
export function pickVersion(paths: string[]): SlurmApiVersion | undefined {
  return SUPPORTED_VERSIONS.find((v) => paths.includes(`/slurm/${v}/job/submit`));
}
