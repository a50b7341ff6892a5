/**
 * Inbound hooks: signed webhooks that submit jobs. A hook belongs to a tenant and a project, has
 * a secret (shown once), a signature scheme and a job template. Management needs `jobs:submit`
 * on the hook's project (reading needs `jobs:read`); another tenant's hook is "not found".
 *
 * Receiving: verify over the raw bytes, fill the template from the payload, and submit through
 * `JobService.submit` as a principal holding only `jobs:submit` on the hook's project, with the
 * idempotency key `hook:<hookId>:<replay key>` (the signed message id, or for GitHub the body's
 * SHA-256): a replayed message returns the same job.
 */
import { z } from 'zod';
import type { Principal } from '../domain/principal.js';
import { requireProject, requireScope, systemPrincipal } from '../domain/principal.js';
import { canSee, hookOwner, loadOwned, type OwnedKind } from '../auth/ownership.js';
import { parseStrict } from '../auth/token-service.js';
import { newId } from '../base/clock.js';
import { AppError, notFound } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { checkTenantLimit, nowIso } from '../context/core-context.js';
import type { JobService, SubmitResult } from '../jobs/service.js';
import { parseJobSpec } from '../domain/spec.js';
import { withoutSecrets } from '../jobs/redact.js';
import type { Hook } from '../store/port.js';
import { generateWebhookSecret } from '../webhooks/standard-webhooks.js';
import { fillTemplate, sampleFill, templateIssues } from './template.js';
import { verifyInbound, type VerifiedMessage } from './verify.js';

const PROJECT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Secrets kept per hook: the newest and the one before it, during rotation. */
const MAX_SECRETS = 2;

export const hookCreateSchema = z.strictObject({
  project: z.string().max(63).regex(PROJECT, 'a project name (lower-case letters, digits, -)'),
  description: z.string().max(200).default(''),
  scheme: z.enum(['standard-webhooks', 'github']).default('standard-webhooks'),
  template: z.record(z.string(), z.unknown()),
});

/** What the API shows of a hook: never its secrets, nor its template's callback secret. */
export function hookView(hook: Hook) {
  return {
    id: hook.id,
    project: hook.project,
    description: hook.description,
    scheme: hook.scheme,
    template: withoutSecrets(hook.template, hook.createdAt),
    path: `/v1/hooks/${hook.id}`,
    secrets: hook.secrets.length,
    createdBy: hook.createdBy,
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
  };
}

export interface HookServiceOptions {
  /** Largest inbound payload, checked before any HMAC work. Default 256 KiB. */
  maxBodyBytes?: number;
}

export interface ReceiveResult extends SubmitResult {
  hook: Hook;
}

/**
 * Rate limits around verification, so forgeries are counted apart from genuine deliveries: a
 * flood of bad signatures must not use up the hook's own allowance.
 */
export interface IntakeGuard {
  /** The signature is valid; charge the hook's bucket (throws `RATE_LIMITED` when empty). */
  verified(hookId: string): void;
  /** The hook is unknown or the signature failed; throws `RATE_LIMITED` past the failure limit. */
  failed(hookId: string): void;
}

