/**
 * A real Slurm 22.05 on loopback for tests and local runs (shared/recipes part 1): a private munged,
 * slurmctld, one slurmd per node (several on one host, each its own port), and slurmrestd with JWT
 * on a free port, all under one folder with its own configuration, state, logs and pid files. The
 * state folder is emptied on every start, so each run begins with no jobs. Needs root (slurmd runs
 * jobs as their user) and Debian's Slurm packages; `slurmUnavailable()` says what is missing.
 */
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../emulators/pubsub.js';
import { gresConf, slurmConf, type SlurmLayout } from './conf.js';

const run = promisify(execFile);

export const SLURM_APT_LINE =
  'apt-get install -y --no-install-recommends slurmctld slurmd slurmrestd slurm-client ' +
  'slurm-wlm-jwt-plugin munge';

const BINARIES = ['slurmctld', 'slurmd', 'slurmrestd', 'scontrol', 'munged'];
const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Where the binary is, or undefined. */
function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...BIN_DIRS];
  return dirs.map((d) => join(d, name)).find(executable);
}

/** Whether slurm-wlm-jwt-plugin's `auth_jwt.so` is installed (only a Recommends of slurmctld). */
function hasJwtPlugin(): boolean {
  for (const root of ['/usr/lib', '/usr/lib64', '/usr/local/lib']) {
    if (!existsSync(root)) continue;
    for (const sub of ['', ...readdirSync(root)]) {
      for (const dir of ['slurm-wlm', 'slurm']) {
        if (existsSync(join(root, sub, dir, 'auth_jwt.so'))) return true;
      }
    }
  }
  return false;
}

/** `undefined` when the local Slurm can run here, else one line saying what to install or fix. */
export function slurmUnavailable(): string | undefined {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length > 0 || !hasJwtPlugin()) {
    const what = [...missing, ...(hasJwtPlugin() ? [] : ['auth_jwt.so'])].join(', ');
    return `Slurm is not installed (missing ${what}): install it with \`${SLURM_APT_LINE}\``;
  }
  if (process.getuid?.() !== 0)
    return 'the local Slurm needs root (slurmd starts jobs as their user)';
  return undefined;
}

export interface SlurmHarnessOptions {
  /** Folder for everything; default a new temp folder, removed again by `stop()`. */
  dir?: string;
  nodes?: number;
  gpusPerNode?: number;
  /** The user slurmrestd drops to and jobs run as. */
  user?: string;
  /** slurmrestd's port; default a free one. */
  restPort?: number;
  readyTimeoutMs?: number;
}

export interface RunningSlurm {
  /** slurmrestd, e.g. `http://127.0.0.1:41234`. */
  url: string;
  user: string;
  token: string;
  /** A file holding `token`, readable by anyone. */
  tokenFile: string;
  partition: string;
  /** A folder every job's user may write to: the `workdir` to configure. */
  workdir: string;
  dir: string;
  nodeNames: string[];
  /** Runs a Slurm command-line tool (`scontrol`, `squeue`, `scancel`) against this cluster. */
  cli(tool: 'scontrol' | 'squeue' | 'scancel', args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An HS256 token slurmrestd accepts: `sun` is the user, signed with the raw key file. */
export function mintSlurmToken(key: Buffer, user: string, lifetimeSeconds: number): string {
  const b64 = (v: object | Buffer) =>
    (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iat: now, exp: now + lifetimeSeconds, sun: user })}`;
  return `${body}.${b64(createHmac('sha256', key).update(body).digest())}`;
}

function prepareFolder(dir: string, layout: SlurmLayout): void {
  for (const sub of ['etc', 'state', 'spool', 'log', 'run', 'jobs', 'munge', 'dev']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  rmSync(join(dir, 'state'), { recursive: true, force: true }); // a clean run: no old jobs
  mkdirSync(join(dir, 'state'));
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'jobs'), 0o1777);
  chmodSync(join(dir, 'munge'), 0o755);
  for (const n of layout.nodes) {
    mkdirSync(join(dir, 'dev', n.name), { recursive: true });
    for (let i = 0; i < n.gpus; i++) {
      const link = join(dir, 'dev', n.name, `nvidia${i}`);
      if (!existsSync(link)) symlinkSync('/dev/null', link);
    }
  }
  writeFileSync(join(dir, 'etc', 'slurm.conf'), slurmConf(layout));
  writeFileSync(join(dir, 'etc', 'gres.conf'), gresConf(layout));
  const mungeKey = join(dir, 'munge', 'munge.key');
  if (!existsSync(mungeKey)) writeFileSync(mungeKey, randomBytes(1024), { mode: 0o600 });
  const jwtKey = join(dir, 'etc', 'jwt_hs256.key');
  if (!existsSync(jwtKey)) writeFileSync(jwtKey, randomBytes(32), { mode: 0o600 });
}

async function stopPidFile(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await sleep(50);
  if (alive()) process.kill(pid, 'SIGKILL');
}

async function waitReady(
  url: string,
  user: string,
  token: string,
  nodes: number,
  ms: number,
  accept: (state: string | undefined) => boolean = (state) => state === 'idle',
) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/slurm/v0.0.38/nodes`, {
        headers: { 'X-SLURM-USER-NAME': user, 'X-SLURM-USER-TOKEN': token },
      });
      const body = (await res.json()) as { nodes?: { state?: string }[] };
      const ready = (body.nodes ?? []).filter((n) => accept(n.state)).length;
      if (res.ok && ready === nodes) return;
      last = `HTTP ${res.status}, ${ready}/${nodes} nodes ready`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(100);
  }
  throw new Error(`the local Slurm was not ready after ${ms} ms (${last})`);
}

