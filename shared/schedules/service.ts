/**
 * Scheduled batch triggers: CRUD for cron schedules whose every slot submits a job from a
 * template. Validation happens here; firing lives in fire.ts.
 */
import { z } from 'zod';
import type { Principal } from '../domain/principal.js';
import { requireProject, requireScope } from '../domain/principal.js';
import { newId } from '../base/clock.js';
import { AppError, VersionConflictError } from '../base/errors.js';
import type { CoreContext } from '../context/core-context.js';
import { parseJobSpec } from '../domain/spec.js';
import { issuesOf, fieldsError } from '../base/validation.js';
import { checkTenantLimit, nowIso } from '../context/core-context.js';
import { canSee, loadOwned, scheduleOwner, type OwnedKind } from '../auth/ownership.js';
import { withoutSecrets } from '../jobs/redact.js';
import type { Schedule } from '../store/port.js';
import { nextSlot, nextSlots, validateCron } from './cron.js';

const fields = {
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'name is lower-case letters, digits and -'),
  cron: z.string().min(9).max(120),
  timezone: z.string().min(1).max(64),
  template: z.record(z.string(), z.unknown()),
  concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']),
  maxCatchUp: z.int().min(0).max(100),
  suspended: z.boolean(),
};

export const scheduleCreateSchema = z.strictObject({
  ...fields,
  timezone: fields.timezone.default('UTC'),
  concurrencyPolicy: fields.concurrencyPolicy.default('Allow'),
  maxCatchUp: fields.maxCatchUp.default(1),
  suspended: fields.suspended.default(false),
});
export const schedulePatchSchema = z.strictObject(fields).partial();

type Issue = { path: string; message: string };

/** The field issues an AppError carries (cron, time zone, template), with the message in full. */
function issuesOfError(e: unknown, prefix = ''): Issue[] {
  if (!(e instanceof AppError) || (e.code !== 'BAD_REQUEST' && e.code !== 'INVALID_JOB')) throw e;
  const fields = (e.details?.fields as Issue[] | undefined) ?? [{ path: '(body)', message: '' }];
  // cron.ts puts the explanation in the message and a short note in each field.
  return fields.map((f) => ({
    path: `${prefix}${f.path}`,
    message: e.code === 'INVALID_JOB' ? f.message : e.message,
  }));
}

/** Every issue of one check, or none. */
function collect(check: () => void, prefix = ''): Issue[] {
  try {
    check();
    return [];
  } catch (e) {
    return issuesOfError(e, prefix);
  }
}

/**
 * Validates a schedule body against `schema` and, as far as they are readable, its cron and time
 * zone (`timing` gives them, after merging with the stored schedule for a change) and its job
 * template; throws one BAD_REQUEST listing every bad field, like a job submission does.
 */
function validate<T>(
  ctx: CoreContext,
  schema: z.ZodType<T>,
  body: unknown,
  what: string,
  timing: (raw: Record<string, unknown>) => { cron: unknown; timezone: unknown },
): T {
  const r = schema.safeParse(body);
  const issues: Issue[] = r.success ? [] : issuesOf(r.error);
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const bad = new Set(issues.map((i) => i.path));
  const { cron, timezone } = timing(raw);
  if (typeof cron === 'string' && typeof timezone === 'string' && !bad.has('cron')) {
    issues.push(...collect(() => validateCron(cron, timezone)).filter((i) => !bad.has(i.path)));
  }
  const template = raw.template;
  if (template && typeof template === 'object' && !Array.isArray(template)) {
    issues.push(...collect(() => parseJobSpec(template, ctx.screenCallback), 'template.'));
  }
  if (issues.length > 0 || !r.success) {
    throw fieldsError('BAD_REQUEST', `the ${what} has ${issues.length} invalid field(s)`, issues);
  }
  return r.data;
}

/** The template's project must be one the caller may use (validated as a job already). */
function checkTemplateProject(principal: Principal, template: Record<string, unknown>): void {
  requireProject(principal, String(template.project));
}

