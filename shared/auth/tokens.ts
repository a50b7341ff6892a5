/**
 * API tokens (RFC 8725, jose): JWTs signed with EdDSA or ES256 from an explicit allow-list, bound
 * to a tenant, scopes and projects, with `exp`, `iss`, `aud`, `typ` required and a maximum age.
 *
 * Keys form a ring in `settings` (`auth.signing-keys`), newest first: the first signs, the others
 * only verify until retired, so a rotation never breaks a token in flight. Keys come only from
 * the ring, never from a token header (`jku`, `x5u`, `jwk` are refused, so no header causes a
 * fetch), and an unknown `kid` reloads the ring at most once per cooldown.
 *
 * Verification is cached by a hash of the token until its expiry, since one signature check costs
 * far more than the rest of a request; revocation is still checked on every request (a local set
 * plus, by default, the token's record read after the request arrived; concurrent requests of one
 * token share that read), so a revoked token is refused at once.
 */
import * as jose from 'jose';
import { sha256Base64 } from './sha256.js';
import type { Clock } from '../base/clock.js';
import { newId } from '../base/clock.js';
import { AppError } from '../base/errors.js';
import type { StateStore, TokenRecord } from '../store/port.js';
import { updateSetting } from '../store/settings.js';
import type { Principal } from '../domain/principal.js';

export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGORITHMS)[number];

export interface TokenServiceOptions {
  store: StateStore;
  clock: Clock;
  issuer: string;
  audience: string;
  /** Tokens older than this (by `iat`) are refused even before `exp`. Default 400 days. */
  maxTokenAgeSeconds?: number;
  /** Algorithms accepted when verifying. Default both EdDSA and ES256. */
  algorithms?: readonly SigningAlg[];
  /** Algorithm of keys this service creates. Default EdDSA. */
  signingAlg?: SigningAlg;
  /** An unknown `kid` reloads the key ring at most once per this period. Default 30 s. */
  keyReloadCooldownMs?: number;
  /** The ring is re-read after this long anyway, to see rotations and retirements. Default 60 s. */
  keyRingTtlMs?: number;
  /**
   * How long a cached token's record is trusted before revocation is read again from the store.
   * 0 (default) reads it on every request: a revocation anywhere is effective at once. A
   * revocation made through this instance is always effective at once.
   */
  revocationRecheckMs?: number;
  /**
   * The verified-token cache key: SHA-256 of the token, base64. Default a pure-TypeScript digest
   * that runs anywhere; a Node composition root passes the native one (`sha256.node.ts`).
   */
  cacheKey?: (token: string) => string;
}

export interface StoredKey {
  kid: string;
  alg: SigningAlg;
  privateJwk: jose.JWK;
  publicJwk: jose.JWK;
  createdAt: string;
}

export const KEYS_SETTING = 'auth.signing-keys';
const MAX_TOKEN_CHARS = 8192;
/** Header parameters that would make a verifier fetch or trust a key named by the token. */
const KEY_POINTING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'];

export interface IssueRequest {
  tenantId: string;
  scopes: string[];
  projects: string[];
  ttlSeconds: number;
  description: string;
  /** The id of the token that mints this one, if a token does. */
  mintedBy?: string;
}

function unauthenticated(reason: string): AppError {
  return new AppError('UNAUTHENTICATED', `${reason}: ask for a new token`);
}

