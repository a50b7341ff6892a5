// A held Pub/Sub pull ends when the drainer stops: the pending gax call is cancelled (a fake
// SubscriberClient whose pull never answers unless cancelled), a deadline answers nothing, other
// errors go through; and the pump's stop() resolves once its loop has left, a pull pending.
import { describe, expect, it } from 'vitest';
import type { v1 } from '@google-cloud/pubsub';
import { heldPull } from '../../shared/queue/pubsub-held-pull.node.js';
import { createPump } from '../../shared/drainer/pump.js';

/** A client whose pull answers only through `cancel()` (gRPC CANCELLED) or `fail`. */
function fakeClient(fail?: { code: number }) {
  const calls: Array<{ request: Record<string, unknown>; cancelled: boolean }> = [];
  const client = {
    initialize: async () => ({}),
    innerApiCalls: {
      pull: (request: Record<string, unknown>) => {
        const call = { request, cancelled: false };
        calls.push(call);
        let reject!: (e: unknown) => void;
        const p = new Promise((_resolve, rej) => (reject = rej)) as Promise<unknown> & {
          cancel(): void;
        };
        p.cancel = () => {
          call.cancelled = true;
          reject(Object.assign(new Error('1 CANCELLED'), { code: 1 }));
        };
        if (fail) queueMicrotask(() => reject(Object.assign(new Error('failed'), fail)));
        return p;
      },
    },
  };
  return { client: client as unknown as v1.SubscriberClient, calls };
}

const request = { subscription: 'projects/p/subscriptions/s', maxMessages: 5 };

describe('a held Pub/Sub pull', () => {
  it('asks the server to hold it and is cancelled when the signal aborts', async () => {
    const { client, calls } = fakeClient();
    const abort = new AbortController();
    const pending = heldPull(client, request, 60_000, abort.signal);
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request).toMatchObject({ ...request, returnImmediately: false });
    abort.abort();
    expect(await pending).toEqual({});
    expect(calls[0]!.cancelled).toBe(true);
  });

  it('answers nothing at its deadline and passes other errors on', async () => {
    expect(await heldPull(fakeClient({ code: 4 }).client, request, 10)).toEqual({});
    await expect(heldPull(fakeClient({ code: 14 }).client, request, 10)).rejects.toMatchObject({
      code: 14,
    });
    // A cancel nobody asked for is an error too.
    await expect(heldPull(fakeClient({ code: 1 }).client, request, 10)).rejects.toMatchObject({
      code: 1,
    });
  });
});

describe('the pump stopping', () => {
  it('resolves stop() once the loop has left, cancelling a pull that would wait forever', async () => {
    let pulls = 0;
    let answered = false;
    const pump = createPump({
      // Answers only when aborted, and a little later, as a cancelled gRPC call does.
      pull: (_max, signal) =>
        new Promise((resolve) => {
          pulls++;
          const answer = () => setTimeout(() => ((answered = true), resolve([])), 20);
          signal.addEventListener('abort', answer, { once: true });
        }),
      handle: async () => {},
      idle: async () => {},
      maxInFlight: 4,
      idleWaitMs: 1_000,
      onError: () => {},
    });
    pump.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(pulls).toBe(1);
    await pump.stop();
    expect(answered).toBe(true);
    expect(pulls).toBe(1);
  });
});