export function createHookService(
  ctx: CoreContext,
  jobs: JobService,
  options: HookServiceOptions = {},
) {
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;

  const hookKind: OwnedKind<Hook> = {
    name: 'hook',
    load: (id) => ctx.store.hooks.get(id),
    owner: hookOwner,
  };
  /** A hook of the caller's tenant and projects, or "not found". */
  const owned = (caller: Principal, id: string) => loadOwned(caller, hookKind, id);

  function checkTemplate(
    project: string,
    template: Record<string, unknown>,
  ): Record<string, unknown> {
    if ('project' in template && template.project !== project) {
      throw new AppError(
        'BAD_REQUEST',
        `template.project must be ${project} (the hook's project) or absent`,
      );
    }
    const withProject = { ...template, project };
    const issues = templateIssues(withProject);
    if (issues.length > 0) {
      throw new AppError(
        'BAD_REQUEST',
        `the template is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        {
          details: { fields: issues },
        },
      );
    }
    try {
      parseJobSpec(sampleFill(withProject), ctx.screenCallback);
    } catch (e) {
      if (e instanceof AppError) {
        throw new AppError(
          'BAD_REQUEST',
          `the template is not a valid job submission: ${e.message}`,
          {
            details: e.details,
          },
        );
      }
      throw e;
    }
    return withProject;
  }

  return {
    /** Creates a hook; the answer holds its secret, which is never shown again. */
    async create(caller: Principal, body: unknown) {
      requireScope(caller, 'jobs:submit');
      const req = parseStrict(hookCreateSchema, body, 'hook');
      requireProject(caller, req.project);
      const existing = await ctx.store.hooks.listByTenant(caller.tenantId);
      checkTenantLimit('hooks', caller.tenantId, existing.length, ctx.settings.hooksPerTenant);
      const at = nowIso(ctx);
      const secret = generateWebhookSecret();
      const hook: Hook = {
        id: `hk_${newId(ctx.clock)}`,
        tenantId: caller.tenantId,
        project: req.project,
        description: req.description,
        scheme: req.scheme,
        secrets: [secret],
        template: checkTemplate(req.project, req.template),
        createdBy: caller.tokenId,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await ctx.store.hooks.create(hook);
      return { ...hookView(hook), secret };
    },

    async list(caller: Principal) {
      requireScope(caller, 'jobs:read');
      const hooks = await ctx.store.hooks.listByTenant(caller.tenantId);
      return hooks.filter((h) => canSee(caller, h.tenantId, h.project)).map(hookView);
    },

    async get(caller: Principal, id: string) {
      requireScope(caller, 'jobs:read');
      return hookView(await owned(caller, id));
    },

    async delete(caller: Principal, id: string) {
      requireScope(caller, 'jobs:submit');
      await owned(caller, id);
      if (!(await ctx.store.hooks.delete(id))) throw notFound(`hook ${id}`);
    },

    /** Adds a new secret; the previous one keeps verifying until the next rotation. */
    async rotateSecret(caller: Principal, id: string) {
      requireScope(caller, 'jobs:submit');
      const hook = await owned(caller, id);
      const secret = generateWebhookSecret();
      const stored = await ctx.store.hooks.update({
        ...hook,
        secrets: [secret, ...hook.secrets].slice(0, MAX_SECRETS),
        updatedAt: nowIso(ctx),
      });
      return { ...hookView(stored), secret };
    },

    /** Verifies a signed delivery and submits its job (once per message id). */
    async receive(
      hookId: string,
      headers: Headers,
      rawBody: Uint8Array,
      guard?: IntakeGuard,
    ): Promise<ReceiveResult | { ping: true }> {
      // 1. The hook, and the signature over the raw bytes; only then the hook's rate bucket.
      let hook: Hook, message: VerifiedMessage;
      try {
        const found = await ctx.store.hooks.get(hookId);
        if (!found) throw notFound(`hook ${hookId}`);
        hook = found;
        message = await verifyInbound(hook, {
          headers,
          rawBody,
          nowSeconds: Math.floor(ctx.clock.now() / 1000),
          maxBodyBytes,
        });
      } catch (e) {
        if (e instanceof AppError && (e.code === 'UNAUTHENTICATED' || e.code === 'NOT_FOUND')) {
          guard?.failed(hookId);
        }
        throw e;
      }
      guard?.verified(hook.id);
      if (message.event === 'ping') return { ping: true };

      // 2. The payload, as JSON, fills the template.
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
      } catch {
        throw new AppError('BAD_REQUEST', 'the webhook body is not valid UTF-8 JSON');
      }
      const body = fillTemplate(hook.template, payload);

      // 3. Submit as the hook, keyed on what the signature covers, so a replay is the same job.
      const principal = systemPrincipal(
        hook.tenantId,
        hook.project,
        { kind: 'hook', id: hook.id },
        ['jobs:submit'],
      );
      try {
        const result = await jobs.submit(principal, body, `hook:${hook.id}:${message.replayKey}`);
        return { ...result, hook };
      } catch (e) {
        throw inTermsOfMessageId(e, message.id);
      }
    },
  };
}

/** The submit path speaks of an Idempotency-Key; a hook's sender only knows its message id. */
function inTermsOfMessageId(e: unknown, messageId: string): unknown {
  if (!(e instanceof AppError)) return e;
  if (e.code === 'IDEMPOTENCY_KEY_REUSED') {
    return new AppError(
      e.code,
      `webhook message id ${messageId} was already delivered with a different body: send a new message id for a new job`,
      { details: { messageId }, cause: e },
    );
  }
  if (e.code === 'IDEMPOTENCY_KEY_IN_USE') {
    return new AppError(
      e.code,
      `webhook message id ${messageId} is still being processed: retry shortly`,
      { details: { messageId }, retryable: true, cause: e },
    );
  }
  return e;
}

export type HookService = ReturnType<typeof createHookService>;
