/** Cloudflare Queues message bodies as they travel: our envelope, and what the pull API returns. */
import type { MessageBody } from './port.js';

export interface Envelope {
  sy: 1;
  id: string;
  publishedAt: string;
  body: MessageBody;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Switchyard body inside a delivered body (an envelope, or a bare JSON object). */
export function unwrapEnvelope(
  value: unknown,
): { id?: string; publishedAt?: string; body: MessageBody } | undefined {
  if (!isObject(value)) return undefined;
  if (value.sy === 1 && typeof value.id === 'string' && isObject(value.body)) {
    return {
      id: value.id,
      body: value.body,
      ...(typeof value.publishedAt === 'string' ? { publishedAt: value.publishedAt } : {}),
    };
  }
  return { body: value };
}

/** A pulled message as the API returns it. */
export interface PulledMessage {
  id?: string;
  body?: unknown;
  attempts?: number;
  lease_id?: string;
  timestamp_ms?: number;
  metadata?: Record<string, unknown>;
}

function fromBase64(text: string): string | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The JSON value of a pulled body: JSON text (as the API documents for `json` messages), the same
 * text base64-encoded (as some clients report it), or an already-parsed object.
 */
export function decodePulledBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  for (const text of [body, fromBase64(body)]) {
    if (text === undefined) continue;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      /* try the next form */
    }
  }
  return undefined;
}
