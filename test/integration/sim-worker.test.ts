// The embedded system with its simulated cluster in a worker thread (npm start's default): a job
// runs to the end on it, its Kubernetes Job is read through the sim's own URL, the handle's stats
// and faults reach the worker, and close() ends the worker (a process that starts and closes the
// system exits by itself). A taken port rejects the start with the worker's EADDRINUSE, which
// npm start words as before. The two child processes run while the other tests do.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../functions/server/embedded.js';
import { simHostingFromEnv } from '../../functions/server/sim-host.js';
import { systemClock } from '../../shared/base/clock.js';
import { silentLogger } from '../../shared/base/log.js';
import { parseConfig } from '../../shared/config/schema.js';
import { TSX_LOADER } from '../support/server-process.js';
import { submitAndWait } from '../support/embedded-jobs.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
let emb: Embedded;

function configFor(dataDir: string, simPort?: number) {
  return {
    server: { port: 0 },
    dataDir,
    clusters: [
      {
        id: 'sim-w',
        cloud: 'aws',
        region: 'r1',
        pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
        connect: { simulated: { defaultDurationSeconds: 1, ...(simPort && { port: simPort }) } },
      },
    ],
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-sim-worker-'));
  dirs.push(dir);
  return dir;
}

/** Runs node (with tsx) to its own exit; kills it and says so after `ms`. */
function runNode(args: string[], env: Record<string, string>, ms: number) {
  return new Promise<{ code: number | null; out: string; hung: boolean }>((resolve) => {
    const child = spawn(process.execPath, [...TSX_LOADER, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, hung });
    });
  });
}

/** A loopback port held by this test until `close`. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as { port: number }).port, server };
}

/** A process that starts the embedded system (worker-hosted sims) and closes it, without exit(). */
function startAndCloseInChild() {
  const embedded = pathToFileURL(join(ROOT, 'functions/server/embedded.ts')).href;
  const schema = pathToFileURL(join(ROOT, 'shared/config/schema.ts')).href;
  const logMod = pathToFileURL(join(ROOT, 'shared/base/log.ts')).href;
  const script = [
    `import { startEmbedded } from '${embedded}';`,
    `import { parseConfig } from '${schema}';`,
    `import { silentLogger } from '${logMod}';`,
    `const config = parseConfig(${JSON.stringify(configFor(tempDir()))}, 'exit check');`,
    `const sy = await startEmbedded(config, silentLogger);`,
    `const r = await fetch(sy.sims[0].url + '/sim/stats');`,
    `console.log('sim answered', r.status);`,
    `await sy.close();`,
    `console.log('closed');`,
  ].join('\n');
  const file = join(tempDir(), 'exit-check.mts');
  writeFileSync(file, script);
  return runNode([file], {}, 30_000);
}

let exitCheck: ReturnType<typeof runNode>;

beforeAll(async () => {
  exitCheck = startAndCloseInChild();
  const config = parseConfig(configFor(tempDir()), 'sim-worker test');
  emb = await startEmbedded(config, silentLogger, systemClock);
});

afterAll(async () => {
  await emb?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('simulated clusters in a worker thread', () => {
  it('runs a job to succeeded on the worker-hosted cluster, its Job readable at the sim URL', async () => {
    const [sim] = emb.sims;
    const { id, job } = await submitAndWait(emb, 'in-worker', {
      states: ['succeeded'],
      what: 'the job to succeed',
      ms: 20_000,
    });
    expect(job.clusterId).toBe('sim-w');
    const kube = await fetch(`${sim!.url}/apis/batch/v1/namespaces/sy-admin/jobs/sy-${id}`);
    expect(kube.status).toBe(200);
    expect(((await kube.json()) as { metadata: { name: string } }).metadata.name).toBe(`sy-${id}`);
    expect(Object.keys((await sim!.stats()).creates)).toEqual([`sy-admin/sy-${id}`]);
  });

  it('sets faults in the worker through the handle', async () => {
    const [sim] = emb.sims;
    await sim!.setFaults({ latencyMs: 5 });
    expect(await (await fetch(`${sim!.url}/sim/faults`)).json()).toEqual({ latencyMs: 5 });
    await expect(sim!.setFaults({ loseNodes: ['no-such-node'] })).rejects.toThrow(/no-such-node/);
    await sim!.setFaults({});
  });

  it('rejects the start with EADDRINUSE, address and port when the sim port is taken', async () => {
    const held = await holdPort();
    try {
      const config = parseConfig(configFor(tempDir(), held.port), 'sim-worker test');
      const failed = await startEmbedded(config, silentLogger).then(
        () => undefined,
        (e: unknown) => e as NodeJS.ErrnoException & { address?: string; port?: number },
      );
      expect(failed).toMatchObject({ code: 'EADDRINUSE', address: '127.0.0.1', port: held.port });
      // npm start words it as before.
      const file = join(tempDir(), 'config.json');
      writeFileSync(file, JSON.stringify(configFor(join(tempDir(), 'data'), held.port)));
      const main = join(ROOT, 'functions/server/main.ts');
      const run = await runNode([main], { SWITCHYARD_CONFIG: file, PORT: '0' }, 30_000);
      expect(run).toMatchObject({ code: 1, hung: false });
      expect(run.out).toContain(
        `switchyard could not start: 127.0.0.1:${held.port} is already in use.`,
      );
    } finally {
      held.server.close();
    }
  });

  it('ends the worker on close(): a process that starts and closes the system exits by itself', async () => {
    const run = await exitCheck;
    expect(run.out).toContain('sim answered 200');
    expect(run.out).toContain('closed');
    expect(run).toMatchObject({ code: 0, hung: false });
  });

  it('reads SWITCHYARD_SIMULATED: worker by default, in-process on request, else what to set', () => {
    expect(simHostingFromEnv({})).toBe('worker');
    expect(simHostingFromEnv({ SWITCHYARD_SIMULATED: 'in-process' })).toBe('in-process');
    expect(() => simHostingFromEnv({ SWITCHYARD_SIMULATED: 'thread' })).toThrow(
      'environment variable SWITCHYARD_SIMULATED must be worker or in-process, got "thread"',
    );
  });
});
