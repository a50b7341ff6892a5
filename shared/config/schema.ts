/**
 * Configuration: one file (YAML or JSON) plus environment overrides, validated once at start with
 * messages that name the bad field.
 */
import { z } from 'zod';
import { AppError } from '../base/errors.js';
import { issuesOf } from '../base/validation.js';
import { kueueConflict } from './kueue.js';
import { connectErrors, slurmConnectSchema } from './slurm.js';
import { WORKLOAD_KINDS } from '../domain/job.js';

const id = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/, 'use 3-63 lower-case letters, digits and -');

const poolSchema = z.strictObject({
  accelerator: z.string().regex(/^[a-z0-9][-a-z0-9.]{0,62}$/),
  nodes: z.int().min(1).max(10_000),
  gpusPerNode: z.int().min(1).max(64),
  costPerGpuHour: z.number().nonnegative().optional(),
});

const connectSchema = z.union([
  z.strictObject({
    simulated: z.strictObject({
      /** 0 or absent: the server port + 1 + the cluster's index, or ephemeral when the server's is. */
      port: z.int().min(0).max(65_535).optional(),
      defaultDurationSeconds: z.number().positive().max(86_400).default(5),
      /** Workload operators the simulated cluster has (default jobset, kubeflow, ray). */
      operators: z
        .array(z.enum(['jobset', 'kubeflow', 'ray', 'kueue']))
        .max(4)
        .optional(),
      /** Installs a simulated Kueue: one ClusterQueue with this GPU quota, a LocalQueue per namespace. */
      kueue: z
        .strictObject({
          gpuQuota: z.int().min(0).max(1_000_000),
          clusterQueue: id.optional(),
          localQueue: id.optional(),
        })
        .optional(),
    }),
  }),
  z.strictObject({
    kubeconfig: z.strictObject({ file: z.string().optional(), context: z.string().optional() }),
  }),
  z.strictObject({ inCluster: z.literal(true) }),
  z.strictObject({ slurm: slurmConnectSchema }),
]);

