// Status webhooks are fair across tenants, through the real server process on the embedded
// default: tenant A's 40 jobs call back to a receiver that accepts connections and never answers;
// tenant B's first status webhook must still arrive within 2 s of its submission.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';
import { startReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A receiver that reads each request and never answers; counts requests open at once. */
async function startHangingReceiver() {
  const open = new Set<IncomingMessage>();
  let maxOpen = 0;
  let total = 0;
  const server: Server = createServer((req) => {
    total++;
    open.add(req);
    maxOpen = Math.max(maxOpen, open.size);
    req.socket.once('close', () => open.delete(req));
    req.resume();
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hang`,
    stats: () => ({ total, maxOpen }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('status webhooks across tenants', () => {
  let dir = '';
  let server: ServerProcess | undefined;
  const closers: Array<() => Promise<void>> = [];

  afterAll(async () => {
    await server?.stop();
    for (const close of closers) await close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("one tenant's receiver that never answers does not delay another tenant's webhooks", async () => {
    const hanging = await startHangingReceiver();
    closers.push(() => hanging.close());
    const good = await startReceiver(SECRET);
    closers.push(() => good.close());
    dir = mkdtempSync(join(tmpdir(), 'sy-fair-'));
    server = await startServer({ dataDir: dir });
    const admin = apiClient(server.url, server.token);
    const tokenOf = async (tenantId: string) => {
      const r = await admin<{ token: string }>('POST', '/v1/tokens', {
        tenantId,
        scopes: ['jobs:submit', 'jobs:read'],
        projects: ['*'],
      });
      expect(r.status).toBe(201);
      return apiClient(server!.url, r.body.token);
    };
    const tenantA = await tokenOf('tenant-a');
    const tenantB = await tokenOf('tenant-b');
    const job = (url: string, i: number) => ({
      name: `job-${i}`,
      project: 'research',
      image: 'busybox:1.36',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      callback: { url, secret: SECRET },
    });

    // 1. Tenant A: 40 jobs whose callbacks hang, until the receiver holds their attempts.
    for (let i = 0; i < 40; i++) {
      expect((await tenantA('POST', '/v1/jobs', job(hanging.url, i))).status).toBe(202);
    }
    await waitFor(async () => (hanging.stats().total >= 4 ? true : undefined), 10_000, 'A');

    // 2. Tenant B: one job; its first status webhook arrives within 2 s.
    const submitted = Date.now();
    const b = await tenantB<{ id: string }>('POST', '/v1/jobs', job(good.url, 0));
    expect(b.status).toBe(202);
    await waitFor(
      async () => (good.received.some((r) => r.verified) ? true : undefined),
      10_000,
      "tenant B's first webhook",
    );
    const elapsed = Date.now() - submitted;
    expect(elapsed).toBeLessThan(2000);
    expect(good.received[0]!.payload.data.id).toBe(b.body.id);

    // 3. Tenant A's receiver never had more than the per-host bound of requests open at once.
    expect(hanging.stats().maxOpen).toBeLessThanOrEqual(4);
  }, 60_000);
});
