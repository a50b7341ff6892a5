/** HTTP plumbing: bounded body reading, JSON and Status responses, content negotiation. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, StatusError } from './errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Beyond this an oversized body is not drained any more; the connection is dropped. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export const BASE_HEADERS = { 'X-Switchyard-Simulated': 'true' } as const;

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Reads the raw body; throws 413 for more than 1 MiB (after draining it). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAIN_BYTES) req.destroy();
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size <= MAX_BODY_BYTES) return resolve(Buffer.concat(chunks));
      const message = `request body too large: limit is ${MAX_BODY_BYTES} bytes`;
      reject(new StatusError(413, 'RequestEntityTooLarge', message));
    });
  });
}

/**
 * Reads a JSON body (400 for bad JSON). A protobuf body (which kubectl's typed clients send, e.g.
 * `kubectl create namespace`) is accepted only where `protobuf` can decode it; otherwise 415.
 */
export async function readJsonBody(
  req: IncomingMessage,
  protobuf?: (body: Buffer) => unknown,
): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const isJson = !type || type === 'application/json' || type.endsWith('+json');
  if (!isJson && !(type === PROTOBUF && protobuf)) {
    req.resume();
    const message = `the simulated server accepts JSON bodies here, not "${type}"; send Content-Type: application/json`;
    throw new StatusError(415, 'UnsupportedMediaType', message);
  }
  if (!isJson && protobuf) return protobuf(await readBody(req));
  return readJsonAnyType(req);
}

/**
 * Reads a JSON body whatever its Content-Type says: for the `/sim/*` control endpoints, which
 * people call with `curl -d` (that sends `application/x-www-form-urlencoded`) or with none.
 */
export async function readJsonAnyType(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json (${(error as Error).message})`,
    );
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, {
    ...BASE_HEADERS,
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

export function sendStatusError(res: ServerResponse, error: StatusError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(error.retryAfterSeconds);
  sendJson(res, error.code, error.toStatus(), headers);
}

/** kubectl's `get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io`. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const p = part.replace(/\s/g, '');
    return (
      p.includes('as=Table') &&
      p.includes('g=meta.k8s.io') &&
      p.includes('v=v1') &&
      !p.includes('v=v1beta1')
    );
  });
}
