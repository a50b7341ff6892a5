/**
 * Authenticates a Pub/Sub push: in production each push carries a Google-signed OIDC token
 * (`pushConfig.oidcToken`). It must verify against Google's published keys, come from Google's
 * issuer, name this function's URL as audience and the configured push service account as a
 * verified email. Edge-safe: jose over `fetch` and WebCrypto.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../base/errors.js';

export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

export interface PushOidcOptions {
  /** The URL the subscription's `oidcToken.audience` names: this function's URL. */
  audience: string;
  /** The subscription's `oidcToken.serviceAccountEmail`. */
  serviceAccount: string;
  /** Default: Google's published keys. */
  jwksUrl?: string;
}

/** Resolves when the `Authorization` header holds a valid push token; throws an AppError if not. */
export type PushAuthenticator = (authorization: string | undefined) => Promise<void>;

const unauthenticated = (why: string) =>
  new AppError(
    'UNAUTHENTICATED',
    `${why}; a push must carry a Google-signed OIDC token (set pushConfig.oidcToken on the subscription with this function's URL as audience and its push service account)`,
  );

export function createPushOidcVerifier(o: PushOidcOptions): PushAuthenticator {
  const jwks = createRemoteJWKSet(new URL(o.jwksUrl ?? GOOGLE_JWKS_URL));
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthenticated('no bearer token');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(m[1]!, jwks, {
        issuer: GOOGLE_ISSUER,
        audience: o.audience,
        algorithms: ['RS256'],
      }));
    } catch (e) {
      const keysUnavailable =
        !(e instanceof joseErrors.JOSEError) || e instanceof joseErrors.JWKSTimeout;
      if (keysUnavailable)
        throw new AppError(
          'UNAVAILABLE',
          `cannot fetch the token signing keys from ${o.jwksUrl ?? GOOGLE_JWKS_URL}; Pub/Sub will retry`,
        );
      throw unauthenticated(`the bearer token was refused (${e.code}: ${e.message})`);
    }
    if (payload.email !== o.serviceAccount)
      throw unauthenticated(
        `the token's email ${JSON.stringify(payload.email)} is not the push service account`,
      );
    if (payload.email_verified !== true) throw unauthenticated("the token's email is not verified");
  };
}
