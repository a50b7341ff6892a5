/**
 * The baseline of `bench:submit`: a bare Hono app on the same server stack (@hono/node-server)
 * that parses the same JSON body and answers 202 with JSON. Prints its URL, then serves until
 * killed.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
let n = 0;
app.post('/v1/jobs', async (c) => {
  const spec = (await c.req.json()) as { name?: string };
  return c.json({ id: `bare-${n++}`, name: spec.name, state: 'dispatched' }, 202);
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`bare hono at http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