export function createTokenService(options: TokenServiceOptions) {
  const { store, clock, issuer, audience } = options;
  const maxAge = options.maxTokenAgeSeconds ?? 400 * 24 * 3600;
  const algorithms: SigningAlg[] = [...(options.algorithms ?? SIGNING_ALGORITHMS)];
  const signingAlg = options.signingAlg ?? 'EdDSA';
  const cooldownMs = options.keyReloadCooldownMs ?? 30_000;
  const ringTtlMs = options.keyRingTtlMs ?? 60_000;
  const recheckMs = options.revocationRecheckMs ?? 0;
  const cacheKeyOf = options.cacheKey ?? sha256Base64;
  if (!algorithms.includes(signingAlg)) {
    throw new AppError(
      'INVALID_CONFIG',
      `signing algorithm ${signingAlg} is not in the allow-list`,
    );
  }

  let ring: Promise<StoredKey[]> | undefined;
  let ringLoadedAt = 0;
  let lastUnknownKidReload = -Infinity;
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const verified = new Map<
    string,
    { principal: Principal; exp: number; kid: string; checkedAt: number }
  >();
  const revoked = new Set<string>();

  async function newKey(alg: SigningAlg): Promise<StoredKey> {
    const pair = await jose.generateKeyPair(alg, { extractable: true });
    return {
      kid: newId(clock),
      alg,
      privateJwk: await jose.exportJWK(pair.privateKey),
      publicJwk: await jose.exportJWK(pair.publicKey),
      createdAt: new Date(clock.now()).toISOString(),
    };
  }

  async function readRing(): Promise<StoredKey[]> {
    const existing = await store.settings.get<StoredKey[]>(KEYS_SETTING);
    if (existing?.length) return existing;
    // Two instances starting at once: the first write wins, both use it.
    const first = await newKey(signingAlg);
    await store.settings.putIfAbsent(KEYS_SETTING, [first]);
    return (await store.settings.get<StoredKey[]>(KEYS_SETTING)) ?? [first];
  }

  function reload(): Promise<StoredKey[]> {
    ringLoadedAt = clock.now();
    const loading = readRing().catch((e: unknown) => {
      if (ring === loading) ring = undefined;
      throw e;
    });
    ring = loading;
    return loading;
  }

  function keys(): Promise<StoredKey[]> {
    if (!ring || clock.now() - ringLoadedAt >= ringTtlMs) return reload();
    return ring;
  }

  function importKey(key: StoredKey, part: 'public' | 'private') {
    const id = `${key.kid}:${part}`;
    let found = imported.get(id);
    if (!found) {
      found = jose.importJWK(part === 'public' ? key.publicJwk : key.privateJwk, key.alg);
      imported.set(id, found);
    }
    return found;
  }

  /** The verification key for `kid`; an unknown kid reloads the ring once per cooldown at most. */
  async function verificationKey(kid: string, alg: string) {
    let found = (await keys()).find((k) => k.kid === kid);
    if (!found && clock.now() - lastUnknownKidReload >= cooldownMs) {
      lastUnknownKidReload = clock.now();
      found = (await reload()).find((k) => k.kid === kid);
    }
    if (!found) throw unauthenticated('the token was signed by an unknown or retired key');
    if (found.alg !== alg) throw unauthenticated('the token algorithm does not match its key');
    return importKey(found, 'public');
  }

  async function issue(req: IssueRequest): Promise<{ token: string; record: TokenRecord }> {
    if (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds < 1 || req.ttlSeconds > maxAge) {
      throw new AppError('BAD_REQUEST', `ttlSeconds must be a whole number from 1 to ${maxAge}`);
    }
    const [key] = await keys();
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
      ...(req.mintedBy !== undefined ? { mintedBy: req.mintedBy } : {}),
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
      .sign(await importKey(key, 'private'));
    return { token, record };
  }

  /**
   * Reads of token records, shared: a request waits for a read that starts after it arrived, so a
   * revocation stored before the request is always seen, and the requests of one token that arrive
   * while a read is under way all share the next one. A busy token costs one read per store round
   * trip instead of one per request.
   */
  interface ReadSlot {
    /** The read under way. */
    running: Promise<unknown>;
    /** The read the requests that arrived meanwhile wait for; it starts when `running` ends. */
    next?: Promise<TokenRecord | undefined>;
  }
  const reads = new Map<string, ReadSlot>();
  const settled = () => undefined;

  function startRead(tokenId: string): Promise<TokenRecord | undefined> {
    const running = store.tokens.get(tokenId);
    const slot: ReadSlot = { running };
    reads.set(tokenId, slot);
    void running.then(settled, settled).then(() => {
      if (reads.get(tokenId) === slot && !slot.next) reads.delete(tokenId);
    });
    return running;
  }

  function freshRecord(tokenId: string): Promise<TokenRecord | undefined> {
    const slot = reads.get(tokenId);
    if (!slot) return startRead(tokenId);
    return (slot.next ??= slot.running.then(settled, settled).then(() => startRead(tokenId)));
  }

  /** Refuses a token whose record is gone, revoked or not the token's tenant's. */
  async function checkRecord(tokenId: string, tenant: unknown): Promise<TokenRecord> {
    const record = await freshRecord(tokenId);
    if (!record || record.revokedAt || record.tenantId !== tenant) {
      revoked.add(tokenId);
      throw unauthenticated('the token has been revoked');
    }
    return record;
  }

  async function verifySignature(
    token: string,
    now: number,
  ): Promise<{ payload: jose.JWTPayload; kid: string }> {
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      throw unauthenticated('the token is not a well-formed JWT');
    }
    if (KEY_POINTING_HEADERS.some((h) => h in header)) {
      throw unauthenticated('the token names its own key (jku, jwk, x5u or x5c), which is refused');
    }
    if (typeof header.alg !== 'string' || !(algorithms as string[]).includes(header.alg)) {
      throw unauthenticated(`the token algorithm must be one of ${algorithms.join(', ')}`);
    }
    if (typeof header.kid !== 'string' || header.kid.length > 64) {
      throw unauthenticated('the token has no key id (kid)');
    }
    const kid = header.kid;
    const alg = header.alg;
    try {
      const { payload } = await jose.jwtVerify(token, () => verificationKey(kid, alg), {
        issuer,
        audience,
        algorithms,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'jti', 'tenant'],
        maxTokenAge: maxAge,
        currentDate: new Date(now),
      });
      return { payload, kid };
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof jose.errors.JWTExpired) throw unauthenticated('the token has expired');
      if (e instanceof jose.errors.JWTClaimValidationFailed) {
        throw unauthenticated(`the token's ${e.claim} claim is not accepted`);
      }
      throw unauthenticated('the token is not valid');
    }
  }

  async function verify(token: string): Promise<Principal> {
    const now = clock.now();
    if (token.length > MAX_TOKEN_CHARS) throw unauthenticated('the token is too long');
    const cacheKey = cacheKeyOf(token);
    const hit = verified.get(cacheKey);
    if (hit && hit.exp * 1000 > now) {
      if (revoked.has(hit.principal.tokenId)) throw unauthenticated('the token has been revoked');
      if (!(await keys()).some((k) => k.kid === hit.kid)) {
        verified.delete(cacheKey);
        throw unauthenticated('the token was signed by a retired key');
      }
      if (now - hit.checkedAt >= recheckMs) {
        await checkRecord(hit.principal.tokenId, hit.principal.tenantId);
        hit.checkedAt = now;
      }
      return hit.principal;
    }
    if (hit) verified.delete(cacheKey);

    const { payload, kid } = await verifySignature(token, now);
    const jti = String(payload.jti);
    if (revoked.has(jti)) throw unauthenticated('the token has been revoked');
    const record = await checkRecord(jti, payload.tenant);
    const principal: Principal = {
      tenantId: record.tenantId,
      tokenId: record.id,
      scopes: new Set(record.scopes),
      projects: record.projects,
      expiresAt: record.expiresAt,
    };
    if (verified.size >= 50_000) verified.clear();
    verified.set(cacheKey, { principal, exp: payload.exp!, kid, checkedAt: now });
    return principal;
  }

  return {
    issue,
    verify,
    /** Makes a revocation effective at once in this instance. */
    forget(tokenId: string) {
      revoked.add(tokenId);
    },
    /** The ring, newest (signing) key first; public parts only. */
    async listKeys(): Promise<
      Array<{ kid: string; alg: SigningAlg; createdAt: string; signing: boolean }>
    > {
      return (await keys()).map((k, i) => ({
        kid: k.kid,
        alg: k.alg,
        createdAt: k.createdAt,
        signing: i === 0,
      }));
    },
    /** Adds a new signing key; older keys keep verifying until retired. Returns the new kid. */
    async rotate(alg: SigningAlg = signingAlg): Promise<string> {
      if (!algorithms.includes(alg)) {
        throw new AppError('BAD_REQUEST', `alg must be one of ${algorithms.join(', ')}`);
      }
      const key = await newKey(alg);
      await updateSetting<StoredKey[]>(
        store.settings,
        KEYS_SETTING,
        (ring) => [key, ...(ring ?? [])],
        'the signing keys',
      );
      await reload();
      return key.kid;
    },
    /** Removes a verify-only key: tokens it signed stop verifying. The signing key cannot go. */
    async retire(kid: string): Promise<void> {
      await updateSetting<StoredKey[]>(
        store.settings,
        KEYS_SETTING,
        (ring = []) => {
          const at = ring.findIndex((k) => k.kid === kid);
          if (at < 0) throw new AppError('NOT_FOUND', `signing key ${kid} was not found`);
          if (at === 0) {
            throw new AppError(
              'CONFLICT',
              `key ${kid} is the signing key: rotate to a new key first`,
            );
          }
          return ring.filter((k) => k.kid !== kid);
        },
        'the signing keys',
      );
      imported.delete(`${kid}:public`);
      imported.delete(`${kid}:private`);
      verified.clear();
      await reload();
    },
    async jwks(): Promise<{ keys: jose.JWK[] }> {
      return {
        keys: (await keys()).map((k) => ({
          kty: k.publicJwk.kty,
          ...(k.publicJwk.crv ? { crv: k.publicJwk.crv } : {}),
          ...(k.publicJwk.x ? { x: k.publicJwk.x } : {}),
          ...(k.publicJwk.y ? { y: k.publicJwk.y } : {}),
          kid: k.kid,
          alg: k.alg,
          use: 'sig',
        })),
      };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
