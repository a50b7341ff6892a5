/**
 * Configuration and wiring of the drainer function, shared by its Node server (main.ts) and its
 * Lambda handler (lambda.ts): the environment parsed once with zod, then the push app built with
 * client-node cluster drivers and the HTTP control plane. See README "Drainers as functions".
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { systemClock } from '../../shared/base/clock.js';
import { AppError } from '../../shared/base/errors.js';
import type { Logger } from '../../shared/base/log.js';
import { issuesOf } from '../../shared/base/validation.js';
import { createPushOidcVerifier, GOOGLE_JWKS_URL } from '../../shared/drainer/oidc.js';
import { createPushApp } from '../../shared/drainer/push.js';
import { createHttpControlPlane } from '../../shared/protocol/http-control.js';
import { clusterDrivers } from '../common/cluster-drivers.node.js';
import { drainerEnvFields, drainerToken } from '../common/drainer-env.node.js';
import { deploymentIdOf } from '../common/deployment.node.js';
import { slurmTargetsFor, splitDrainerClusters } from '../common/slurm-target.node.js';
import { loadConfig } from '../../shared/config/load.node.js';
import type { Target } from '../../shared/targets/port.js';

const envSchema = z.object({
  ...drainerEnvFields,
  DRAINER_FN_AUTH: z
    .enum(['oidc', 'none'], { error: 'DRAINER_FN_AUTH is oidc or none' })
    .default('oidc'),
  DRAINER_FN_AUDIENCE: z
    .url({ error: "DRAINER_FN_AUDIENCE must be this function's URL" })
    .optional(),
  DRAINER_FN_PUSH_SERVICE_ACCOUNT: z
    .email({ error: 'DRAINER_FN_PUSH_SERVICE_ACCOUNT must be the push service account email' })
    .optional(),
  DRAINER_FN_JWKS_URL: z.url().default(GOOGLE_JWKS_URL),
  DRAINER_FN_BUDGET_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(590_000, { error: 'DRAINER_FN_BUDGET_MS must stay inside the ack deadline (≤ 600 s)' })
    .default(8_000),
  DRAINER_FN_FOLLOW_UP_MS: z.coerce
    .number()
    .int()
    .min(0, { error: 'DRAINER_FN_FOLLOW_UP_MS is a delay in ms (0 turns the follow-up check off)' })
    .max(60_000)
    .default(1_000),
  DRAINER_FN_RECONCILE_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(200),
  DRAINER_FN_RECONCILE_BUDGET_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(1_700_000, {
      error: 'DRAINER_FN_RECONCILE_BUDGET_MS must stay inside the scheduler deadline',
    })
    .default(60_000),
  DRAINER_TTL_SECONDS_AFTER_FINISHED: z.coerce.number().int().min(0).default(3600),
  DRAINER_FN_HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8090),
});

export type DrainerFnEnv = z.infer<typeof envSchema>;

const fail = (message: string) => new AppError('INVALID_CONFIG', message);

/** Whether a listener on `host` is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Parses and checks the environment. `listener`: the host a Node server will bind, or `undefined`
 * for a runtime without one (Lambda), where `DRAINER_FN_AUTH=none` is always refused.
 */
export function parseDrainerFnEnv(
  env: Record<string, string | undefined>,
  listener: 'node' | 'lambda',
): DrainerFnEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw fail(
      `the drainer function is not configured:\n${issuesOf(parsed.error)
        .map((i) => `  - ${i.path}: ${i.message}`)
        .join('\n')}`,
    );
  const e = parsed.data;
  if (e.DRAINER_FN_AUTH === 'none') {
    if (listener === 'lambda')
      throw fail('DRAINER_FN_AUTH=none is refused on Lambda: a function URL is not loopback-only');
    if (!isLoopbackHost(e.DRAINER_FN_HOST))
      throw fail(
        `DRAINER_FN_AUTH=none is refused on ${e.DRAINER_FN_HOST}: bind DRAINER_FN_HOST=127.0.0.1 (emulator only) or use oidc`,
      );
  } else if (!e.DRAINER_FN_AUDIENCE || !e.DRAINER_FN_PUSH_SERVICE_ACCOUNT) {
    throw fail(
      "DRAINER_FN_AUTH=oidc needs DRAINER_FN_AUDIENCE (this function's URL) and DRAINER_FN_PUSH_SERVICE_ACCOUNT (the subscription's oidcToken service account)",
    );
  }
  if (!e.SWITCHYARD_TOKEN && !e.SWITCHYARD_TOKEN_FILE)
    throw fail('set SWITCHYARD_TOKEN or SWITCHYARD_TOKEN_FILE to a token with the drainer scope');
  return e;
}

/**
 * The push app and the drivers and targets it holds (close them on shutdown). `id=slurm` entries
 * of DRAINER_CLUSTERS read their `connect.slurm` from the configuration (SWITCHYARD_CONFIG).
 */
export function buildDrainerFn(
  e: DrainerFnEnv,
  log: Logger,
  env: Record<string, string | undefined> = process.env,
) {
  const token = drainerToken(e)!;
  const split = splitDrainerClusters(e.DRAINER_CLUSTERS);
  // The configuration gives this deployment's id, which scopes every cluster's workloads.
  const { config, source } = loadConfig(env);
  const deployment = deploymentIdOf(config);
  const clusters = clusterDrivers(split.kubernetes, e.KUBECONFIG, e.DRAINER_KUEUE, deployment);
  const targets = new Map<string, Target>();
  if (split.slurm.length > 0) {
    for (const [id, t] of slurmTargetsFor(split.slurm, config.clusters, source, deployment, log)) {
      targets.set(id, t);
    }
  }
  const app = createPushApp({
    queueName: e.DRAINER_QUEUE,
    clusters,
    targets,
    control: createHttpControlPlane({ baseUrl: e.SWITCHYARD_URL, token }),
    clock: systemClock,
    log,
    ttlSecondsAfterFinished: e.DRAINER_TTL_SECONDS_AFTER_FINISHED,
    budgetMs: e.DRAINER_FN_BUDGET_MS,
    followUpMs: e.DRAINER_FN_FOLLOW_UP_MS,
    reconcilePageSize: e.DRAINER_FN_RECONCILE_PAGE_SIZE,
    reconcileBudgetMs: e.DRAINER_FN_RECONCILE_BUDGET_MS,
    authenticate:
      e.DRAINER_FN_AUTH === 'none'
        ? 'none'
        : createPushOidcVerifier({
            audience: e.DRAINER_FN_AUDIENCE!,
            serviceAccount: e.DRAINER_FN_PUSH_SERVICE_ACCOUNT!,
            jwksUrl: e.DRAINER_FN_JWKS_URL,
          }),
  });
  return { app, clusters, targets };
}
