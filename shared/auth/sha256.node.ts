/** Node's native SHA-256, for the verified-token cache key where `node:crypto` is available. */
import { hash } from 'node:crypto';

/**
 * Base64 SHA-256 of a string's UTF-8 bytes: the same value as `sha256Base64` in `sha256.ts`.
 * One-shot `crypto.hash` (Node ≥ 20.12): no Hash object per request, about half the time of
 * `createHash().update().digest()`.
 */
export function sha256Base64Native(text: string): string {
  return hash('sha256', text, 'base64');
}
