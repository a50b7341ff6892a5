// The `switchyard` CLI end to end: the real server process (embedded default, simulated
// clusters), and the CLI run as a child process against it, the way a user runs it.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliInto, cliRunner, runNode } from '../support/cli-process.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');

let dir: string;
let server: ServerProcess;
let built: string;

/** Runs the built CLI (what `npm ci` produces) against the server, bounded by `timeoutMs`. */
const cli = (args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) =>
  cliRunner(built, () => ({ url: server.url, token: server.token, cwd: dir }))(args, opts);

const JOB_YAML = `# a small job: one A100 for one second
name: cli-hello
project: research
image: busybox
env:
  SIM_DURATION_SECONDS: "1"
resources:
  accelerator: { type: nvidia-a100, count: 1 }
labels: { team: cli }
`;

describe('switchyard CLI against the real server', () => {
  let jobId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-cli-'));
    built = buildCliInto(join(dir, 'build'));
    server = await startServer({ dataDir: join(dir, 'data') });
    writeFileSync(join(dir, 'job.yaml'), JOB_YAML);
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ name: 'Bad Name', project: 'research', image: 'x', resources: {} }),
    );
    writeFileSync(
      join(dir, 'h100.json'),
      JSON.stringify({
        name: 'where',
        project: 'research',
        image: 'x',
        resources: { accelerator: { type: 'nvidia-h100', count: 2 } },
      }),
    );
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits a YAML job and follows it with --wait until it succeeds', async () => {
    const r = await cli(['submit', 'job.yaml', '--wait', '--timeout', '40s'], {
      timeoutMs: 45_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    jobId = /^job:\s+(\S+)/m.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/^cluster:\s+(aws-us-east-1|onprem-dc1)$/m);
    expect(r.stdout).toMatch(/^decision:\s+placed on /m);
    for (const state of ['running', 'succeeded']) {
      expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${state}\\s`, 'm'));
    }
  }, 50_000);

  it('lists jobs as a table and as JSON', async () => {
    const [r, j] = await Promise.all([
      cli(['jobs', '--project', 'research']),
      cli(['jobs', '--all', '--limit', '1', '--output', 'json']),
    ]);
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+PROJECT\s+KIND\s+GPUS\s+STATE\s+CLUSTER\s+AGE$/);
    expect(row).toMatch(
      new RegExp(
        `^${jobId}\\s+cli-hello\\s+research\\s+job\\s+1 x nvidia-a100\\s+succeeded\\s+\\S+\\s+\\d+s$`,
      ),
    );
    expect(j.code).toBe(0);
    const body = JSON.parse(j.stdout) as { items: Array<{ id: string; state: string }> };
    expect(body.items.map((i) => i.id)).toEqual([jobId]);
  });

  it('shows one job with its decision, trace and event history', async () => {
    const r = await cli(['job', jobId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^id:\\s+${jobId}$`, 'm'));
    // Its trace id, and the command that finds its log lines; `jobs --trace` finds it back.
    const trace = /^trace:\s+([0-9a-f]{32})$/m.exec(r.stdout)?.[1];
    expect(trace, r.stdout).toBeDefined();
    expect(r.stdout).toMatch(new RegExp(`^trace logs:\\s+grep ${trace}$`, 'm'));
    const found = (await cli(['jobs', '--trace', trace!.toUpperCase()])).stdout.trim();
    const rows = found.split('\n').slice(1);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual([jobId]);
    expect(r.stdout).toMatch(/^Decision\n {2}outcome:\s+placed on \S+$/m);
    expect(r.stdout).toContain('gcp-europe-west4  filtered');
    expect(r.stdout).toMatch(/^Events\n {2}TIME\s+STATE\s+REASON\s+MESSAGE$/m);
    expect(r.stdout).toMatch(/\s+succeeded\s+\S+/);
  });

  it('explains a placement with every candidate', async () => {
    const r = await cli(['explain', 'h100.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^outcome:\s+placed on gcp-europe-west4$/m);
    expect(r.stdout).toMatch(/^gcp-europe-west4\s+score \S+/m);
    expect(r.stdout).toMatch(/^aws-us-east-1\s+filtered\s+\S+/m);
    expect(r.stdout).toMatch(/^onprem-dc1\s+filtered\s+\S+/m);
  });

  it('lists clusters, reading the token file when no token is given', async () => {
    mkdirSync(join(dir, '.switchyard'), { recursive: true });
    writeFileSync(join(dir, '.switchyard', 'token'), `${server.token}\n`);
    const [r, j] = await Promise.all([
      cli(['clusters'], { env: { SWITCHYARD_TOKEN: '' } }),
      cli(['clusters', '-o', 'json']),
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CLOUD\s+REGION\s+STATUS\s+KINDS\s+ACCELERATORS\s+HEARTBEAT$/);
    expect(lines).toHaveLength(6);
    expect(r.stdout).toMatch(
      /gcp-europe-west4 \(simulated\)\s+gcp\s+europe-west4\s+active\s+job, jobset, pytorchjob, rayjob\s+nvidia-h100 16\/16/,
    );
    expect((JSON.parse(j.stdout) as { items: unknown[] }).items).toHaveLength(5);
  });

  it('lists the queues with the clusters that drain them and your jobs in them', async () => {
    const [r, j] = await Promise.all([cli(['queues']), cli(['queues', '-o', 'json'])]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^QUEUE\s+CLUSTERS\s+WAITING\s+LONGEST WAIT\s+STARTED$/);
    const body = JSON.parse(j.stdout) as { items: Array<{ queue: string; clusters: string[] }> };
    expect(body.items.length).toBeGreaterThan(0);
    for (const q of body.items) {
      expect(r.stdout).toMatch(new RegExp(`^${q.queue}\\s+${q.clusters.join(', ')}\\s+\\d+`, 'm'));
    }
    expect(lines.at(-1)).toMatch(/^\d+ job\(s\) waiting for capacity or quota$/);
  });

  it('cordons, drains and uncordons a cluster', async () => {
    expect((await cli(['cordon', 'onprem-dc1'])).stdout.trim()).toBe(
      'cluster onprem-dc1 is cordoned',
    );
    const listed = await cli(['clusters']);
    expect(listed.stdout).toMatch(/^onprem-dc1 \(simulated\)\s+onprem\s+dc1\s+cordoned\s/m);
    const drained = await cli(['drain', 'onprem-dc1']);
    expect(drained.stdout.trim()).toBe(
      'cluster onprem-dc1 is draining: moved 0 job(s), 0 remaining',
    );
    expect((await cli(['uncordon', 'onprem-dc1'])).stdout.trim()).toBe(
      'cluster onprem-dc1 is active',
    );
  });

  it('creates, lists and revokes a token', async () => {
    const created = await cli([
      'tokens',
      'create',
      '--tenant',
      'acme',
      '--scopes',
      'jobs:submit,jobs:read',
      '--projects',
      'research',
      '--ttl',
      '7d',
      '--description',
      'cli test',
    ]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token.split('.')).toHaveLength(3); // a JWT, alone on stdout
    const id = /^id:\s+(\S+)$/m.exec(created.stderr)![1]!;

    // The admin tenant lists its own tokens; acme's token is revoked by id.
    const revoked = await cli(['tokens', 'revoke', id]);
    expect(revoked.stdout.trim()).toBe(`token ${id} is revoked`);
    const [denied, listed] = await Promise.all([
      cli(['jobs'], { env: { SWITCHYARD_TOKEN: token } }),
      cli(['tokens', 'list']),
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error UNAUTHENTICATED: /);

    expect(listed.stdout).toMatch(
      /^ID\s+TENANT\s+STATUS\s+SCOPES\s+PROJECTS\s+EXPIRES\s+DESCRIPTION$/m,
    );
    expect(listed.stdout).toMatch(/\sadmin\s+active\s/);
  });

  it('creates, suspends, resumes and deletes a schedule', async () => {
    writeFileSync(
      join(dir, 'schedule.yaml'),
      `name: nightly\ncron: "0 2 1 1 *"\ntimezone: UTC\ntemplate:\n  name: eval\n  project: research\n  image: x\n  resources: { accelerator: { type: nvidia-a100, count: 1 } }\n`,
    );
    const created = await cli(['schedules', 'create', 'schedule.yaml', '-o', 'json']);
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    expect((await cli(['schedules', 'suspend', id])).stdout.trim()).toBe(
      `schedule ${id} is suspended`,
    );
    expect((await cli(['schedules', 'resume', id])).stdout).toMatch(/is active; next: /);
    expect((await cli(['schedules', 'list'])).stdout).toMatch(
      new RegExp(`^${id}\\s+nightly\\s+0 2 1 1 \\*\\s+UTC\\s`, 'm'),
    );
    expect((await cli(['schedules', 'delete', id])).stdout.trim()).toBe(`deleted schedule ${id}`);
  });

  it("never prints a schedule template's callback secret, only that one is set", async () => {
    const secret = 'whsec_Y2xpLXNlY3JldC1jbGktc2VjcmV0LWNsaQ==';
    writeFileSync(
      join(dir, 'secret-schedule.json'),
      JSON.stringify({
        name: 'with-callback',
        cron: '0 2 1 1 *',
        template: {
          name: 'eval',
          project: 'research',
          image: 'x',
          resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
          callback: { url: 'https://hooks.example.com/status', secret },
        },
      }),
    );
    const created = await cli(['schedules', 'create', 'secret-schedule.json', '-o', 'json']);
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const reads = [
      created,
      await cli(['schedules', 'list', '-o', 'json']),
      await cli(['schedules', 'suspend', id, '-o', 'json']),
    ];
    for (const r of reads) {
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(secret.slice(6));
    }
    expect(reads[2]!.stdout).toMatch(/"secretSet": true,\s+"secretSetAt": "/);
    await cli(['schedules', 'delete', id]);
  });

  it('revokes a token and, with --cascade, the tokens it minted', async () => {
    const mint = (env: Record<string, string> = {}) =>
      cli(['tokens', 'create', '--scopes', 'jobs:read,tokens:admin', '--projects', '*'], { env });
    const parent = await mint();
    const parentId = /^id:\s+(\S+)$/m.exec(parent.stderr)![1]!;
    const child = await mint({ SWITCHYARD_TOKEN: parent.stdout.trim() });
    expect([parent.code, child.code]).toEqual([0, 0]);
    const revoked = await cli(['tokens', 'revoke', parentId, '--cascade']);
    expect(revoked.stdout.trim()).toBe(
      `token ${parentId} is revoked; revoked 1 token(s) it minted`,
    );
    const denied = await cli(['jobs'], { env: { SWITCHYARD_TOKEN: child.stdout.trim() } });
    expect(denied.stderr).toMatch(/^error UNAUTHENTICATED: /);
  });

  it('prints the API error envelope for an invalid job file, exit 1', async () => {
    const r = await cli(['submit', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error INVALID_JOB: /);
    expect(r.stderr).toMatch(/^ {2}name: /m);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it('names the unreachable URL and how to start the server, exit 1', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const r = await cli(['jobs', '--url', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach Switchyard at ${url} (ECONNREFUSED)`);
    expect(r.stderr).toContain('npm start');
  });

  it('exits 2 with one line pointing at the help for an unknown command or flag', async () => {
    const [unknown, badFlag] = await Promise.all([cli(['frobnicate']), cli(['jobs', '--bogus'])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: unknown command "frobnicate" (see switchyard --help)\n');

    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(
      /^error: Unknown option '--bogus' \(see switchyard jobs --help\)\n$/,
    );
  });

  it('runs the built CLI through the bin, and from source with a notice when it is missing', async () => {
    // The bin with the build in place (npm run build:cli writes dist/cli/switchyard.mjs).
    const build = runNodeSync(join(ROOT, 'functions/cli/build.mjs'));
    expect(build.code).toBe(0);
    const env = { ...process.env };
    const fast = await runNode(join(ROOT, 'functions/cli/switchyard.mjs'), ['--help'], {
      cwd: dir,
      env,
    });
    expect(fast.code).toBe(0);
    expect(fast.stderr).toBe('');
    expect(fast.stdout).toContain('tokens create');

    // A copy of the CLI sources with no dist/: the bin says so in one line and runs via tsx.
    const copy = join(dir, 'nobuild');
    cpSync(join(ROOT, 'functions/cli'), join(copy, 'functions/cli'), { recursive: true });
    // The CLI's sources also use the shared policy diff.
    cpSync(join(ROOT, 'shared'), join(copy, 'shared'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    expect(existsSync(join(copy, 'dist'))).toBe(false);
    const slow = await runNode(join(copy, 'functions/cli/switchyard.mjs'), ['--help'], {
      cwd: dir,
      env,
    });
    expect(slow.code).toBe(0);
    expect(slow.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^switchyard: dist\/cli\/switchyard\.mjs is missing \(run `npm run build:cli`\)/,
      ),
    ]);
    expect(slow.stdout).toContain('tokens create');
  }, 40_000);
});

function runNodeSync(script: string) {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
