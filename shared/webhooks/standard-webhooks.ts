/**
 * Standard Webhooks (https://www.standardwebhooks.com): `v1` HMAC-SHA256 signatures over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed by a `whsec_<base64>` secret. Web-standard
 * APIs only (crypto.subtle, TextEncoder, atob/btoa), so it runs on Node and at the edge.
 */
import { AppError } from '../base/errors.js';

const SECRET_PREFIX = 'whsec_';
/** The spec recommends keys of 24 to 64 bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const DEFAULT_TOLERANCE_SECONDS = 300;
const SIGNATURE_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const encoder = new TextEncoder();

function decodeBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The key bytes of a `whsec_<base64>` secret (prefix optional), or `undefined` if malformed. */
function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> | undefined {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = decodeBase64(body);
  if (!key || key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) return undefined;
  return key;
}

/** Whether `s` is `whsec_` (optional) followed by standard base64 of 24–64 bytes. */
export function isValidWebhookSecret(s: string): boolean {
  return secretKeyBytes(s) !== undefined;
}

/** A new random secret: `whsec_` + base64 of `bytes` (24–32, default 32) random bytes. */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 24 || bytes > 32) {
    throw new AppError('BAD_REQUEST', `a webhook secret has 24 to 32 random bytes, not ${bytes}`);
  }
  return SECRET_PREFIX + encodeBase64(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function importSecret(secret: string): Promise<CryptoKey> {
  const key = secretKeyBytes(secret);
  if (!key) {
    throw new AppError(
      'INVALID_CONFIG',
      `webhook secret is malformed: expected "whsec_" followed by base64 of ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes; generate one with generateWebhookSecret()`,
    );
  }
  return crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

function signedContent(
  msgId: string,
  timestampSeconds: number,
  body: Uint8Array | string,
): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${msgId}.${timestampSeconds}.`);
  const bodyBytes = typeof body === 'string' ? encoder.encode(body) : body;
  const out = new Uint8Array(prefix.length + bodyBytes.length);
  out.set(prefix, 0);
  out.set(bodyBytes, prefix.length);
  return out;
}

async function hmac(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
}

/** Length-checked, constant-time (for equal lengths) comparison. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkTimestamp(timestampSeconds: number): void {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new AppError('BAD_REQUEST', `webhook timestamp must be whole seconds since the epoch`);
  }
}

/** The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256>`. */
export async function signWebhook(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  checkTimestamp(timestampSeconds);
  const key = await importSecret(secret);
  return `v1,${encodeBase64(await hmac(key, signedContent(msgId, timestampSeconds, body)))}`;
}

/** The headers to send with a signed webhook. `msgId` must stay the same across retries. */
export async function webhookHeaders(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string,
): Promise<Record<string, string>> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': await signWebhook(secret, msgId, timestampSeconds, body),
    'content-type': 'application/json',
  };
}

export interface VerifyWebhookOptions {
  /** Every secret currently accepted (more than one during rotation). */
  secrets: readonly string[];
  headers: Headers | Record<string, string | undefined>;
  /** The body exactly as received; never a re-serialised object. */
  rawBody: Uint8Array | string;
  nowSeconds: number;
  /** How far the timestamp may be from now, either way. Default 300. */
  toleranceSeconds?: number;
  /** Refuse bodies larger than this before any HMAC work. */
  maxBodyBytes?: number;
}

function header(headers: VerifyWebhookOptions['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

/**
 * Verifies a Standard Webhooks message. Resolves with its id and timestamp, or throws
 * `AppError('UNAUTHENTICATED')` saying what is wrong (`INVALID_CONFIG` if a secret is malformed,
 * `PAYLOAD_TOO_LARGE` past `maxBodyBytes`). Replay protection by id is the caller's job.
 */
export async function verifyWebhook(
  options: VerifyWebhookOptions,
): Promise<{ id: string; timestamp: number }> {
  const { secrets, headers, rawBody, nowSeconds } = options;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (secrets.length === 0) {
    throw new AppError('INVALID_CONFIG', 'no webhook secret is configured to verify against');
  }
  const size = typeof rawBody === 'string' ? encoder.encode(rawBody).length : rawBody.length;
  if (options.maxBodyBytes !== undefined && size > options.maxBodyBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `webhook body is ${size} bytes; the limit is ${options.maxBodyBytes}`,
    );
  }

  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  const missing = [
    ['webhook-id', id],
    ['webhook-timestamp', ts],
    ['webhook-signature', sig],
  ].filter(([, v]) => !v);
  if (missing.length > 0) {
    throw unauthenticated(`missing header(s): ${missing.map(([n]) => n).join(', ')}`);
  }
  if (!/^\d{1,15}$/.test(ts!)) {
    throw unauthenticated(`webhook-timestamp must be whole seconds since the epoch, got "${ts}"`);
  }
  const timestamp = Number(ts);
  if (nowSeconds - timestamp > tolerance) {
    throw unauthenticated(
      `webhook-timestamp is ${nowSeconds - timestamp}s old; at most ${tolerance}s is accepted`,
    );
  }
  if (timestamp - nowSeconds > tolerance) {
    throw unauthenticated(
      `webhook-timestamp is ${timestamp - nowSeconds}s in the future; at most ${tolerance}s is accepted (check the sender's clock)`,
    );
  }

  const candidates: Uint8Array[] = [];
  for (const entry of sig!.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const bytes = decodeBase64(entry.slice(comma + 1));
    if (bytes && bytes.length === SIGNATURE_BYTES) candidates.push(bytes);
  }
  if (candidates.length === 0) {
    throw unauthenticated('webhook-signature has no well-formed "v1,<base64>" signature');
  }

  const keys = await Promise.all(secrets.map(importSecret));
  const content = signedContent(id!, timestamp, rawBody);
  for (const key of keys) {
    const expected = await hmac(key, content);
    // Check every candidate, so timing does not reveal which one matched.
    let ok = false;
    for (const c of candidates) ok = equalBytes(c, expected) || ok;
    if (ok) return { id: id!, timestamp };
  }
  throw unauthenticated(
    'no webhook signature matches the body with any configured secret (wrong secret, or the body was changed)',
  );
}
