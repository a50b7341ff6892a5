/**
 * The dispatch benchmark's system under test: the embedded server (SQLite store and queue, the
 * dispatcher, in-process drainers, N simulated clusters in this process or in one of their own) started on a fresh data
 * directory, with its API rate limit raised so the load generator is not the one throttled. Plus
 * the load helpers: submitting jobs over HTTP and reading their events back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../shared/base/clock.js';
import { silentLogger } from '../../../shared/base/log.js';
import { parseConfig } from '../../../shared/config/schema.js';
import { startEmbedded, type Embedded } from '../../../functions/server/embedded.js';
import { parse, stringify } from 'yaml';
import { simulatedKubeconfig } from '../../../functions/server/kubeconfig.js';
import { inProcessStats, startSimsProcess, type StatsSource } from './sims-process.js';

/**
 * `poll`: the fixed-poll drainer; `event`: the event-driven drainer with every ack and log append
 * committed alone (the tree before batching them); `batch`: event-driven, those writes in the
 * group commit (the default now).
 */
export type Mode = 'poll' | 'event' | 'batch';

export const CLOUDS = ['aws', 'gcp', 'azure', 'onprem'];

/** `in-process`: the simulated clusters on the measured process's event loop;
 * `process`: in a process of their own, reached over loopback like real clusters. */
export type SimsMode = 'in-process' | 'process';

export interface System {
  emb: Embedded;
  token: string;
  /** Each cluster's request counter, Jobs created and duplicates. */
  stats: StatsSource;
  /** CPU time (µs) of the simulated clusters' own process so far; absent when they run here. */
  simsCpu?: () => Promise<number>;
  close(): Promise<void>;
}

const POOL = { accelerator: 'nvidia-a100', nodes: 8, gpusPerNode: 8 };

/** The simulated clusters' kubeconfig, marked so client-node accepts their plain-HTTP servers. */
function plainHttpKubeconfig(clusters: Array<{ id: string; url: string }>): string {
  const doc = parse(simulatedKubeconfig(clusters)) as { clusters: Array<{ cluster: object }> };
  for (const c of doc.clusters) Object.assign(c.cluster, { 'insecure-skip-tls-verify': true });
  return stringify(doc);
}

/** The embedded system with `clusters` simulated clusters of 8 × 8 A100s, drainers held. */
export async function startSystem(
  mode: Mode,
  clusters: number,
  sims: SimsMode = 'in-process',
): Promise<System> {
  const dataDir = mkdtempSync(join(tmpdir(), `sy-bench-dispatch-${mode}-`));
  const child = sims === 'process' ? await startSimsProcess(clusters) : undefined;
  const kubeconfig = join(dataDir, 'sims.kubeconfig');
  if (child) writeFileSync(kubeconfig, plainHttpKubeconfig(child.clusters), { mode: 0o600 });
  const config = parseConfig(
    {
      server: { port: 0 },
      store: {
        ...(process.env.BENCH_STORE ? { driver: process.env.BENCH_STORE } : {}),
        // `inline`: the SQLite writes on the event loop, as before the writer thread.
        ...(process.env.BENCH_WRITER ? { sqlite: { writer: process.env.BENCH_WRITER } } : {}),
      },
      dataDir,
      rateLimit: { perSecond: 100_000, burst: 1_000_000 },
      clusters: Array.from({ length: clusters }, (_, i) => ({
        id: `c${String(i).padStart(3, '0')}`,
        cloud: CLOUDS[i % CLOUDS.length],
        region: `r${i % 7}`,
        pools: [POOL],
        connect: child
          ? { kubeconfig: { file: kubeconfig, context: child.clusters[i]!.id } }
          : { simulated: { defaultDurationSeconds: 3600 } },
      })),
    },
    'bench:dispatch',
  );
  const emb = await startEmbedded(config, silentLogger, systemClock, {
    drainer: { fixedPoll: mode === 'poll', holdPull: true },
    batchConsumerWrites: mode === 'batch',
    // `in-process` means this process's event loop, not `npm start`'s worker thread.
    simulated: 'in-process',
  });
  if (!emb.adminToken) throw new Error('a fresh data directory should have given an admin token');
  return {
    emb,
    token: emb.adminToken,
    stats: child ? child.stats : inProcessStats(emb.sims),
    ...(child && { simsCpu: child.cpu }),
    async close() {
      await emb.close();
      await child?.close();
      if (!process.env.KEEP) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const JOB = (name: string) => ({
  name,
  project: 'bench',
  image: 'ghcr.io/acme/train:1.2',
  resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
});

/** POST /v1/jobs; resolves with the job id. */
export async function submit(sys: System, name: string): Promise<string> {
  const res = await fetch(`${sys.emb.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(JOB(name)),
  });
  const body = (await res.json()) as { id?: string; error?: { message: string } };
  if (res.status !== 202 || !body.id)
    throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

/** Submits `n` jobs over `concurrency` keep-alive clients. */
export async function submitMany(sys: System, n: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) ids.push(await submit(sys, `bench-${next++}`));
    }),
  );
  return ids;
}

export interface JobEvents {
  state: string;
  events: Array<{ state?: string; at: string }>;
}

export async function getJob(sys: System, id: string): Promise<JobEvents> {
  const res = await fetch(`${sys.emb.url}/v1/jobs/${id}`, {
    headers: { authorization: `Bearer ${sys.token}` },
  });
  if (res.status !== 200) throw new Error(`GET /v1/jobs/${id} answered ${res.status}`);
  return (await res.json()) as JobEvents;
}