export const clusterConfigSchema = z.strictObject({
  id,
  cloud: z.string().regex(/^[a-z0-9-]{2,32}$/),
  region: z.string().min(1).max(64),
  labels: z.record(z.string(), z.string()).default({}),
  /** Queue its drainer consumes; defaults to the cloud. */
  queue: id.optional(),
  pools: z.array(poolSchema).min(1),
  /** Workload kinds it runs before its drainer reports what it discovered; default `job` only. */
  kinds: z.array(z.enum(WORKLOAD_KINDS)).min(1).max(WORKLOAD_KINDS.length).optional(),
  connect: z.union(connectSchema.options, connectErrors),
  /** The cluster runs Kueue: its workloads go to this LocalQueue, created suspended. */
  kueue: z
    .strictObject({
      localQueue: z
        .string()
        .regex(
          /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
          'kueue.localQueue is the name of a Kueue LocalQueue in the job namespaces (lower-case letters, digits and -)',
        ),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65_535).default(8787),
      publicUrl: z.url().optional(),
      maxBodyBytes: z
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(256 * 1024),
    })
    .prefault({}),
  dataDir: z.string().default('.switchyard'),
  /**
   * This deployment's id, written on the jobs it makes on shared targets (Slurm comments, the
   * `switchyard.io/deployment` label on Kubernetes workloads), so two deployments sharing a Slurm
   * partition or a Kubernetes cluster never list, cancel or delete each other's jobs.
   * Absent: derived from the state store (functions/common/deployment.node.ts, docs/targets.md).
   */
  deployment: z
    .string()
    .regex(/^[a-z0-9][-a-z0-9]{0,62}$/, 'use 1-63 lower-case letters, digits and -, e.g. prod')
    .optional(),
  store: z
    .strictObject({
      driver: z.enum(['sqlite', 'memory', 'dynamodb']).default('sqlite'),
      dynamodb: z
        .strictObject({
          table: z.string().min(3).default('switchyard'),
          region: z.string().default('us-east-1'),
          /** DynamoDB Local, e.g. http://127.0.0.1:8000; absent = AWS. */
          endpoint: z.url().optional(),
          /** Create the table when missing (local development). */
          createTable: z.boolean().default(false),
        })
        .prefault({}),
      sqlite: z
        .strictObject({
          /**
           * `inline` (default): the embedded pair's writes (group commit, COMMIT, fsync) run on
           * the event loop; `thread`: on a worker thread of their own with a second connection.
           * On 2 cores `thread` measured no faster for submissions and slower for the drain
           * (docs/performance.md); it is for machines with cores to spare.
           */
          writer: z.enum(['thread', 'inline']).default('inline'),
        })
        .prefault({}),
    })
    .prefault({}),
  queue: z
    .strictObject({
      driver: z.enum(['sqlite', 'pubsub']).default('sqlite'),
      pubsub: z
        .strictObject({
          project: z.string().min(1).default('switchyard-local'),
          prefix: z.string().min(1).default('switchyard'),
          /** The Pub/Sub emulator, host:port; absent = Google Cloud (application default credentials). */
          emulatorHost: z.string().optional(),
          /** Create topics and subscriptions when missing (local development). */
          autoCreate: z.boolean().default(false),
        })
        .prefault({}),
      maxAttempts: z.int().min(1).max(100).default(5),
      visibilitySeconds: z.int().min(1).max(600).default(10),
    })
    .prefault({}),
  auth: z
    .strictObject({
      issuer: z.string().default('switchyard'),
      audience: z.string().default('switchyard-api'),
      adminTenant: id.default('admin'),
      adminTokenTtlDays: z.int().min(1).max(3650).default(365),
    })
    .prefault({}),
  scheduling: z
    .strictObject({
      heartbeatTimeoutSeconds: z.int().min(5).max(3600).default(60),
      redispatchAfterSeconds: z.int().min(5).max(3600).default(60),
      admissionIntervalSeconds: z.number().min(0.1).max(300).default(2),
      ttlSecondsAfterFinished: z
        .int()
        .min(60)
        .max(30 * 86_400)
        .default(3600),
      maxPlacementAttempts: z.int().min(1).max(20).default(3),
      offlineGraceSeconds: z.int().min(5).max(86_400).default(120),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      maxAttempts: z.int().min(1).max(50).default(8),
      timeoutSeconds: z.number().min(0.5).max(60).default(10),
      intervalSeconds: z.number().min(0.1).max(60).default(1),
      /**
       * Callback targets allowed despite the SSRF rules (host, host:port, or CIDR). For local
       * development only: the embedded default lists loopback so test receivers work.
       */
      allowHosts: z.array(z.string().min(1).max(255)).max(100).default([]),
    })
    .prefault({}),
  clusters: z
    .array(
      clusterConfigSchema.superRefine((c, ctx) => {
        const conflict = kueueConflict(c);
        if (conflict) ctx.addIssue({ code: 'custom', path: ['kueue'], message: conflict });
      }),
    )
    .default([]),
  /**
   * `inProcess: false`: the embedded server starts no drainer of its own, so another drainer (the
   * push function, README "Drainers as functions", or `npm run drainer`) is the only one.
   * `targetPollMs`: how often a drainer lists the jobs of a cluster without a watch (Slurm);
   * absent: every 2 s.
   */
  drainers: z
    .strictObject({
      inProcess: z.boolean().default(true),
      targetPollMs: z.int().min(100).max(600_000).optional(),
      /** How often in-process drainers report capacity (and the target's version). */
      heartbeatSeconds: z.number().min(0.1).max(60).default(5),
    })
    .prefault({}),
  /** Per API token (and per inbound hook), in this instance's memory. */
  rateLimit: z
    .strictObject({
      perSecond: z.number().min(0.01).max(100_000).default(100),
      burst: z.int().min(1).max(1_000_000).default(200),
    })
    .prefault({}),
  /** Per-tenant caps on stored resources; creating one more answers 409 QUOTA_EXCEEDED. */
  limits: z
    .strictObject({
      hooksPerTenant: z.int().min(1).max(100_000).default(100),
      schedulesPerTenant: z.int().min(1).max(100_000).default(100),
    })
    .prefault({}),
  /** Job output shipped by drainers: the last `capBytes` per job, kept `retentionHours`. */
  logs: z
    .strictObject({
      capBytes: z
        .int()
        .min(65_536)
        .max(64 * 1024 * 1024)
        .default(2 * 1024 * 1024),
      retentionHours: z
        .number()
        .min(1 / 60)
        .max(24 * 365)
        .default(168),
    })
    .prefault({}),
});

