// The switch that runs the embedded server without its in-process drainers (drainers.inProcess /
// SWITCHYARD_IN_PROCESS_DRAINERS), so the push function can be the only drainer: how the schema
// and the environment read it, and one real start each way, told apart by the capacity heartbeat
// an in-process drainer sends as soon as it starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/base/log.js';
import { applyEnv, configSchema, parseConfig } from '../../shared/config/schema.js';
import { startEmbedded } from '../../functions/server/embedded.js';

describe('drainers.inProcess in the configuration', () => {
  it.each([
    { name: 'absent', doc: {}, want: true },
    { name: 'false', doc: { drainers: { inProcess: false } }, want: false },
    { name: 'true', doc: { drainers: { inProcess: true } }, want: true },
  ])('reads $name as $want', ({ doc, want }) => {
    expect(parseConfig(doc, 'test.yaml').drainers.inProcess).toBe(want);
  });

  it.each([
    { name: 'a string', doc: { drainers: { inProcess: 'no' } }, want: /drainers\.inProcess/ },
    { name: 'an unknown key', doc: { drainers: { inprocess: false } }, want: /drainers/ },
  ])('refuses $name with INVALID_CONFIG naming the field', ({ doc, want }) => {
    expect(() => parseConfig(doc, 'test.yaml')).toThrow(want);
    expect(configSchema.safeParse(doc).success).toBe(false);
  });

  it('takes SWITCHYARD_IN_PROCESS_DRAINERS=true|false over the file, and refuses anything else', () => {
    const file = { drainers: { inProcess: true } };
    const off = applyEnv(file, { SWITCHYARD_IN_PROCESS_DRAINERS: 'false' });
    expect(parseConfig(off, 'x').drainers.inProcess).toBe(false);
    expect(
      parseConfig(applyEnv({}, { SWITCHYARD_IN_PROCESS_DRAINERS: 'true' }), 'x').drainers,
    ).toEqual({ inProcess: true, heartbeatSeconds: 5 });
    expect(() => applyEnv(file, { SWITCHYARD_IN_PROCESS_DRAINERS: '0' })).toThrow(
      'environment variable SWITCHYARD_IN_PROCESS_DRAINERS must be true or false, got "0"',
    );
  });
});

describe('the embedded server with and without in-process drainers', () => {
  const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

  async function lastHeartbeatAfter(inProcess: boolean, waitMs: number) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sy-drainers-'));
    const config = parseConfig(
      {
        dataDir,
        server: { port: 0 },
        store: { driver: 'memory' },
        drainers: { inProcess },
        clusters: [
          {
            id: 'sim-a',
            cloud: 'aws',
            region: 'us-east-1',
            pools: [{ accelerator: 'nvidia-a100', nodes: 1, gpusPerNode: 8 }],
            connect: { simulated: { port: 0 } },
          },
        ],
      },
      'test',
    );
    const server = await startEmbedded(config, silent);
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const res = await fetch(`${server.url}/v1/clusters`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        });
        const body = (await res.json()) as { items: Array<{ lastHeartbeat: string | null }> };
        const seen = body.items[0]?.lastHeartbeat ?? null;
        if (seen || Date.now() > deadline) return seen;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('with them on, a heartbeat arrives; with them off, none does', async () => {
    expect(await lastHeartbeatAfter(true, 5_000)).not.toBeNull();
    expect(await lastHeartbeatAfter(false, 1_000)).toBeNull();
  });
});

describe('Pub/Sub settings from the environment', () => {
  it('takes SWITCHYARD_PUBSUB_PROJECT and SWITCHYARD_PUBSUB_PREFIX over the file', () => {
    const file = { queue: { driver: 'pubsub', pubsub: { project: 'p1', prefix: 'staging' } } };
    const env = { SWITCHYARD_PUBSUB_PROJECT: 'p2', SWITCHYARD_PUBSUB_PREFIX: 'prod' };
    const q = parseConfig(applyEnv(file, env), 'x').queue;
    expect(q.driver === 'pubsub' && q.pubsub).toMatchObject({ project: 'p2', prefix: 'prod' });
    const fromFile = parseConfig(applyEnv(file, {}), 'x').queue;
    expect(fromFile.driver === 'pubsub' && fromFile.pubsub).toMatchObject({ prefix: 'staging' });
  });

  it('refuses an empty SWITCHYARD_PUBSUB_PREFIX naming the field', () => {
    const file = { queue: { driver: 'pubsub', pubsub: { project: 'p1' } } };
    expect(() => parseConfig(applyEnv(file, { SWITCHYARD_PUBSUB_PREFIX: '' }), 'x')).toThrow(
      /queue\.pubsub\.prefix/,
    );
  });
});
