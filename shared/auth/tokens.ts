/**
 * API tokens: EdDSA JWTs (jose) bound to a tenant, scopes and projects. Verification is cached by
 * a hash of the token until its expiry, since one signature check costs far more than the rest of
 * a request; a revoked token id is refused at once.
 */
import * as jose from 'jose';
import type { Clock } from '../clock.js';
import { newId } from '../clock.js';
import { AppError } from '../errors.js';
import type { StateStore, TokenRecord } from '../store/port.js';
import type { Principal } from './principal.js';

export interface TokenServiceOptions {
  store: StateStore;
  clock: Clock;
  issuer: string;
  audience: string;
  /** Tokens older than this are refused even before `exp` (RFC 8725 max age). */
  maxTokenAgeSeconds?: number;
}

interface StoredKey {
  kid: string;
  alg: 'EdDSA';
  privateJwk: jose.JWK;
  publicJwk: jose.JWK;
  createdAt: string;
}

const KEYS_SETTING = 'auth.signing-keys';
const ALGORITHMS = ['EdDSA'];

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

export interface IssueRequest {
  tenantId: string;
  scopes: string[];
  projects: string[];
  ttlSeconds: number;
  description: string;
}

export function createTokenService(options: TokenServiceOptions) {
  const { store, clock, issuer, audience } = options;
  const maxAge = options.maxTokenAgeSeconds ?? 400 * 24 * 3600;
  let keys: Promise<StoredKey[]> | undefined;
  const verified = new Map<string, { principal: Principal; exp: number }>();
  const revoked = new Set<string>();

  async function loadKeys(): Promise<StoredKey[]> {
    const existing = await store.settings.get<StoredKey[]>(KEYS_SETTING);
    if (existing?.length) return existing;
    const pair = await jose.generateKeyPair('EdDSA', { extractable: true });
    const key: StoredKey = {
      kid: newId(clock),
      alg: 'EdDSA',
      privateJwk: await jose.exportJWK(pair.privateKey),
      publicJwk: await jose.exportJWK(pair.publicKey),
      createdAt: new Date(clock.now()).toISOString(),
    };
    // Two instances starting at once: the first write wins, both use it.
    await store.settings.putIfAbsent(KEYS_SETTING, [key]);
    return (await store.settings.get<StoredKey[]>(KEYS_SETTING)) ?? [key];
  }

  function signingKeys(): Promise<StoredKey[]> {
    keys ??= loadKeys().catch((e: unknown) => {
      keys = undefined;
      throw e;
    });
    return keys;
  }

  const keyResolver: jose.JWTVerifyGetKey = async (header) => {
    const found = (await signingKeys()).find((k) => k.kid === header.kid);
    if (!found) throw new AppError('UNAUTHENTICATED', 'the token was signed by an unknown key');
    return jose.importJWK(found.publicJwk, found.alg);
  };

  async function issue(req: IssueRequest): Promise<{ token: string; record: TokenRecord }> {
    const [key] = await signingKeys();
    if (!key) throw new AppError('UNAVAILABLE', 'no signing key is available');
    const nowS = Math.floor(clock.now() / 1000);
    const record: TokenRecord = {
      id: `tok_${newId(clock)}`,
      tenantId: req.tenantId,
      scopes: [...req.scopes].sort(),
      projects: [...req.projects].sort(),
      description: req.description,
      createdAt: new Date(nowS * 1000).toISOString(),
      expiresAt: new Date((nowS + req.ttlSeconds) * 1000).toISOString(),
    };
    await store.tokens.create(record);
    const token = await new jose.SignJWT({
      tenant: record.tenantId,
      scope: record.scopes.join(' '),
      projects: record.projects,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(record.tenantId)
      .setJti(record.id)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + req.ttlSeconds)
      .sign(await jose.importJWK(key.privateJwk, key.alg));
    return { token, record };
  }

  async function verify(token: string): Promise<Principal> {
    const now = clock.now();
    const cacheKey = await sha256(token);
    const hit = verified.get(cacheKey);
    if (hit && hit.exp * 1000 > now && !revoked.has(hit.principal.tokenId)) return hit.principal;
    if (hit) verified.delete(cacheKey);
    let payload: jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keyResolver, {
        issuer,
        audience,
        algorithms: ALGORITHMS,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'jti', 'tenant'],
        maxTokenAge: maxAge,
        currentDate: new Date(now),
      }));
    } catch (e) {
      if (e instanceof AppError) throw e;
      const reason = e instanceof jose.errors.JWTExpired ? 'the token has expired' : 'the token is not valid';
      throw new AppError('UNAUTHENTICATED', `${reason}: ask for a new token`);
    }
    const jti = String(payload.jti);
    const record = await store.tokens.get(jti);
    if (!record || record.revokedAt) {
      revoked.add(jti);
      throw new AppError('UNAUTHENTICATED', 'the token has been revoked: ask for a new token');
    }
    const principal: Principal = {
      tenantId: record.tenantId,
      tokenId: record.id,
      scopes: new Set(record.scopes),
      projects: record.projects,
    };
    verified.set(cacheKey, { principal, exp: payload.exp! });
    if (verified.size > 50_000) verified.clear();
    return principal;
  }

  return {
    issue,
    verify,
    /** Makes a revocation effective at once in this instance. */
    forget(tokenId: string) {
      revoked.add(tokenId);
    },
    async jwks(): Promise<{ keys: jose.JWK[] }> {
      return {
        keys: (await signingKeys()).map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })),
      };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
