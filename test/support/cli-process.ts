// Runs the `switchyard` CLI the way a user does: the plain-JavaScript build (functions/cli/build.mjs,
// what `npm ci` produces) as a child process. Each test file builds its own copy into a temp dir
// from the current source, so a stale dist/ is never what is tested.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Builds the CLI into `dir` with the project's build script; returns the built file. */
export function buildCliInto(dir: string): string {
  const outfile = join(dir, 'switchyard.mjs');
  const r = spawnSync(process.execPath, [join(ROOT, 'functions/cli/build.mjs'), outfile], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stdout}\n${r.stderr}`);
  return outfile;
}

/** Runs `node script ...args` in `cwd`, bounded by `timeoutMs`; the env is the caller's. */
export function runNode(
  script: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchyard ${args.join(' ')} did not finish:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `cli(args)` bound to one built CLI, server and working directory. */
export function cliRunner(
  script: string,
  target: () => { url: string; token: string; cwd: string },
) {
  return (args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) => {
    const { url, token, cwd } = target();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SWITCHYARD_URL: url,
      SWITCHYARD_TOKEN: token,
      ...opts.env,
    };
    delete env.SWITCHYARD_DATA_DIR;
    return runNode(script, args, {
      cwd,
      env,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  };
}
