/**
 * The request body limit. A declared `Content-Length` is checked from the header alone, so the
 * common request is never re-wrapped and the route reads it in one piece (on Node,
 * @hono/node-server then reads the socket directly instead of through a web stream). A body of
 * undeclared length (chunked) is read here up to the limit and handed on buffered.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../base/errors.js';

export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`);
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (!/^\d{1,15}$/.test(declared)) {
        throw new AppError('BAD_REQUEST', 'Content-Length must be a number of bytes');
      }
      if (Number(declared) > maxBytes) throw tooLarge();
      return next();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const buffer = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: buffer });
    return next();
  };
}
