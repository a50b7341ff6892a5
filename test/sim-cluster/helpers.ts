/** Shared fixtures for the simulated-cluster tests: clients, job builders, bounded waits. */
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Job } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimCluster } from '../../infra/sim-cluster/index.js';
import type { SimCluster, SimClusterOptions } from '../../infra/sim-cluster/index.js';

export const ACCEL = 'nvidia-a100';

export function tempDir(prefix = 'sim-cluster-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a cluster with 2 nodes × 4 GPUs and a fast tick, unless overridden. */
export function startTestSim(overrides: Partial<SimClusterOptions> = {}): Promise<SimCluster> {
  return startSimCluster({
    id: 'test',
    pools: [{ accelerator: ACCEL, nodes: 2, gpusPerNode: 4 }],
    tickMs: 50,
    defaultDurationSeconds: 1,
    ...overrides,
  });
}

export function kubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: url, skipTLSVerify: true }],
    users: [{ name: 'sim' }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'sim' }],
    currentContext: 'sim',
  });
  return kc;
}

export function clients(url: string): { kc: KubeConfig; batch: BatchV1Api; core: CoreV1Api } {
  const kc = kubeConfig(url);
  return { kc, batch: kc.makeApiClient(BatchV1Api), core: kc.makeApiClient(CoreV1Api) };
}

export interface JobOptions {
  name: string;
  namespace?: string;
  gpus?: number;
  seconds?: number;
  exitCode?: number;
  labels?: Record<string, string>;
  accelerator?: string;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
}

/** A GPU job as Switchyard would submit it: nodeSelector on the accelerator, GPU toleration. */
export function gpuJob(o: JobOptions): V1Job {
  const env = [{ name: 'SIM_DURATION_SECONDS', value: String(o.seconds ?? 1) }];
  if (o.exitCode !== undefined) env.push({ name: 'SIM_EXIT_CODE', value: String(o.exitCode) });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, namespace: o.namespace ?? 'team-a', labels: o.labels ?? {} },
    spec: {
      ...(o.activeDeadlineSeconds ? { activeDeadlineSeconds: o.activeDeadlineSeconds } : {}),
      ...(o.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels: { app: 'trainer' } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'switchyard.io/accelerator': o.accelerator ?? ACCEL },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'main',
              image: 'ghcr.io/example/train:1',
              env,
              resources: { limits: { 'nvidia.com/gpu': String(o.gpus ?? 1) } },
            },
          ],
        },
      },
    },
  };
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function conditionTrue(job: V1Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The HTTP status and parsed Status body of a failed client-node call. */
export async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: number; body?: unknown; headers?: Record<string, string> };
    const body =
      typeof e.body === 'string'
        ? (JSON.parse(e.body) as Record<string, unknown>)
        : ((e.body ?? {}) as Record<string, unknown>);
    return { code: e.code ?? 0, body, headers: e.headers ?? {} };
  }
  throw new Error('expected the call to fail');
}