/** What reads show of a schedule: never its template's callback secret. */
export function scheduleView(s: Schedule, now: number) {
  const { version: _v, templateSetAt, ...rest } = s;
  return {
    ...rest,
    recentRuns: s.recentRuns ?? [],
    template: withoutSecrets(s.template, templateSetAt ?? s.createdAt),
    nextFireTimes: s.suspended
      ? []
      : nextSlots(s.cron, s.timezone, now - 1, 5).map((t) => new Date(t).toISOString()),
  };
}

export function createScheduleService(ctx: CoreContext) {
  const scheduleKind: OwnedKind<Schedule> = {
    name: 'schedule',
    load: (id) => ctx.store.schedules.get(id),
    owner: scheduleOwner,
  };
  const owned = (principal: Principal, id: string) => loadOwned(principal, scheduleKind, id);

  return {
    async create(principal: Principal, body: unknown): Promise<Schedule> {
      requireScope(principal, 'schedules:write');
      const input = validate(ctx, scheduleCreateSchema, body, 'schedule', (raw) => ({
        cron: raw.cron,
        timezone: raw.timezone ?? 'UTC',
      }));
      checkTemplateProject(principal, input.template);
      const existing = await ctx.store.schedules.listByTenant(principal.tenantId);
      checkTenantLimit(
        'schedules',
        principal.tenantId,
        existing.length,
        ctx.settings.schedulesPerTenant,
      );
      const now = ctx.clock.now();
      const schedule: Schedule = {
        id: `sch_${newId(ctx.clock)}`,
        tenantId: principal.tenantId,
        ...input,
        nextFireAt: new Date(nextSlot(input.cron, input.timezone, now)).toISOString(),
        activeJobIds: [],
        createdBy: principal.tokenId,
        createdAt: nowIso(ctx),
        updatedAt: nowIso(ctx),
        version: 1,
      };
      await ctx.store.schedules.create(schedule);
      return schedule;
    },

    async get(principal: Principal, id: string): Promise<Schedule> {
      requireScope(principal, 'jobs:read');
      return owned(principal, id);
    },

    async list(principal: Principal): Promise<Schedule[]> {
      requireScope(principal, 'jobs:read');
      const all = await ctx.store.schedules.listByTenant(principal.tenantId);
      return all.filter((s) => {
        const { tenantId, project } = scheduleOwner(s);
        return canSee(principal, tenantId, project);
      });
    },

    async update(principal: Principal, id: string, body: unknown): Promise<Schedule> {
      requireScope(principal, 'schedules:write');
      const stored = await owned(principal, id);
      const patch = validate(ctx, schedulePatchSchema, body, 'schedule change', (raw) =>
        raw.cron === undefined && raw.timezone === undefined
          ? { cron: undefined, timezone: undefined }
          : { cron: raw.cron ?? stored.cron, timezone: raw.timezone ?? stored.timezone },
      );
      if (patch.template) checkTemplateProject(principal, patch.template);
      for (let tries = 0; tries < 10; tries++) {
        const current = await owned(principal, id);
        const next: Schedule = {
          ...current,
          ...patch,
          ...(patch.template ? { templateSetAt: nowIso(ctx) } : {}),
          updatedAt: nowIso(ctx),
        };
        validateCron(next.cron, next.timezone);
        const timingChanged = patch.cron !== undefined || patch.timezone !== undefined;
        const resumed = current.suspended && patch.suspended === false;
        if (timingChanged || resumed) {
          // Resuming does not replay the slots missed while suspended.
          next.nextFireAt = new Date(
            nextSlot(next.cron, next.timezone, ctx.clock.now()),
          ).toISOString();
        }
        try {
          return await ctx.store.schedules.update(next);
        } catch (e) {
          if (!(e instanceof VersionConflictError)) throw e;
        }
      }
      throw new VersionConflictError(`schedule ${id}`);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      requireScope(principal, 'schedules:write');
      await owned(principal, id);
      await ctx.store.schedules.delete(id);
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
