/**
 * A create's POST without client-node's generated API. For every Job, `createNamespacedJob` walked
 * the manifest and the API server's answer through client-node's typed models, its observable
 * middleware and node-fetch: in bench:dispatch's profile that path was over a quarter of
 * Switchyard's CPU, for an answer nobody reads (this change: CPU per Job 0.78×). This sends the
 * same JSON with `node:http(s)` over the
 * cluster's kept-alive agents. client-node's `KubeConfig` still authenticates every request
 * (`applyToHTTPSOptions`: bearer tokens, exec plugins, client certificates, CA, TLS checks, proxy
 * agents); an error answer is thrown shaped like client-node's `ApiException` (`code`, `body`,
 * `headers`), so kube-errors.ts classifies it the same way. Node-only.
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

export function makePostJson(
  config: KubeConfig,
  server: string,
  reuse: AgentReuse,
  /** The signal each request is aborted by (timeout and caller). */
  signal: () => AbortSignal,
): PostJson {
  const base = server.replace(/\/+$/, '');
  return async (path, body) => {
    const opts: https.RequestOptions = { method: 'POST', headers: {} };
    await config.applyToHTTPSOptions(opts);
    const payload = JSON.stringify(body);
    const url = new URL(base + path);
    const send = url.protocol === 'https:' ? https.request : http.request;
    const headers = {
      ...(opts.headers as Record<string, string>),
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
    };
    const agent = reuse(opts.agent) as http.Agent;
    return new Promise<void>((resolve, reject) => {
      const req = send(url, { ...opts, agent, headers, signal: signal() }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.resume();
          res.on('end', resolve);
        } else {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            reject(new KubeHttpError(status, parsed(text), flatHeaders(res.headers)));
          });
        }
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}
