/**
 * /v1/drainer/lease and /v1/drainer/settle: a remote pull drainer without access to the queue
 * itself leases its queue's messages through the control plane (`protocol/lease.ts`). A lease with
 * `waitMs` is a bounded long-poll (`queue/long-poll.ts`): on Node the embedded queue wakes it as
 * soon as a message is published; on the Worker the queue cannot wake it and it answers at once.
 */
import type { Principal } from '../../domain/principal.js';
import type { DescribedRoutes } from '../../http/route-def.js';
import { AppError } from '../../base/errors.js';
import { parseDrainerRequest as parse } from '../../protocol/schemas.js';
import { leaseSchema, settleSchema, type LeaseAnswer } from '../../protocol/lease.js';
import { pullWaiting } from '../../queue/long-poll.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { readJson } from '../read-json.js';

/** 404 unless some registered cluster drains `queue`: a typo must not long-poll forever. */
async function requireDrained(deps: AppDeps, principal: Principal, queue: string) {
  const clusters = await deps.clusters.list(principal);
  if (clusters.some((cl) => cl.queue === queue)) return;
  const known = [...new Set(clusters.map((cl) => cl.queue))].sort().join(', ') || 'none';
  throw new AppError('NOT_FOUND', `no cluster drains queue "${queue}" (queues: ${known})`);
}

export function addLeaseRoutes(r: DescribedRoutes<AppEnv>, deps: AppDeps): void {
  r.add(
    {
      method: 'post',
      path: '/lease',
      id: 'drainerLease',
      summary: 'Lease messages of a queue, waiting up to waitMs (≤ 20 s) for one (long-poll)',
      scope: 'drainer',
      body: { name: 'DrainerLease', schema: leaseSchema },
      responses: {
        200: { description: '{ messages: [{ id, body, attempt, receipt }], waitedMs }' },
      },
      errors: [404],
    },
    async (c) => {
      const req = parse(leaseSchema, await readJson(c.req.raw));
      await requireDrained(deps, c.get('principal'), req.queue);
      const t0 = performance.now();
      const messages = await pullWaiting(deps.ctx.queue, req.queue, {
        max: req.max,
        visibilityMs: req.visibilityMs,
        waitMs: req.waitMs,
        signal: c.req.raw.signal,
      });
      const answer: LeaseAnswer = { messages, waitedMs: Math.round(performance.now() - t0) };
      return c.json(answer);
    },
  );
  r.add(
    {
      method: 'post',
      path: '/settle',
      id: 'drainerSettle',
      summary: 'Acknowledge, return (nack) or extend a leased message',
      scope: 'drainer',
      body: { name: 'DrainerSettle', schema: settleSchema },
      responses: { 204: { description: 'done (a stale receipt is a no-op)' } },
    },
    async (c) => {
      const req = parse(settleSchema, await readJson(c.req.raw));
      const q = deps.ctx.queue;
      if (req.action === 'ack') await q.ack(req.queue, req.receipt);
      else if (req.action === 'nack') await q.nack(req.queue, req.receipt, req.delayMs);
      else await q.extend(req.queue, req.receipt, req.visibilityMs);
      return c.body(null, 204);
    },
  );
}
