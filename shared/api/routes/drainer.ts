/** /v1/drainer: what remote drainers call — claim a dispatch, report status, report capacity. */
import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope } from '../../auth/principal.js';
import { AppError } from '../../errors.js';
import { issuesOf } from '../../jobs/spec.js';
import type { AppDeps, AppEnv } from '../app.js';
import { readJson } from '../app.js';

export const claimSchema = z.strictObject({
  jobId: z.string().max(64),
  clusterId: z.string().max(63),
  attempt: z.int().min(1),
});
export const reportSchema = z.strictObject({
  jobId: z.string().max(64),
  clusterId: z.string().max(63),
  attempt: z.int().min(1),
  phase: z.enum(['pending', 'running', 'succeeded', 'failed', 'deleted', 'create-failed']),
  reason: z.string().max(128).optional(),
  message: z.string().max(2048).optional(),
  result: z
    .strictObject({
      exitCode: z.int().min(-2147483648).max(2147483647).optional(),
      reason: z.string().max(128).optional(),
    })
    .optional(),
  at: z.iso.datetime(),
});
export const capacitySchema = z.strictObject({
  clusterId: z.string().max(63),
  capacity: z.strictObject({
    reportedAt: z.iso.datetime(),
    accelerators: z.record(
      z.string().max(63),
      z.strictObject({
        total: z.int().min(0),
        free: z.int().min(0),
        maxFreePerNode: z.int().min(0),
      }),
    ),
  }),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const fields = issuesOf(r.error);
  throw new AppError(
    'BAD_REQUEST',
    `invalid drainer request: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    {
      details: { fields },
    },
  );
}

export function drainerRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.use('*', async (c, next) => {
    requireScope(c.get('principal'), 'drainer');
    await next();
  });
  r.post('/claim', async (c) =>
    c.json(await deps.control.claim(parse(claimSchema, await readJson(c.req.raw)))),
  );
  r.post('/report', async (c) => {
    const { reason, message, ...rest } = parse(reportSchema, await readJson(c.req.raw));
    return c.json(
      await deps.control.report({
        ...rest,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
      }),
    );
  });
  r.post('/heartbeat', async (c) => {
    const { clusterId, capacity } = parse(capacitySchema, await readJson(c.req.raw));
    await deps.control.heartbeat(clusterId, capacity);
    return c.body(null, 204);
  });
  return r;
}
