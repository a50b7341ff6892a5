/**
 * Starts DynamoDB Local (AWS's own emulator, the jar shipped in the npm package
 * `amplify-dynamodb-simulator`) with Java on a free loopback port, for tests and local runs.
 * It runs in its own process group with a throwaway working directory (it writes a metadata file
 * there); `stop()` ends the whole group, so no `java` child outlives the test run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EMULATOR_DIR = fileURLToPath(
  new URL('../../node_modules/amplify-dynamodb-simulator/emulator', import.meta.url),
);
const JAR = join(EMULATOR_DIR, 'DynamoDBLocal.jar');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:40123` */
  endpoint: string;
  /** The emulator's process group (its CPU time can be read from /proc). */
  processGroup: number;
  /** Ends the emulator's process group; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Undefined when Java and the jar are present; otherwise one line saying what to install. */
export function dynamoDbLocalUnavailable(): string | undefined {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error || java.status !== 0) {
    return 'java was not found on PATH: install a Java 17+ runtime (e.g. apt-get install -y openjdk-17-jre-headless)';
  }
  if (!existsSync(JAR)) {
    return `DynamoDB Local was not found at ${JAR}: run npm ci (it comes with the dev dependency amplify-dynamodb-simulator)`;
  }
  return undefined;
}

/** Asks the OS for a free loopback port. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Starts DynamoDB Local in memory on `opts.port` (0 or absent: a free port) and waits until it answers. */
export async function startDynamoDbLocal(opts: { port?: number } = {}): Promise<DynamoDbLocal> {
  const missing = dynamoDbLocalUnavailable();
  if (missing) throw new Error(`cannot start DynamoDB Local: ${missing}`);
  const port = opts.port || (await freeLoopbackPort());
  const cwd = mkdtempSync(join(tmpdir(), 'switchyard-ddb-'));
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(EMULATOR_DIR, 'DynamoDBLocal_lib')}`,
      '-jar',
      JAR,
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (running && child.pid !== undefined) {
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(cwd, { recursive: true, force: true });
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`DynamoDB Local exited before it was ready: ${stderr.trim() || 'no output'}`);
    }
    // Any HTTP answer (DynamoDB Local answers an unsigned GET with 400) means it is serving.
    const ok = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
    if (ok) return { endpoint, processGroup: child.pid!, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 20 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
