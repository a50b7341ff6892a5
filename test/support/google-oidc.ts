/**
 * A stand-in for Google's token signing keys: an RS256 key pair whose public half is served as a
 * JWKS on 127.0.0.1 (as https://www.googleapis.com/oauth2/v3/certs serves Google's), and a signer
 * for push tokens with Google's claims. Tests override any claim to make a bad token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export const PUSH_SA = 'pubsub-push@switchyard-test.iam.gserviceaccount.com';

export interface FakeGoogle {
  jwksUrl: string;
  /** A push token; `claims` override Google's (`undefined` removes one). */
  sign(
    claims: Record<string, unknown>,
    options?: { key?: CryptoKey; expiresInSeconds?: number },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeGoogle(audience: string): Promise<FakeGoogle> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/oauth2/v3/certs`,
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const all: Record<string, unknown> = {
        iss: 'https://accounts.google.com',
        aud: audience,
        email: PUSH_SA,
        email_verified: true,
        sub: '1234567890',
        iat: now,
        exp: now + (options.expiresInSeconds ?? 3600),
        ...claims,
      };
      const payload = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' })
        .sign(options.key ?? privateKey);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
