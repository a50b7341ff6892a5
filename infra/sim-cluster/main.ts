/**
 * Runs one simulated Kubernetes API server until Ctrl-C.
 *   npx tsx infra/sim-cluster/main.ts --id dev --port 18001 --pool nvidia-a100:2x8 [--pool …]
 *     [--data dev.db] [--duration 3] [--tick 200] [--host 127.0.0.1] [--quiet]
 *     [--operators jobset,kubeflow,ray,kueue] [--kueue-gpus 16]
 * `--pool ACCELERATOR:NODESxGPUS` adds a node pool (default nvidia-a100:2x8).
 */
import { parseArgs } from 'node:util';
import type { Operator, SimNodePool } from './options.js';
import { OPERATORS } from './workloads/crds.js';
import { startSimCluster } from './server.js';

function parseOperators(text: string | undefined): Operator[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').filter(Boolean);
  const bad = list.filter((o) => !(OPERATORS as readonly string[]).includes(o));
  if (bad.length)
    throw new Error(
      `--operators: unknown ${bad.join(', ')}; use a list of ${OPERATORS.join(', ')}`,
    );
  return list as Operator[];
}

function parsePool(text: string): SimNodePool {
  const m = /^([a-z0-9][-a-z0-9.]*):(\d+)x(\d+)$/i.exec(text);
  if (!m) {
    throw new Error(
      `--pool "${text}" is not ACCELERATOR:NODESxGPUS; write e.g. --pool nvidia-a100:2x8`,
    );
  }
  return { accelerator: m[1] ?? '', nodes: Number(m[2]), gpusPerNode: Number(m[3]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string', default: 'dev' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      pool: { type: 'string', multiple: true },
      data: { type: 'string' },
      duration: { type: 'string', default: '3' },
      tick: { type: 'string', default: '200' },
      quiet: { type: 'boolean', default: false },
      operators: { type: 'string' },
      'kueue-gpus': { type: 'string' },
    },
  });
  const numbers = {
    port: Number(values.port),
    duration: Number(values.duration),
    tick: Number(values.tick),
    'kueue-gpus': Number(values['kueue-gpus'] ?? 0),
  };
  for (const [name, n] of Object.entries(numbers)) {
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
  }
  const sim = await startSimCluster({
    id: values.id,
    host: values.host,
    port: numbers.port,
    pools: (values.pool ?? ['nvidia-a100:2x8']).map(parsePool),
    defaultDurationSeconds: numbers.duration,
    tickMs: numbers.tick || 200,
    ...(values.data ? { dataFile: values.data } : {}),
    ...(values.operators !== undefined ? { operators: parseOperators(values.operators) } : {}),
    ...(values['kueue-gpus'] ? { kueue: { gpuQuota: numbers['kueue-gpus'] } } : {}),
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(
    `simulated Kubernetes API (Switchyard, not a real cluster) for "${sim.id}": ${sim.url}`,
  );
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
