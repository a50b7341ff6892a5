// client-node built a new agent without keep-alive for every request, so each call to a cluster
// opened its own TCP connection; the drivers' clients now reuse kept-alive connections.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClients } from '../../shared/targets/kubernetes/kube-clients.node.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('client-node connection reuse', () => {
  it('sends sequential requests to one cluster over one kept-alive connection', async () => {
    let connections = 0;
    let requests = 0;
    server = createServer((req, res) => {
      requests++;
      const name = req.url!.split('/').pop();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = makeClients({ clusterId: 'c', kubeconfig: { server: url } });
    for (let i = 0; i < 5; i++) {
      const ns = await clients.core.readNamespace({ name: `ns-${i}` });
      expect(ns.metadata?.name).toBe(`ns-${i}`);
    }
    expect(requests).toBe(5);
    expect(connections).toBe(1);
  });
});
