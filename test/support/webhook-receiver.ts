// A local status-webhook receiver on 127.0.0.1 that verifies every request with the reference
// `standardwebhooks` package and keeps what it received.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  verified: boolean;
  payload: { type: string; data: Record<string, unknown> };
}

export async function startReceiver(
  secret: string,
  options: {
    failFirst?: number;
    /** While it returns true, every request is answered 500 and not recorded. */
    failWhile?: () => boolean;
  } = {},
) {
  const wh = new Webhook(secret);
  const received: Received[] = [];
  let toFail = options.failFirst ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (toFail > 0) {
        toFail--;
        res.writeHead(503).end();
        return;
      }
      if (options.failWhile?.()) {
        res.writeHead(500).end();
        return;
      }
      const body = Buffer.concat(chunks).toString();
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, String(v)]),
      );
      let verified: boolean;
      let payload: Received['payload'] = { type: '?', data: {} };
      try {
        payload = wh.verify(body, headers) as Received['payload'];
        verified = true;
      } catch {
        verified = false;
      }
      received.push({ id: headers['webhook-id'] ?? '', verified, payload });
      res.writeHead(verified ? 204 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchyard`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
