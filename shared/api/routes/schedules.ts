/** /v1/schedules: cron schedules that submit jobs from a template. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { scheduleView } from '../../schedules/service.js';

export function scheduleRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  const now = () => deps.ctx.clock.now();

  r.post('/', async (c) =>
    c.json(
      scheduleView(
        await deps.schedules.create(c.get('principal'), await readJson(c.req.raw)),
        now(),
      ),
      201,
    ),
  );
  r.get('/', async (c) =>
    c.json({
      items: (await deps.schedules.list(c.get('principal'))).map((s) => scheduleView(s, now())),
    }),
  );
  r.get('/:id', async (c) =>
    c.json(scheduleView(await deps.schedules.get(c.get('principal'), c.req.param('id')), now())),
  );
  r.patch('/:id', async (c) =>
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
  r.delete('/:id', async (c) => {
    await deps.schedules.remove(c.get('principal'), c.req.param('id'));
    return c.body(null, 204);
  });
  return r;
}
