/** /v1/tokens (mint, list, revoke) and /v1/signing-keys (rotate, retire): scope `tokens:admin`. */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { AppError } from '../../base/errors.js';

/** A JSON body that may be left out entirely (`{}` then). */
async function readOptionalJson(req: Request): Promise<unknown> {
  if (req.headers.get('content-length') === '0' || !req.body) return {};
  return readJson(req);
}

/** `?cascade=true|false` (absent: false). */
function cascadeParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new AppError('BAD_REQUEST', 'cascade must be true or false', {
    details: { fields: [{ path: 'cascade', message: 'true or false' }] },
  });
}

export function tokenRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.post('/', async (c) =>
    c.json(await deps.tokenAdmin.issue(c.get('principal'), await readJson(c.req.raw)), 201),
  );
  r.get('/', async (c) =>
    c.json({ items: await deps.tokenAdmin.list(c.get('principal'), c.req.query('tenant')) }),
  );
  r.delete('/:id', async (c) => {
    const cascade = cascadeParam(c.req.query('cascade'));
    return c.json(await deps.tokenAdmin.revoke(c.get('principal'), c.req.param('id'), { cascade }));
  });
  return r;
}

export function signingKeyRoutes(deps: AppDeps) {
  const r = new Hono<AppEnv>();
  r.get('/', async (c) => c.json({ items: await deps.tokenAdmin.listKeys(c.get('principal')) }));
  r.post('/', async (c) =>
    c.json(
      await deps.tokenAdmin.rotateKey(c.get('principal'), await readOptionalJson(c.req.raw)),
      201,
    ),
  );
  r.delete('/:kid', async (c) =>
    c.json(await deps.tokenAdmin.retireKey(c.get('principal'), c.req.param('kid'))),
  );
  return r;
}
