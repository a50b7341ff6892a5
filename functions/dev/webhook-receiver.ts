/**
 * `npm run dev:receiver`: a status-webhook receiver for trying Switchyard out. Listens on
 * 127.0.0.1 (RECEIVER_PORT, default 9000), verifies every request with the reference Standard
 * Webhooks library against WEBHOOK_SECRET, and prints what arrived.
 */
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret?.startsWith('whsec_')) {
  process.stderr.write("set WEBHOOK_SECRET to the whsec_… secret you put in the job's callback\n");
  process.exit(1);
}
const wh = new Webhook(secret);
const port = Number(process.env.RECEIVER_PORT ?? 9000);

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    try {
      const event = wh.verify(body, headers) as {
        type: string;
        data: { id: string; state: string; reason: string };
      };
      process.stdout.write(
        `verified ${headers['webhook-id']}: ${event.type} job=${event.data.id} reason=${event.data.reason}\n`,
      );
      res.writeHead(204).end();
    } catch (e) {
      process.stdout.write(
        `REJECTED ${headers['webhook-id'] ?? '?'}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      res.writeHead(400).end();
    }
  });
}).listen(port, '127.0.0.1', () =>
  process.stdout.write(`receiving status webhooks on http://127.0.0.1:${port}/hook\n`),
);
