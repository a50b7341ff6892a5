/**
 * A `fetch` for the delivery worker on Node that connects only to the address the SSRF guard
 * checked: the host is resolved once (by the guard), every address is checked, and the socket is
 * opened to the checked address through `request({ lookup })`, so no second resolution happens.
 * The Host header and TLS SNI stay the URL's host name. Redirects are never followed.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { UrlGuard } from './ssrf.js';

/** Every A and AAAA address of `host`, from the system resolver. */
export async function systemResolve(host: string): Promise<string[]> {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A `fetch`-compatible function whose every request passes `guard` and is pinned to its answer. */
export function createPinnedFetch(guard: UrlGuard): typeof fetch {
  const pinned = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const target = await guard.check(url);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();

    const lookup: LookupFunction = (_host, opts, callback) => {
      if (opts.all) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const headers = new Headers(init.headers);
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(
        {
          protocol: url.protocol,
          host: target.hostname,
          port: target.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          headers: {
            ...Object.fromEntries(headers),
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
          // Node sets Host and SNI from `host`; the socket goes where `lookup` says.
          lookup,
          signal,
        },
        resolve,
      );
      req.on('error', reject);
      req.end(body);
    });

    const status = res.statusCode ?? 0;
    if (status < 200 || status > 599) {
      res.destroy();
      throw new TypeError(`fetch failed: unexpected HTTP status ${status}`);
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
    }
    if (NULL_BODY.has(status)) {
      res.resume();
      return new Response(null, { status, headers: responseHeaders });
    }
    const stream = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
    return new Response(stream, { status, headers: responseHeaders });
  };
  return pinned as typeof fetch;
}
