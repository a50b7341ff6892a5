/**
 * Inbound webhook verification over the raw bytes, size-capped before any HMAC work:
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, 5-minute window both
 * ways, any one valid signature) or GitHub-style `X-Hub-Signature-256: sha256=<hex HMAC>`.
 * Resolves with the replay key, which is always something the signature covers: the signed
 * `webhook-id`, or for GitHub (whose signature covers only the body, not `X-GitHub-Delivery`)
 * the body's SHA-256.
 */
import { AppError } from '../base/errors.js';
import type { Hook } from '../store/port.js';
import { verifyWebhook } from '../webhooks/standard-webhooks.js';

export interface InboundRequest {
  headers: Headers;
  rawBody: Uint8Array;
  nowSeconds: number;
  maxBodyBytes: number;
}

export interface VerifiedMessage {
  /** The sender's message id: `webhook-id` or `X-GitHub-Delivery` (for logs only). */
  id: string;
  /** What replays are recognised by, covered by the signature: `webhook-id` or `sha256:<body>`. */
  replayKey: string;
  /** GitHub's `X-GitHub-Event` (e.g. `ping`), when sent. */
  event?: string;
}

const MESSAGE_ID = /^[\x21-\x7e]{1,200}$/;
const GITHUB_SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

function unauthenticated(message: string): AppError {
  return new AppError('UNAUTHENTICATED', message);
}

export async function verifyInbound(hook: Hook, req: InboundRequest): Promise<VerifiedMessage> {
  if (req.rawBody.length > req.maxBodyBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `webhook body is ${req.rawBody.length} bytes; the limit is ${req.maxBodyBytes}`,
    );
  }
  const verified =
    hook.scheme === 'github'
      ? await verifyGithub(hook.secrets, req)
      : await verifyStandard(hook.secrets, req);
  if (!MESSAGE_ID.test(verified.id)) {
    throw new AppError('BAD_REQUEST', 'the webhook id must be 1-200 visible ASCII characters');
  }
  return verified;
}

async function verifyStandard(
  secrets: readonly string[],
  req: InboundRequest,
): Promise<VerifiedMessage> {
  const { id } = await verifyWebhook({
    secrets,
    headers: req.headers,
    rawBody: req.rawBody,
    nowSeconds: req.nowSeconds,
    maxBodyBytes: req.maxBodyBytes,
  });
  return { id, replayKey: id };
}

async function verifyGithub(
  secrets: readonly string[],
  req: InboundRequest,
): Promise<VerifiedMessage> {
  const signature = req.headers.get('x-hub-signature-256');
  const id = req.headers.get('x-github-delivery');
  if (!signature) throw unauthenticated('missing header X-Hub-Signature-256');
  if (!id) throw unauthenticated('missing header X-GitHub-Delivery');
  const match = GITHUB_SIGNATURE.exec(signature.trim());
  if (!match) throw unauthenticated('X-Hub-Signature-256 must be "sha256=<64 hex digits>"');
  const given = hexBytes(match[1]!.toLowerCase());
  const body = new Uint8Array(req.rawBody);
  let ok = false;
  for (const secret of secrets) {
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, body));
    // Every secret is tried, so timing does not reveal which one matched.
    ok = constantTimeEqual(given, expected) || ok;
  }
  if (!ok) {
    throw unauthenticated(
      'X-Hub-Signature-256 does not match the body with the hook secret (wrong secret, or the body was changed)',
    );
  }
  // X-GitHub-Delivery is not signed: anyone holding one captured delivery could send it again
  // under fresh ids. So replays are recognised by the body, which the signature does cover.
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const replayKey = `sha256:${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const event = req.headers.get('x-github-event') ?? undefined;
  return event ? { id, replayKey, event } : { id, replayKey };
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
