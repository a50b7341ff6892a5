// `switchyard maintenance …` in process against the real app served over loopback (memory store):
// start a plan by id, show it, cancel it (the cluster is active again), and a usage error (exit 2).
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli/main.js';
import { createFixture, type Fixture } from '../security/fixture.js';

let f: Fixture;
let server: ServerType;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  f = await createFixture();
  server = await new Promise<ServerType>((ready) => {
    const s = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(s));
  });
  const { port } = server.address() as AddressInfo;
  env = {
    SWITCHYARD_URL: `http://127.0.0.1:${port}`,
    SWITCHYARD_TOKEN: (await f.mint('ops')).token,
  };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, env, process.cwd(), {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
  });
  return { code: code ?? 0, out, err };
}

describe('switchyard maintenance', () => {
  it('starts, shows and cancels a plan', async () => {
    const started = await cli('maintenance', 'start', '--clusters', 'sim-one', '--json');
    expect(started.code).toBe(0);
    const id = (JSON.parse(started.out) as { id: string }).id;
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('draining');
    const shown = await cli('maintenance', 'show', id);
    expect(shown.out).toMatch(/sim-one\s+draining/);
    expect(shown.out).toContain('cluster.draining');
    expect((await cli('maintenance', 'list')).out).toContain(id);
    const cancelled = await cli('maintenance', 'cancel', id);
    expect(cancelled.out.trim()).toBe(`plan ${id} is cancelled`);
    expect((await f.store.clusters.get('sim-one'))?.state).toBe('active');
  });

  it('refuses --clusters with --selector as a usage error', async () => {
    const r = await cli('maintenance', 'start', '--clusters', 'a', '--selector', 'x=y');
    expect(r.code).toBe(2);
    expect(r.err).toContain('exactly one of --clusters or --selector');
  });
});
