// Creates are POSTed without client-node's generated API (kube-http.node.ts): the request must still
// carry the kubeconfig's credentials, share the cluster's kept-alive connection with client-node's
// own requests, and turn an error answer into the classified ClusterError client-node's would give.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../../shared/targets/kubernetes/kube-errors.js';
import { makeClients } from '../../shared/targets/kubernetes/kube-clients.node.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function serve(answer: (req: IncomingMessage, body: string) => [number, unknown]) {
  const seen: Array<{ method: string; url: string; auth?: string; type?: string; body: string }> =
    [];
  let connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body,
      });
      const [status, out] = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const yaml = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: secret-token } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;
  return {
    seen,
    connections: () => connections,
    clients: makeClients({ clusterId: 'c', kubeconfig: { yaml } }),
  };
}

describe('POSTing a create', () => {
  it('sends the JSON with the kubeconfig token, over one kept-alive connection with reads and log GETs', async () => {
    const { seen, connections, clients } = await serve((req, body) =>
      req.method === 'POST'
        ? [201, JSON.parse(body)]
        : [200, { kind: 'Namespace', metadata: { name: 'ns' } }],
    );
    await clients.core.readNamespace({ name: 'ns' });
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'sy-1', annotations: { a: 'b' } },
    };
    await clients.post('/apis/batch/v1/namespaces/ns/jobs', job);
    await clients.post('/apis/batch/v1/namespaces/ns/jobs', job);
    // A pod log read (log shipping) rides the same connection and comes back as text.
    const log = await clients.getText('/api/v1/namespaces/ns/pods/p/log?timestamps=true');
    expect(JSON.parse(log)).toEqual({ kind: 'Namespace', metadata: { name: 'ns' } });
    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ['GET', '/api/v1/namespaces/ns'],
      ['POST', '/apis/batch/v1/namespaces/ns/jobs'],
      ['POST', '/apis/batch/v1/namespaces/ns/jobs'],
      ['GET', '/api/v1/namespaces/ns/pods/p/log?timestamps=true'],
    ]);
    expect(seen.every((s) => s.auth === 'Bearer secret-token')).toBe(true);
    expect(seen[1]!.type).toBe('application/json');
    expect(JSON.parse(seen[1]!.body)).toEqual(job);
    expect(connections()).toBe(1);
  });

  it('an error answer is classified with the Status message, like client-node errors', async () => {
    const { clients } = await serve(() => [
      409,
      {
        kind: 'Status',
        status: 'Failure',
        reason: 'AlreadyExists',
        code: 409,
        message: 'jobs.batch "sy-1" already exists',
      },
    ]);
    const error = await clients
      .post('/apis/batch/v1/namespaces/ns/jobs', {})
      .catch((e: unknown) => e);
    const classified = classify(error, 'c', 'creating Job ns/sy-1');
    expect(classified.kind).toBe('conflict');
    expect(classified.statusCode).toBe(409);
    expect(classified.message).toContain('jobs.batch "sy-1" already exists');
  });
});
