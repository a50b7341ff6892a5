/**
 * The load generator of `bench:drivers`: runs in a worker thread, so client work does not share
 * the server's event loop. Each message runs one timed phase of keep-alive `POST /v1/jobs`
 * requests and answers with its result; connections are kept between phases of one URL.
 */
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { timedPhase, type PhaseResult } from './phase.js';

export interface LoadRequest {
  url: string;
  token: string;
  bodies: string[];
  concurrency: number;
  durationMs: number;
  idempotency: boolean;
}

export interface LoadResult extends PhaseResult {
  /** The id of one job the API accepted, to copy for the floor. */
  sampleJobId?: string;
}

const agents = new Map<string, Agent>();
let keys = 0;

function agentFor(url: string, concurrency: number): Agent {
  let agent = agents.get(url);
  if (!agent) {
    for (const old of agents.values()) old.destroy();
    agents.clear();
    agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    agents.set(url, agent);
  }
  return agent;
}

async function runLoad(r: LoadRequest): Promise<LoadResult> {
  const agent = agentFor(r.url, r.concurrency);
  const url = new URL(r.url);
  let sampleJobId: string | undefined;
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/v1/jobs',
          method: 'POST',
          headers: {
            authorization: `Bearer ${r.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(r.idempotency ? { 'idempotency-key': `k-${process.pid}-${keys++}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if (res.statusCode !== 202) return reject(new Error(`HTTP ${res.statusCode}: ${text}`));
            sampleJobId ??= (JSON.parse(text) as { id: string }).id;
            resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const result = await timedPhase(r.concurrency, r.durationMs, (i) =>
    post(r.bodies[i % r.bodies.length]!),
  );
  return { ...result, ...(sampleJobId ? { sampleJobId } : {}) };
}

parentPort?.on('message', (r: LoadRequest) => {
  void runLoad(r).then((result) => parentPort!.postMessage(result));
});
