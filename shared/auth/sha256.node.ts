/** Node's native SHA-256, for the verified-token cache key where `node:crypto` is available. */
import { createHash } from 'node:crypto';

/** Base64 SHA-256 of a string's UTF-8 bytes: the same value as `sha256Base64` in `sha256.ts`. */
export function sha256Base64Native(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
