/**
 * Google OAuth access tokens from a service-account key, edge-safe (fetch + jose, no `node:`): sign
 * a JWT (RS256) asserting the account and scope, exchange it at the token endpoint (RFC 7523 JWT
 * bearer grant), and cache the token until shortly before it expires. Concurrent callers share one
 * exchange. Used by the Pub/Sub REST driver on Cloudflare Workers, where gRPC does not run.
 */
import { importPKCS8, SignJWT } from 'jose';
import { systemClock, type Clock } from '../base/clock.js';
import { AppError } from '../base/errors.js';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const PUBSUB_SCOPE = 'https://www.googleapis.com/auth/pubsub';

export interface ServiceAccountCredentials {
  clientEmail: string;
  /** The key's `private_key`: PKCS#8 PEM. */
  privateKeyPem: string;
}

export interface AccessTokenSourceOptions {
  credentials: ServiceAccountCredentials;
  /** Default: the Pub/Sub scope. */
  scope?: string;
  /** Default: Google's token endpoint; also the JWT's `aud`. */
  tokenUrl?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Refresh this long before expiry; default 5 minutes. */
  refreshSkewMs?: number;
}

export interface AccessTokenSource {
  /** A valid access token, from the cache when it has time left. */
  getToken(): Promise<string>;
}

/** The JWT lifetime Google accepts at most: one hour. */
const ASSERTION_SECONDS = 3600;

/** Creates a token source for one service account and scope. */
export function createAccessTokenSource(options: AccessTokenSourceOptions): AccessTokenSource {
  const { clientEmail, privateKeyPem } = options.credentials;
  if (!clientEmail || !privateKeyPem) {
    throw new AppError(
      'INVALID_CONFIG',
      'service-account credentials need clientEmail and privateKeyPem',
    );
  }
  const scope = options.scope ?? PUBSUB_SCOPE;
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const clock = options.clock ?? systemClock;
  const skew = options.refreshSkewMs ?? 5 * 60_000;
  let key: Promise<CryptoKey> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const exchange = async (): Promise<string> => {
    key ??= importPKCS8(privateKeyPem, 'RS256').catch((e: unknown) => {
      key = undefined;
      throw new AppError(
        'INVALID_CONFIG',
        'the service-account private key is not a PKCS#8 PEM RSA key',
        {
          cause: e,
        },
      );
    });
    const now = Math.floor(clock.now() / 1000);
    const assertion = await new SignJWT({ scope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(clientEmail)
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_SECONDS)
      .sign(await key);
    let response: Response;
    try {
      response = await doFetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion,
        }).toString(),
      });
    } catch (e) {
      throw new AppError('UNAVAILABLE', `the token endpoint ${tokenUrl} could not be reached`, {
        cause: e,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      // Never echo the body: it may describe the key. The status says enough.
      const retryable = response.status >= 500 || response.status === 429;
      throw new AppError(
        retryable ? 'UNAVAILABLE' : 'INVALID_CONFIG',
        `the token endpoint refused the service-account assertion (HTTP ${response.status})` +
          (retryable ? '; retry later' : '; check the key and that the account is enabled'),
        { retryable },
      );
    }
    const json = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== 'string' || typeof json.expires_in !== 'number') {
      throw new AppError(
        'UNAVAILABLE',
        'the token endpoint answered without access_token/expires_in',
      );
    }
    cached = { token: json.access_token, expiresAt: clock.now() + json.expires_in * 1000 };
    return json.access_token;
  };

  return {
    async getToken() {
      if (cached && clock.now() < cached.expiresAt - skew) return cached.token;
      inFlight ??= exchange().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
