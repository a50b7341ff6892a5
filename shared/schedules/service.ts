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
import { issuesOf } from '../base/validation.js';
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

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = issuesOf(r.error);
  throw new AppError(
    'BAD_REQUEST',
    `the ${what} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    {
      details: { fields: issues },
    },
  );
}

function checkTemplate(
  ctx: CoreContext,
  principal: Principal,
  template: Record<string, unknown>,
): void {
  try {
    requireProject(principal, parseJobSpec(template, ctx.screenCallback).project);
  } catch (e) {
    if (e instanceof AppError && e.code === 'INVALID_JOB') {
      throw new AppError('BAD_REQUEST', `template is not a valid job: ${e.message}`, {
        details: {
          fields: (e.details?.fields as Array<{ path: string; message: string }>).map((f) => ({
            ...f,
            path: `template.${f.path}`,
          })),
        },
      });
    }
    throw e;
  }
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
      const input = parse(scheduleCreateSchema, body, 'schedule');
      validateCron(input.cron, input.timezone);
      checkTemplate(ctx, principal, input.template);
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
      const patch = parse(schedulePatchSchema, body, 'schedule change');
      if (patch.template) checkTemplate(ctx, principal, patch.template);
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