/** Stops the daemons a harness started in `dir`, by their pid files (for `dev:slurm down`). */
export async function stopSlurmIn(dir: string): Promise<void> {
  const run_ = join(dir, 'run');
  const daemons = existsSync(run_) ? readdirSync(run_).filter((f) => f.endsWith('.pid')) : [];
  await Promise.all(daemons.map((f) => stopPidFile(join(run_, f))));
  await stopPidFile(join(dir, 'munge', 'munged.pid'));
}

/** Starts the daemons and resolves once every node is idle behind slurmrestd. */
export async function startSlurm(opts: SlurmHarnessOptions = {}): Promise<RunningSlurm> {
  const missing = slurmUnavailable();
  if (missing) throw new Error(missing);
  const owned = opts.dir === undefined;
  const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), 'sy-slurm-')));
  const user = opts.user ?? 'nobody';
  const nodeCount = opts.nodes ?? 2;
  const nodes = [];
  for (let i = 1; i <= nodeCount; i++) {
    nodes.push({ name: `n${i}`, port: await freeLoopbackPort(), gpus: opts.gpusPerNode ?? 4 });
  }
  const layout: SlurmLayout = {
    dir,
    clusterName: 'switchyard',
    partition: 'debug',
    nodes,
    ctldPort: await freeLoopbackPort(),
  };
  prepareFolder(dir, layout);
  const env = { ...process.env, SLURM_CONF: join(dir, 'etc', 'slurm.conf') };
  const restPort = opts.restPort ?? (await freeLoopbackPort());
  const stopAll = async () => {
    await stopSlurmIn(dir);
    if (owned) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const m = join(dir, 'munge');
    await run(which('munged')!, [
      '--force',
      `--socket=${m}/munge.socket`,
      `--key-file=${m}/munge.key`,
      `--pid-file=${m}/munged.pid`,
      `--seed-file=${m}/munged.seed`,
      `--log-file=${m}/munged.log`,
    ]);
    await run(which('slurmctld')!, [], { env });
    for (const n of nodes) await run(which('slurmd')!, ['-N', n.name], { env });
    spawnRestd(dir, user, restPort, 'slurmrestd');
    const key = readFileSync(join(dir, 'etc', 'jwt_hs256.key'));
    const token = mintSlurmToken(key, user, 7 * 86_400);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, token + '\n', { mode: 0o644 });
    const url = `http://127.0.0.1:${restPort}`;
    await waitReady(url, user, token, nodes.length, opts.readyTimeoutMs ?? 30_000);
    return {
      url,
      user,
      token,
      tokenFile,
      partition: layout.partition,
      workdir: join(dir, 'jobs'),
      dir,
      nodeNames: nodes.map((n) => n.name),
      cli: slurmCli(dir),
      stop: async () => {
        await run(which('scancel')!, ['--full', '-u', user], { env }).catch(() => undefined);
        await stopAll();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Runs a Slurm command-line tool against the harness in `dir`. */
export function slurmCli(dir: string): RunningSlurm['cli'] {
  const env = { ...process.env, SLURM_CONF: join(dir, 'etc', 'slurm.conf') };
  return async (tool, args) => (await run(which(tool)!, args, { env })).stdout;
}

/** Starts a slurmrestd on `port` in the background, its pid in `run/<name>.pid`. */
function spawnRestd(dir: string, user: string, port: number, name: string): void {
  const env = { ...process.env, SLURM_CONF: join(dir, 'etc', 'slurm.conf'), SLURM_JWT: 'daemon' };
  const log = openSync(join(dir, 'log', `${name}.log`), 'a');
  const rest = spawn(
    which('slurmrestd')!,
    ['-u', user, '-g', groupOf(user), '-a', 'rest_auth/jwt', '-s', 'openapi/v0.0.38'].concat(
      `127.0.0.1:${port}`,
    ),
    { env, detached: true, stdio: ['ignore', log, log] },
  );
  rest.unref();
  writeFileSync(join(dir, 'run', `${name}.pid`), String(rest.pid));
}

/**
 * Stops the harness's controller (slurmctld, saving its state): an outage of Slurm itself, while
 * slurmd, slurmrestd and the jobs on the nodes stay up. slurmrestd then answers every call with an
 * error (after its own timeout, about 9 s here).
 */
export async function stopController(dir: string): Promise<void> {
  await stopPidFile(join(dir, 'run', 'slurmctld.pid'));
}

/**
 * Starts the controller of a harness again (it recovers the jobs from its saved state) and resolves
 * once every node has registered again and is usable (idle, mixed or allocated) behind slurmrestd.
 * The nodes would register on the controller's next ping (about 4 s here); `scontrol reconfigure`
 * as soon as it answers makes them register at once (about 1 s).
 */
export async function startController(
  slurm: Pick<RunningSlurm, 'dir' | 'url' | 'user' | 'token' | 'nodeNames'>,
  readyTimeoutMs = 30_000,
): Promise<void> {
  const env = { ...process.env, SLURM_CONF: join(slurm.dir, 'etc', 'slurm.conf') };
  await run(which('slurmctld')!, [], { env });
  const { url, user, token, nodeNames } = slurm;
  await waitReady(url, user, token, nodeNames.length, readyTimeoutMs, () => true);
  await run(which('scontrol')!, ['reconfigure'], { env });
  const usable = new Set(['idle', 'mixed', 'allocated']);
  await waitReady(url, user, token, nodeNames.length, readyTimeoutMs, (st) => usable.has(st ?? ''));
}

function groupOf(user: string): string {
  // nobody's group is nogroup on Debian; other users are expected to have a group of their name.
  return user === 'nobody' ? 'nogroup' : user;
}
