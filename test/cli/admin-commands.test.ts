// The newer CLI commands end to end: policy get|put|diff|history|rollback|simulate, hooks,
// deliveries, signing-keys, status and tokens list --tenant, each as a table and with --json, run as the built CLI against
// the real server process (embedded default, simulated clusters).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildCliInto, cliRunner } from '../support/cli-process.js';
import { apiClient, startServer, waitFor, type ServerProcess } from '../support/server-process.js';
import { startReceiver } from '../support/webhook-receiver.js';

let dir: string;
let server: ServerProcess;
let built: string;
const cli = (args: string[], opts: { env?: Record<string, string> } = {}) =>
  cliRunner(built, () => ({ url: server.url, token: server.token, cwd: dir }))(args, opts);

const POLICY = `version: cli-1
weights: { cost: 2 }
rules:
  - name: eu-residency
    match: { labels: { residency: eu } }
    require: { regions: ["europe-*"] }
  - name: bulk-onprem
    prefer: [{ clouds: [onprem], weight: 5 }]
`;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('switchyard admin commands against the real server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-cli-admin-'));
    built = buildCliInto(join(dir, 'build'));
    server = await startServer({ dataDir: join(dir, 'data') });
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the policy from a file, diffs it against the server, and gets it back', async () => {
    const before = await cli(['policy', 'diff', 'policy.yaml']);
    expect(before.code).toBe(0);
    const lines = before.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^--- server/), '+++ policy.yaml']),
    );

    const put = await cli(['policy', 'put', 'policy.yaml']);
    expect([put.code, put.stdout.trim()]).toEqual([
      0,
      expect.stringMatching(/^routing policy revision (\d+) \(version cli-1\) is in force$/),
    ]);
    const same = await cli(['policy', 'diff', 'policy.yaml']);
    expect(same.stdout.trim()).toMatch(
      /^no differences: policy\.yaml matches the server \(revision \d+, version cli-1\)$/,
    );

    writeFileSync(
      join(dir, 'edited.yaml'),
      POLICY.replace('cost: 2', 'cost: 3')
        .replace('"europe-*"', '"eu-*"')
        .replace(/ {2}- name: bulk-onprem\n.*\n/, ''),
    );
    const [diff, diffJson] = await Promise.all([
      cli(['policy', 'diff', 'edited.yaml']),
      cli(['policy', 'diff', 'edited.yaml', '--json']),
    ]);
    expect(diff.stdout.trim().split('\n').slice(2)).toEqual([
      '~ weights.cost: 2 -> 3',
      '- rules[bulk-onprem]: {"name":"bulk-onprem","match":{},"prefer":[{"clouds":["onprem"],"weight":5}]}',
      '~ rules[eu-residency].require.regions: ["europe-*"] -> ["eu-*"]',
      '3 difference(s); `switchyard policy put edited.yaml` applies the file',
    ]);
    const changes = (JSON.parse(diffJson.stdout) as { changes: Array<{ path: string }> }).changes;
    expect(changes.map((c) => c.path)).toEqual([
      'weights.cost',
      'rules[bulk-onprem]',
      'rules[eu-residency].require.regions',
    ]);

    const got = await cli(['policy', 'get']);
    expect(got.stdout).toMatch(/^# routing policy revision \d+, updated \S+ by \S+\n/);
    const doc = parseYaml(got.stdout) as { version: string; rules: Array<{ name: string }> };
    expect([doc.version, doc.rules.map((r) => r.name)]).toEqual([
      'cli-1',
      ['eu-residency', 'bulk-onprem'],
    ]);
    const gotJson = JSON.parse((await cli(['policy', 'get', '--json'])).stdout) as {
      document: unknown;
    };
    expect(gotJson.document).toEqual(doc);
  });

  it('refuses an invalid policy file with the server’s field errors, exit 1, nothing changed', async () => {
    writeFileSync(join(dir, 'bad-policy.yaml'), 'version: 2\nweights: { cost: -1 }\n');
    const r = await cli(['policy', 'put', 'bad-policy.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error INVALID_POLICY: .*weights\.cost/);
    expect(r.stderr).toMatch(/^ {2}weights\.cost: /m);
    const missing = await cli(['policy', 'diff', 'nope.yaml']);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'error: cannot read nope.yaml: no such file\n',
    ]);
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    const notMapping = await cli(['policy', 'put', 'list.yaml']);
    expect(notMapping.code).toBe(1);
    expect(notMapping.stderr).toMatch(/^error: list\.yaml must hold a policy document: .*\n$/);
  });

  it('lists the kept policy versions and rolls back to one as a new version', async () => {
    const put1 = JSON.parse((await cli(['policy', 'put', 'policy.yaml', '--json'])).stdout) as {
      revision: number;
    };
    writeFileSync(
      join(dir, 'policy2.yaml'),
      POLICY.replace('cli-1', 'cli-2').replace('cost: 2', 'cost: 4'),
    );
    const put2 = await cli(['policy', 'put', 'policy2.yaml']);
    expect(put2.code).toBe(0);
    const r1 = put1.revision;

    const history = await cli(['policy', 'history', '--limit', '2']);
    expect(history.code).toBe(0);
    const rows = history.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^REVISION +VERSION +AGE +BY +CHANGES$/);
    expect(rows.slice(1).map((r) => r.split(/ {2,}/))).toEqual([
      [
        String(r1 + 1),
        'cli-2',
        expect.stringMatching(/^\d+s$/),
        expect.any(String),
        'version, weights.cost',
      ],
      [
        String(r1),
        'cli-1',
        expect.stringMatching(/^\d+s$/),
        expect.any(String),
        expect.any(String),
      ],
    ]);
    expect(history.stderr).toBe(`(older versions: switchyard policy history --cursor ${r1})\n`);

    const back = await cli(['policy', 'rollback', String(r1), '--if-match', String(r1 + 1)]);
    expect([back.code, back.stdout.trim()]).toEqual([
      0,
      `routing policy revision ${r1 + 2} (a copy of revision ${r1}, version cli-1) is in force`,
    ]);
    const newest = JSON.parse((await cli(['policy', 'history', '--limit', '1', '--json'])).stdout);
    expect(newest.items[0]).toMatchObject({
      revision: r1 + 2,
      policyVersion: 'cli-1',
      rollbackOf: r1,
      summary: `rollback to revision ${r1}: version, weights.cost`,
    });

    const stale = await cli(['policy', 'rollback', String(r1), '--if-match', String(r1 + 1)]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      new RegExp(
        `^error VERSION_CONFLICT: the routing policy is at revision ${r1 + 2}, not ${r1 + 1}`,
      ),
    );
    const usage = await cli(['policy', 'rollback', 'latest']);
    expect([usage.code, usage.stderr]).toEqual([
      2,
      expect.stringMatching(/VERSION must be a whole number/),
    ]);
  });

  it('lists hooks', async () => {
    const api = apiClient(server.url, server.token);
    const created = await api<{ id: string }>('POST', '/v1/hooks', {
      project: 'research',
      description: 'from ci',
      template: {
        name: 'hooked',
        project: 'research',
        image: 'busybox',
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
      },
    });
    expect(created.status).toBe(201);
    const [r, j] = await Promise.all([cli(['hooks']), cli(['hooks', '--json'])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+PROJECT\s+SCHEME\s+SECRETS\s+AGE\s+PATH\s+DESCRIPTION$/m);
    expect(r.stdout).toMatch(
      new RegExp(
        `^${created.body.id}\\s+research\\s+standard-webhooks\\s+1\\s+\\d+s\\s+/v1/hooks/${created.body.id}\\s+from ci$`,
        'm',
      ),
    );
    expect(
      (JSON.parse(j.stdout) as { items: Array<{ id: string }> }).items.map((h) => h.id),
    ).toEqual([created.body.id]);
  });

  it("lists a job's status webhook deliveries", async () => {
    const receiver = await startReceiver(SECRET);
    try {
      const api = apiClient(server.url, server.token);
      const job = await api<{ id: string }>('POST', '/v1/jobs', {
        name: 'with-callback',
        project: 'research',
        image: 'busybox',
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
        callback: { url: `${receiver.url}/hook?token=hidden`, secret: SECRET },
      });
      expect(job.status).toBe(202);
      await waitFor(
        async () => {
          const d = await api<{ items: Array<{ state: string }> }>(
            'GET',
            `/v1/jobs/${job.body.id}/deliveries`,
          );
          return d.body.items.some((i) => i.state === 'delivered') ? true : undefined;
        },
        20_000,
        'a delivered webhook',
      );
      const [r, j] = await Promise.all([
        cli(['deliveries', job.body.id]),
        cli(['deliveries', job.body.id, '-o', 'json']),
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ID\s+EVENT\s+STATE\s+ATTEMPTS\s+LAST\s+TRIED\s+AGE\s+URL$/m);
      expect(r.stdout).toMatch(
        new RegExp(
          `\\sdelivered\\s+1\\s+HTTP 2\\d\\d\\s+\\d+s\\s+\\d+s\\s+${receiver.url}/hook$`,
          'm',
        ),
      );
      expect(r.stdout).not.toContain('hidden');
      expect(r.stdout.trim().split('\n').at(-1)).toBe('0 dead letter(s)');
      const body = JSON.parse(j.stdout) as { items: unknown[]; deadLetters: number };
      expect(body.items.length).toBe(r.stdout.trim().split('\n').length - 2);

      const missing = await cli(['deliveries', 'job_nope']);
      expect([missing.code, missing.stderr]).toEqual([
        1,
        expect.stringMatching(/^error NOT_FOUND: .*job_nope/),
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('lists signing keys as the admin tenant, and refuses another tenant with exit 1', async () => {
    const [r, j] = await Promise.all([cli(['signing-keys']), cli(['signing-keys', '--json'])]);
    expect(r.code).toBe(0);
    const keys = (JSON.parse(j.stdout) as { items: Array<{ kid: string; alg: string }> }).items;
    expect(keys.length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^KID\s+ALG\s+ROLE\s+CREATED\s+AGE$/m);
    expect(r.stdout).toMatch(new RegExp(`^${keys[0]!.kid}\\s+${keys[0]!.alg}\\s+signing\\s`, 'm'));

    const acme = await mintFor('acme', 'tokens:admin');
    const denied = await cli(['signing-keys'], { env: { SWITCHYARD_TOKEN: acme } });
    expect([denied.code, denied.stdout]).toEqual([1, '']);
    expect(denied.stderr).toMatch(/^error FORBIDDEN: only the \S+ tenant manages signing keys\n$/);
  });

  it("lists another tenant's tokens as admin (--tenant), and refuses that to other tenants", async () => {
    const acme = await mintFor('acme', 'tokens:admin');
    const [mine, theirs] = await Promise.all([
      cli(['tokens', 'list', '--json']),
      cli(['tokens', 'list', '--tenant', 'acme']),
    ]);
    const own = (JSON.parse(mine.stdout) as { items: Array<{ tenantId: string }> }).items;
    expect(new Set(own.map((t) => t.tenantId)).has('acme')).toBe(false);
    expect(theirs.code).toBe(0);
    const rows = theirs.stdout.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^\S+\s+acme\s+active\s/);

    const denied = await cli(['tokens', 'list', '--tenant', 'admin'], {
      env: { SWITCHYARD_TOKEN: acme },
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(
      /^error FORBIDDEN: only the admin tenant lists another tenant's tokens/,
    );
  });

  it('shows clusters, queues and the latest jobs in one screen', async () => {
    const api = apiClient(server.url, server.token);
    const job = await api<{ id: string }>('POST', '/v1/jobs', {
      name: 'for-status',
      project: 'research',
      image: 'busybox',
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    });
    expect(job.status).toBe(202);
    const [r, j] = await Promise.all([cli(['status', '--limit', '3']), cli(['status', '--json'])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Clusters\n {2}ID\s+CLOUD\s+REGION\s+STATUS\s+KINDS\s+ACCELERATORS\s+HEARTBEAT$/m,
    );
    expect(r.stdout).toMatch(/^Queues\n {2}QUEUE\s+CLUSTERS\s+WAITING\s+LONGEST WAIT\s+STARTED$/m);
    expect(r.stdout).toMatch(/^ {2}\d+ job\(s\) waiting for capacity or quota$/m);
    expect(r.stdout).toMatch(
      /^Your latest jobs.*\n {2}ID\s+NAME\s+PROJECT\s+KIND\s+GPUS\s+STATE\s+CLUSTER\s+AGE$/m,
    );
    expect(r.stdout).toMatch(new RegExp(`^ {2}${job.body.id}\\s+for-status\\s+research\\s`, 'm'));
    const body = JSON.parse(j.stdout) as {
      clusters: { items: Array<{ id: string }> };
      queues: { items: unknown[] };
      jobs: { items: unknown[] };
    };
    expect(body.clusters.items.map((c) => c.id).sort()).toEqual([
      'aws-us-east-1',
      'gcp-europe-west4',
      'gcp-us-central1',
      'onprem-dc1',
      'onprem-dc2',
    ]);
    for (const c of body.clusters.items) expect(r.stdout).toContain(`  ${c.id} (simulated)`);
    expect(body.jobs.items.length).toBeGreaterThan(0);
  });
  it('simulates a policy file against the recent jobs: the table of changes, --json, nothing stored', async () => {
    const api = apiClient(server.url, server.token);
    const ids: string[] = [];
    for (const name of ['sim-a', 'sim-b']) {
      const r = await api<{ id: string }>('POST', '/v1/jobs', {
        name,
        project: 'research',
        image: 'busybox:1.36',
        resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
        labels: { 'what-if': 'yes' },
      });
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
    const inForce = JSON.parse((await cli(['policy', 'get', '--json'])).stdout) as {
      revision: number;
      document: { rules: unknown[] };
    };
    // The draft: the policy in force plus a rule that sends labelled jobs to gcp (no A100s there).
    const draft = {
      ...inForce.document,
      rules: [
        ...inForce.document.rules,
        { name: 'what-if', match: { labels: { 'what-if': 'yes' } }, require: { clouds: ['gcp'] } },
      ],
    };
    writeFileSync(join(dir, 'draft.json'), JSON.stringify(draft));
    const [r, j] = await Promise.all([
      cli(['policy', 'simulate', 'draft.json', '--limit', '50']),
      cli(['policy', 'simulate', 'draft.json', '--limit', '50', '--json']),
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const body = JSON.parse(j.stdout) as {
      summary: { changed: number; newlyRejected: { jobs: number } };
      changes: Array<{ jobId: string; after: { outcome: string } }>;
    };
    expect([body.summary.changed, body.summary.newlyRejected.jobs]).toEqual([2, 2]);
    expect(body.changes.map((c) => [c.jobId, c.after.outcome])).toEqual(
      ids.map((id) => [id, 'rejected']),
    );
    expect(r.stdout).toMatch(
      /^replayed \d+ job\(s\) .* on 5 cluster\(s\): draft\.json against revision \d+/,
    );
    expect(r.stdout).toMatch(/^2 would change: /m);
    expect(r.stdout).toMatch(/^newly rejected: 2$/m);
    expect(r.stdout).toMatch(/^JOB\s+PROJECT\s+GPUS\s+BEFORE\s+AFTER$/m);
    for (const id of ids) {
      expect(r.stdout).toMatch(new RegExp(`^${id}\\s+research\\s+1\\s+\\S+\\s+rejected$`, 'm'));
    }
    const after = JSON.parse((await cli(['policy', 'get', '--json'])).stdout) as {
      revision: number;
    };
    expect(after.revision).toBe(inForce.revision);
    const bad = await cli(['policy', 'simulate', 'draft.json', '--limit', 'all']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringMatching(/--limit must be a whole number/),
    ]);
  });
});

/** A token for `tenant` minted through the API with the admin token. */
async function mintFor(tenant: string, ...scopes: string[]): Promise<string> {
  const api = apiClient(server.url, server.token);
  const r = await api<{ token: string }>('POST', '/v1/tokens', {
    tenantId: tenant,
    scopes: [...scopes, 'jobs:read'],
    projects: ['*'],
  });
  expect(r.status).toBe(201);
  return r.body.token;
}
