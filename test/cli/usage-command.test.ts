// `switchyard usage` end to end: the built CLI against the real server process (embedded default,
// simulated clusters): GPUs in use by type against the policy's quotas and spend against its
// budgets, per tenant and project, as a table and with --json (the API's answer as it is); a
// wrong flag is a usage error (exit 2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliInto, cliRunner } from '../support/cli-process.js';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';

let dir: string;
let server: ServerProcess;
let built: string;
const cli = (args: string[]) =>
  cliRunner(built, () => ({ url: server.url, token: server.token, cwd: dir }))(args);

const A100 = 'nvidia-a100';
const POLICY = {
  version: 'usage-1',
  quotas: {
    tenants: { admin: { gpus: { [A100]: 6 } } },
    projects: { 'admin/research': { totalGpus: 4, maxCostPerHour: 100 } },
  },
};

type Usage = {
  items: Array<{
    id: string;
    kind: string;
    gpus: Array<{ type: string; inUse: number; quota: number | null }>;
  }>;
};

describe('switchyard usage against the real server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-cli-usage-'));
    built = buildCliInto(join(dir, 'build'));
    server = await startServer({ dataDir: join(dir, 'data') });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows GPUs in use by type against quota per tenant and project, and --json', async () => {
    const api = apiClient(server.url, server.token);
    expect((await api('PUT', '/v1/policy', POLICY)).status).toBe(200);
    const job = await api<{ id: string }>('POST', '/v1/jobs', {
      name: 'uses-three',
      project: 'research',
      image: 'busybox',
      env: { SIM_DURATION_SECONDS: '120' },
      resources: { accelerator: { type: A100, count: 3 } },
    });
    expect(job.status).toBe(202);
    await waitFor(
      async () => {
        const u = await api<Usage>('GET', '/v1/usage');
        return u.body.items.some((i) => i.gpus.some((g) => g.type === A100 && g.inUse === 3))
          ? true
          : undefined;
      },
      20_000,
      'the 3 GPUs in use',
    );

    const [r, j] = await Promise.all([cli(['usage']), cli(['usage', '--json'])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WHO\s+ACCELERATOR\s+IN USE\s+QUOTA\s+FREE$/m);
    expect(r.stdout).toMatch(new RegExp(`^admin \\(tenant\\)\\s+${A100}\\s+3\\s+6\\s+3$`, 'm'));
    expect(r.stdout).toMatch(/^admin\/research\s+all types\s+3\s+4\s+1$/m);
    // Spend: 3 A100s at aws-us-east-1's 3.4 or onprem-dc1's 1.2 per GPU-hour, budget 100.
    expect(r.stdout).toMatch(/^WHO\s+SPEND\s+BUDGET\s+LEFT$/m);
    expect(r.stdout).toMatch(
      /^admin\/research\s+(10\.20|3\.60) USD\/h\s+100 USD\/h\s+(89\.80|96\.40) USD\/h$/m,
    );
    expect(j.code).toBe(0);
    const body = JSON.parse(j.stdout) as Usage;
    const direct = await api<Usage>('GET', '/v1/usage');
    expect(body).toEqual(direct.body);
    expect(body.items.map((i) => i.kind)).toContain('tenant');
    await api('POST', `/v1/jobs/${job.body.id}/cancel`);
  });

  it('picks one tenant with --tenant, and names a bad tenant id on one line, exit 1', async () => {
    const [one, bad] = await Promise.all([
      cli(['usage', '--tenant', 'admin', '--json']),
      cli(['usage', '--tenant', 'Bad Tenant']),
    ]);
    expect(one.code).toBe(0);
    const body = JSON.parse(one.stdout) as Usage;
    expect(body.items.length).toBeGreaterThan(0);
    expect(
      new Set(body.items.map((i) => i.id.replace(/^(tenant|project):/, '').split('/')[0])),
    ).toEqual(new Set(['admin']));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('tenant must be a tenant id');
  });

  it('refuses a stray argument with a usage error, exit 2', async () => {
    const r = await cli(['usage', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage/i);
  });
});
