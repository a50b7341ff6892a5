/** /v1/schedules: cron schedules that submit jobs from a template. */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import {
  scheduleCreateSchema,
  schedulePatchSchema,
  scheduleView,
} from '../../schedules/service.js';

const THE_SCHEDULE = { description: 'the schedule', schema: 'Schedule' };

export function scheduleRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('schedules');
  const now = () => deps.ctx.clock.now();

  r.add(
    {
      method: 'post',
      path: '/',
      id: 'createSchedule',
      summary: 'Create a cron schedule that submits a job template',
      scope: 'schedules:write',
      body: { name: 'ScheduleCreate', schema: scheduleCreateSchema },
      responses: { 201: THE_SCHEDULE },
    },
    async (c) =>
      c.json(
        scheduleView(
          await deps.schedules.create(c.get('principal'), await readJson(c.req.raw)),
          now(),
        ),
        201,
      ),
  );
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listSchedules',
      summary: "The tenant's schedules",
      scope: 'jobs:read',
      responses: { 200: { description: 'the schedules', schema: 'ScheduleList' } },
    },
    async (c) =>
      c.json({
        items: (await deps.schedules.list(c.get('principal'))).map((s) => scheduleView(s, now())),
      }),
  );
  r.add(
    {
      method: 'get',
      path: '/:id',
      id: 'getSchedule',
      summary: 'One schedule with its next fire times',
      scope: 'jobs:read',
      responses: { 200: THE_SCHEDULE },
    },
    async (c) =>
      c.json(scheduleView(await deps.schedules.get(c.get('principal'), c.req.param('id')), now())),
  );
  r.add(
    {
      method: 'patch',
      path: '/:id',
      id: 'updateSchedule',
      summary: 'Change a schedule',
      scope: 'schedules:write',
      body: { name: 'SchedulePatch', schema: schedulePatchSchema },
      responses: { 200: THE_SCHEDULE },
      errors: [409],
    },
    async (c) =>
      c.json(
        scheduleView(
          await deps.schedules.update(
            c.get('principal'),
            c.req.param('id'),
            await readJson(c.req.raw),
          ),
          now(),
        ),
      ),
  );
  r.add(
    {
      method: 'delete',
      path: '/:id',
      id: 'deleteSchedule',
      summary: 'Delete a schedule',
      scope: 'schedules:write',
      responses: { 204: { description: 'deleted' } },
    },
    async (c) => {
      await deps.schedules.remove(c.get('principal'), c.req.param('id'));
      return c.body(null, 204);
    },
  );
  return r;
}