export type SwitchyardConfig = z.infer<typeof configSchema>;
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

/** Validates a parsed configuration document; `source` names it in messages. */
export function parseConfig(doc: unknown, source: string): SwitchyardConfig {
  const result = configSchema.safeParse(doc ?? {});
  if (!result.success) {
    const issues = issuesOf(result.error);
    throw new AppError(
      'INVALID_CONFIG',
      `${source} is not valid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
      { details: { fields: issues } },
    );
  }
  const config = result.data;
  const ids = new Set<string>();
  for (const [i, c] of config.clusters.entries()) {
    if (ids.has(c.id)) {
      throw new AppError(
        'INVALID_CONFIG',
        `${source} is not valid:\n  - clusters.${i}.id: duplicate cluster id ${c.id}`,
      );
    }
    ids.add(c.id);
  }
  return config;
}

/** Environment overrides, applied over the file before validation. */
export function applyEnv(
  doc: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const out = structuredClone(doc);
  const section = (name: string) => (out[name] ??= {}) as Record<string, unknown>;
  const int = (name: string, v: string) => {
    if (!/^\d+$/.test(v)) {
      throw new AppError(
        'INVALID_CONFIG',
        `environment variable ${name} must be a whole number, got "${v}"`,
      );
    }
    return Number(v);
  };
  if (env.PORT !== undefined) section('server').port = int('PORT', env.PORT);
  if (env.HOST !== undefined) section('server').host = env.HOST;
  const bool = (name: string, v: string) => {
    if (v !== 'true' && v !== 'false') {
      throw new AppError(
        'INVALID_CONFIG',
        `environment variable ${name} must be true or false, got "${v}"`,
      );
    }
    return v === 'true';
  };
  if (env.SWITCHYARD_IN_PROCESS_DRAINERS !== undefined)
    section('drainers').inProcess = bool(
      'SWITCHYARD_IN_PROCESS_DRAINERS',
      env.SWITCHYARD_IN_PROCESS_DRAINERS,
    );
  if (env.SWITCHYARD_PUBLIC_URL !== undefined)
    section('server').publicUrl = env.SWITCHYARD_PUBLIC_URL;
  if (env.SWITCHYARD_DATA_DIR !== undefined) out.dataDir = env.SWITCHYARD_DATA_DIR;
  if (env.SWITCHYARD_STORE !== undefined) section('store').driver = env.SWITCHYARD_STORE;
  if (env.SWITCHYARD_QUEUE !== undefined) section('queue').driver = env.SWITCHYARD_QUEUE;
  const sub = (parent: string, name: string) =>
    (section(parent)[name] ??= {}) as Record<string, unknown>;
  if (env.SWITCHYARD_SQLITE_WRITER !== undefined)
    sub('store', 'sqlite').writer = env.SWITCHYARD_SQLITE_WRITER;
  if (env.SWITCHYARD_DYNAMODB_TABLE !== undefined)
    sub('store', 'dynamodb').table = env.SWITCHYARD_DYNAMODB_TABLE;
  if (env.SWITCHYARD_DYNAMODB_ENDPOINT !== undefined) {
    sub('store', 'dynamodb').endpoint = env.SWITCHYARD_DYNAMODB_ENDPOINT;
    sub('store', 'dynamodb').createTable = true;
  }
  if (env.AWS_REGION !== undefined) sub('store', 'dynamodb').region = env.AWS_REGION;
  if (env.SWITCHYARD_PUBSUB_PROJECT !== undefined)
    sub('queue', 'pubsub').project = env.SWITCHYARD_PUBSUB_PROJECT;
  // The same name prefix the Worker reads as PUBSUB_PREFIX (wrangler.toml), for Node processes.
  if (env.SWITCHYARD_PUBSUB_PREFIX !== undefined)
    sub('queue', 'pubsub').prefix = env.SWITCHYARD_PUBSUB_PREFIX;
  if (env.PUBSUB_EMULATOR_HOST !== undefined) {
    sub('queue', 'pubsub').emulatorHost = env.PUBSUB_EMULATOR_HOST;
    sub('queue', 'pubsub').autoCreate = true;
  }
  return out;
}
