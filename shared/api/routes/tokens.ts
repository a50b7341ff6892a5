/** /v1/tokens (mint, list, revoke) and /v1/signing-keys (rotate, retire): scope `tokens:admin`. */
import { describedRoutes } from '../../http/route-def.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';
import { AppError } from '../../base/errors.js';
import { signingKeyRotateSchema, tokenIssueSchema } from '../../auth/token-service.js';

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
  const r = describedRoutes<AppEnv>('tokens');
  r.add(
    {
      method: 'post',
      path: '/',
      id: 'issueToken',
      summary: 'Mint an API token (shown once)',
      scope: 'tokens:admin',
      also: 'scopes and projects within the caller; another tenant only from the admin tenant',
      body: { name: 'TokenIssue', schema: tokenIssueSchema },
      responses: { 201: { description: 'the token and its record', schema: 'IssuedToken' } },
    },
    async (c) =>
      c.json(await deps.tokenAdmin.issue(c.get('principal'), await readJson(c.req.raw)), 201),
  );
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listTokens',
      summary: "The tenant's token records (never the tokens)",
      scope: 'tokens:admin',
      also: 'another tenant (tenant=) only from the admin tenant',
      query: [
        {
          name: 'tenant',
          schema: { type: 'string' },
          description: "this tenant's tokens (default: yours; another needs the admin tenant)",
        },
      ],
      errors: [400, 404],
      responses: { 200: { description: 'the records', schema: 'TokenList' } },
    },
    async (c) =>
      c.json({ items: await deps.tokenAdmin.list(c.get('principal'), c.req.query('tenant')) }),
  );
  r.add(
    {
      method: 'delete',
      path: '/:id',
      id: 'revokeToken',
      summary: 'Revoke a token at once (and, with cascade, the tokens it minted)',
      scope: 'tokens:admin',
      query: [
        {
          name: 'cascade',
          schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
          description: 'also revoke every live token this one minted, directly or through them',
        },
      ],
      responses: { 200: { description: 'the revoked record', schema: 'RevokedToken' } },
    },
    async (c) => {
      const cascade = cascadeParam(c.req.query('cascade'));
      return c.json(
        await deps.tokenAdmin.revoke(c.get('principal'), c.req.param('id'), { cascade }),
      );
    },
  );
  return r;
}

export function signingKeyRoutes(deps: AppDeps) {
  const r = describedRoutes<AppEnv>('tokens');
  const adminOnly = { scope: 'tokens:admin', also: 'admin tenant only' } as const;
  r.add(
    {
      method: 'get',
      path: '/',
      id: 'listSigningKeys',
      summary: 'The signing keys',
      ...adminOnly,
      responses: {
        200: { description: 'the keys, the signing one first', schema: 'SigningKeyList' },
      },
    },
    async (c) => c.json({ items: await deps.tokenAdmin.listKeys(c.get('principal')) }),
  );
  r.add(
    {
      method: 'post',
      path: '/',
      id: 'rotateSigningKey',
      summary: 'Add a signing key; older keys keep verifying until retired',
      ...adminOnly,
      body: { name: 'SigningKeyRotate', schema: signingKeyRotateSchema, required: false },
      responses: {
        201: { description: 'the new key id and the ring', schema: 'SigningKeyRotated' },
      },
    },
    async (c) =>
      c.json(
        await deps.tokenAdmin.rotateKey(c.get('principal'), await readOptionalJson(c.req.raw)),
        201,
      ),
  );
  r.add(
    {
      method: 'delete',
      path: '/:kid',
      id: 'retireSigningKey',
      summary: 'Retire a signing key',
      ...adminOnly,
      responses: { 200: { description: 'the ring', schema: 'SigningKeyRetired' } },
      errors: [409],
    },
    async (c) => c.json(await deps.tokenAdmin.retireKey(c.get('principal'), c.req.param('kid'))),
  );
  return r;
}
