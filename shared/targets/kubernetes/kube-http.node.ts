/**
 * Requests on the hot paths without client-node's generated API. For every Job,
 * `createNamespacedJob` walked the manifest and the API server's answer through client-node's typed
 * models, its observable middleware and node-fetch: in bench:dispatch's profile that path was over
 * a quarter of Switchyard's CPU, for an answer nobody reads (this change: CPU per Job 0.78×). Log
 * shipping read each running pod's log through client-node's `Log`, which opens a connection per
 * read (`Connection: close`), and listed a job's pods as typed `V1Pod`s. These send the same
 * requests with `node:http(s)` over the cluster's kept-alive agents. client-node's `KubeConfig`
 * still authenticates every request (`applyToHTTPSOptions`: bearer tokens, exec plugins, client
 * certificates, CA, TLS checks, proxy agents); an error answer is thrown shaped like client-node's
 * `ApiException` (`code`, `body`, `headers`), so kube-errors.ts classifies it the same way.
 * Node-only.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AgentReuse } from './keep-alive.node.js';

/** An HTTP error answer of the API server, with the Status it sent (parsed when it is JSON). */
export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(`HTTP-Code: ${code}`);
    this.name = 'KubeHttpError';
  }
}

/** POSTs `body` as JSON to `path` (e.g. `/apis/batch/v1/namespaces/ns/jobs`); resolves on 2xx. */
export type PostJson = (path: string, body: unknown) => Promise<void>;
/** GETs `path` (with its query); resolves with the answer's text on 2xx. */
export type GetText = (path: string) => Promise<string>;
/** The same, parsed as JSON (a list's plain objects, not client-node's typed models). */
export type GetJson = <T>(path: string) => Promise<T>;

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = String(v);
  return out;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function makeKubeHttp(
  config: KubeConfig,
  server: string,
  reuse: AgentReuse,
  /** The signal each request is aborted by (timeout and caller). */
  signal: () => AbortSignal,
) {
  const base = server.replace(/\/+$/, '');

  /** Sends one request; resolves with the 2xx answer's text when `read`, else drains it. */
  async function send(method: string, path: string, payload: string | undefined, read: boolean) {
    const opts: https.RequestOptions = { method, headers: {} };
    await config.applyToHTTPSOptions(opts);
    const url = new URL(base + path);
    const request = url.protocol === 'https:' ? https.request : http.request;
    const headers: Record<string, string> = {
      ...(opts.headers as Record<string, string>),
      accept: payload === undefined && read ? '*/*' : 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const agent = reuse(opts.agent) as http.Agent;
    return new Promise<string>((resolve, reject) => {
      const req = request(url, { ...opts, agent, headers, signal: signal() }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        if (ok && !read) {
          res.resume();
          res.on('end', () => resolve(''));
        } else {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (ok) resolve(text);
            else reject(new KubeHttpError(status, parsed(text), flatHeaders(res.headers)));
          });
        }
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const post: PostJson = async (path, body) => {
    await send('POST', path, JSON.stringify(body), false);
  };
  const getText: GetText = (path) => send('GET', path, undefined, true);
  const getJson: GetJson = async <T>(path: string) => JSON.parse(await getText(path)) as T;
  return { post, getText, getJson };
}
