// Tokens for the security tests: signed with Switchyard's own current key but with chosen
// claims and header, so each RFC 8725 rule can be broken one at a time.
import * as jose from 'jose';
import { KEYS_SETTING, type StoredKey } from '../../shared/auth/tokens.js';
import { AUDIENCE, ISSUER, type Fixture } from './fixture.js';

export async function serverKey(f: Fixture): Promise<StoredKey> {
  await f.call('GET', '/.well-known/jwks.json');
  const ring = await f.store.settings.get<StoredKey[]>(KEYS_SETTING);
  return ring![0]!;
}

/** Standard claims for `tenant`'s existing token record `jti`, overridable. */
export function claims(
  f: Fixture,
  tenant: string,
  jti: string,
  over: Record<string, unknown> = {},
) {
  const nowS = Math.floor(f.clock.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: tenant,
    tenant,
    jti,
    iat: nowS,
    exp: nowS + 3600,
    scope: 'jobs:read',
    ...over,
  };
}

export async function signWithServerKey(
  f: Fixture,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = await serverKey(f);
  const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  return new jose.SignJWT(clean)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(await jose.importJWK(key.privateJwk, key.alg));
}

/** HS256 keyed with the server's public JWK: the classic algorithm-confusion forgery. */
export async function algConfusionToken(
  f: Fixture,
  payload: Record<string, unknown>,
): Promise<string> {
  const key = await serverKey(f);
  const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
    .sign(secret);
}

/** `alg: none`, with the right kid. */
export async function unsignedToken(f: Fixture, payload: Record<string, unknown>): Promise<string> {
  const key = await serverKey(f);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', kid: key.kid, typ: 'at+jwt' })}.${b64(payload)}.`;
}
