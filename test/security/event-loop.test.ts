// Parsers must not stall the server: while an attacker sends a deeply nested YAML policy, or
// explains a job whose project name makes a backtracking glob slow, /healthz keeps answering in
// under 50 ms. Each attack is a real request to the real server, and a health probe is sent while
// it is being handled; the slowest of five probes counts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, type ServerProcess } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-event-loop-'));
let server: ServerProcess;
let api: ReturnType<typeof apiClient>;

async function healthzMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(20_000) });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return performance.now() - started;
}

/**
 * Sends `attack` five times; 10 ms into each (the server is handling it: before the fix, each one
 * held the event loop for seconds) probes /healthz. The slowest probe, and every answer.
 */
async function underAttack(attack: () => Promise<{ status: number; body: unknown }>) {
  // One attack first, so the probes measure the attack and not the first run of its code path.
  const answers: Array<{ status: number; body: unknown }> = [await attack()];
  const probes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const inFlight = attack();
    await new Promise((r) => setTimeout(r, 10));
    probes.push(await healthzMs());
    answers.push(await inFlight);
  }
  return { slowest: Math.max(...probes), answers };
}

describe('the event loop under parser attacks', () => {
  beforeAll(async () => {
    server = await startServer({ dataDir: join(dir, 'data') });
    api = apiClient(server.url, server.token);
    for (let i = 0; i < 10; i++) await healthzMs(); // warm the connection and the route
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz fast while a 130 KB nested YAML policy is refused', async () => {
    // Encoded once, so the probes measure the server and not this process re-encoding it.
    const nested = new TextEncoder().encode('['.repeat(65_000) + ']'.repeat(65_000));
    const { slowest, answers } = await underAttack(async () => {
      const res = await fetch(`${server.url}/v1/policy`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/yaml' },
        body: nested,
      });
      return { status: res.status, body: await res.json() };
    });
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) {
      expect(a).toMatchObject({ status: 400, body: { error: { code: 'NESTED_TOO_DEEP' } } });
    }
    expect(slowest).toBeLessThan(50);
  });

  it('refuses the same nesting sent as JSON with the same code', async () => {
    const nested = '['.repeat(65_000) + ']'.repeat(65_000);
    const r = await api('PUT', '/v1/policy', nested);
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'NESTED_TOO_DEEP' } } });
    const job = await api('POST', '/v1/jobs', `{"name":"x","env":${nested}}`);
    expect(job).toMatchObject({ status: 400, body: { error: { code: 'NESTED_TOO_DEEP' } } });
  });

  it('answers /healthz fast while an attacker-named project meets a many-star glob', async () => {
    const policy = await api('PUT', '/v1/policy', {
      version: 'globs-1',
      rules: [
        {
          name: 'many-stars',
          match: { projects: ['*a*a*a*a*a*a*b'] },
          prefer: [{ weight: 1, clouds: ['aws'] }],
        },
      ],
    });
    expect(policy.status).toBe(200);
    const spec = { name: 'probe', project: 'a'.repeat(63), image: 'x', resources: {} };
    const { slowest, answers } = await underAttack(() => api('POST', '/v1/jobs:explain', spec));
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) expect(a.status).toBe(200);
    expect(slowest).toBeLessThan(50);
  });
});
