/**
 * Starts and stops Google's Pub/Sub emulator (from the Cloud SDK, on the machine image) for tests
 * and local runs: a free loopback port, its own process group (the launcher script starts a `java`
 * child that would outlive it), readiness polled with a bound, and a stop that ends the whole group.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export const PUBSUB_EMULATOR_BIN =
  process.env.PUBSUB_EMULATOR_BIN ??
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const onPath = (name: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, name)));

/** `undefined` when the emulator can run here, else one line saying what to install. */
export function pubSubEmulatorUnavailable(): string | undefined {
  if (!executable(PUBSUB_EMULATOR_BIN)) {
    return (
      `the Pub/Sub emulator is not at ${PUBSUB_EMULATOR_BIN}: install it with ` +
      '`apt-get install google-cloud-cli-pubsub-emulator` (or `gcloud components install ' +
      'pubsub-emulator`), or set PUBSUB_EMULATOR_BIN'
    );
  }
  const javaHome = process.env.JAVA_HOME;
  if (!onPath('java') && !(javaHome && executable(join(javaHome, 'bin', 'java')))) {
    return 'the Pub/Sub emulator needs Java 11+: install it with `apt-get install openjdk-17-jre-headless`';
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (closed again before the emulator binds it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether any process of group `pgid` is still alive. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface RunningPubSubEmulator {
  /** `127.0.0.1:PORT`, for PUBSUB_EMULATOR_HOST / apiEndpoint. */
  host: string;
  /** The emulator's process group (its CPU time can be read from /proc). */
  processGroup: number;
  stop(): Promise<void>;
}

/** Starts the emulator and resolves once `GET /` answers `Ok` (at most ~20 s). */
export async function startPubSubEmulator(
  opts: { port?: number; readyTimeoutMs?: number } = {},
): Promise<RunningPubSubEmulator> {
  const missing = pubSubEmulatorUnavailable();
  if (missing) throw new Error(missing);
  const port = opts.port ?? (await freeLoopbackPort());
  const host = `127.0.0.1:${port}`;
  const child = spawn(PUBSUB_EMULATOR_BIN, [`--host=127.0.0.1`, `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${PUBSUB_EMULATOR_BIN}`);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  let exited = false;
  child.once('exit', () => (exited = true));

  const stop = async () => {
    child.stderr?.destroy();
    if (!groupAlive(pgid)) return;
    process.kill(-pgid, 'SIGTERM');
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    if (groupAlive(pgid)) {
      process.kill(-pgid, 'SIGKILL');
      for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    }
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new Error(`the Pub/Sub emulator exited during start-up: ${stderr.trim().slice(-500)}`);
    }
    try {
      const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      if ((await response.text()).trim() === 'Ok') return { host, processGroup: pgid!, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the Pub/Sub emulator did not answer on ${host} within the start-up bound`);
}
