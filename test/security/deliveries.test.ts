// GET /v1/jobs/:id/deliveries: a job's status webhooks and dead letters, for its owner only,
// without the callback secret, the signed payload or anything the receiver answered.
import { describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../shared/webhooks/delivery-worker.js';
import { createFixture, jobBody } from './fixture.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('job deliveries', () => {
  it('lists attempts and dead letters without secrets, payloads or query strings', async () => {
    const f = await createFixture();
    const token = (await f.mint('acme')).token;
    const submitted = await f.call('POST', '/v1/jobs', {
      token,
      body: jobBody('research', {
        callback: { url: 'https://hooks.example/cb?key=s3cr3t', secret: SECRET },
      }),
    });
    const id = String(submitted.body.id);
    const worker = createDeliveryWorker({
      deliveries: f.store.deliveries,
      secretFor: async () => SECRET,
      clock: f.clock,
      fetch: async () => new Response('internal answer', { status: 410 }),
    });
    await worker.runOnce();

    const res = await f.call('GET', `/v1/jobs/${id}/deliveries`, { token });
    expect(res.status).toBe(200);
    const items = res.body.items as Array<Record<string, unknown>>;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({
      eventType: 'job.received',
      state: 'dead',
      deadLetter: true,
      lastStatus: 410,
      url: 'https://hooks.example/cb',
    });
    expect(res.body.deadLetters).toBe(items.length);
    for (const leak of [SECRET, 's3cr3t', 'internal answer', '"payload"'])
      expect(res.text).not.toContain(leak);

    const other = (await f.mint('globex')).token;
    expect((await f.call('GET', `/v1/jobs/${id}/deliveries`, { token: other })).status).toBe(404);
  });
});
