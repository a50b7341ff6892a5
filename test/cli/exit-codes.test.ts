// Every CLI command fails the same way: exit 1 with one line on stderr when the server is
// unreachable or answers an error, exit 2 with one line for wrong arguments, nothing on stdout.
// The command list is read from `switchyard --help`, so a new command must be added below.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliInto, cliRunner, type Run } from '../support/cli-process.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

/** What each command needs to get as far as its request. */
const ARGS: Record<string, string[]> = {
  status: [],
  submit: ['job.yaml'],
  jobs: [],
  job: ['job_x'],
  cancel: ['job_x'],
  deliveries: ['job_x'],
  logs: ['job_x'],
  explain: ['job.yaml'],
  clusters: [],
  queues: [],
  cordon: ['onprem-dc1'],
  uncordon: ['onprem-dc1'],
  drain: ['onprem-dc1'],
  'tokens list': [],
  'tokens create': ['--scopes', 'jobs:read', '--projects', 'research'],
  'tokens revoke': ['tok_x'],
  'signing-keys': [],
  hooks: [],
  usage: [],
  'policy get': [],
  'policy put': ['policy.yaml'],
  'policy diff': ['policy.yaml'],
  'policy history': [],
  'policy rollback': ['1'],
  'policy simulate': ['policy.yaml'],
  'schedules list': [],
  'schedules create': ['schedule.yaml'],
  'schedules delete': ['sch_x'],
  'schedules suspend': ['sch_x'],
  'schedules resume': ['sch_x'],
  'maintenance list': [],
  'maintenance show': ['mnt_x'],
  'maintenance start': ['--clusters', 'onprem-dc1'],
  'maintenance pause': ['mnt_x'],
  'maintenance resume': ['mnt_x'],
  'maintenance cancel': ['mnt_x'],
  'maintenance done': ['mnt_x', 'onprem-dc1'],
};

let dir: string;
let server: ServerProcess;
let built: string;
let closedUrl: string;
let commands: string[];
const cli = (args: string[], env: Record<string, string> = {}) =>
  cliRunner(built, () => ({ url: server.url, token: server.token, cwd: dir }))(args, { env });

async function inBatches<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return out;
}

const oneLine = (r: Run) => r.stderr.endsWith('\n') && !r.stderr.slice(0, -1).includes('\n');

describe('CLI exit codes, for every command', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-cli-exit-'));
    built = buildCliInto(join(dir, 'build'));
    server = await startServer({ dataDir: join(dir, 'data') });
    writeFileSync(
      join(dir, 'job.yaml'),
      'name: x\nproject: research\nimage: busybox\nresources: { accelerator: { type: nvidia-a100, count: 1 } }\n',
    );
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\n');
    writeFileSync(
      join(dir, 'schedule.yaml'),
      'name: n\ncron: "0 2 * * *"\ntemplate: { name: x, project: research, image: x }\n',
    );
    closedUrl = await new Promise<string>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(`http://127.0.0.1:${p}`));
      });
    });
    const help = await cli(['--help']);
    commands = [...help.stdout.matchAll(/^ {2}(\S+(?: [a-z]+)?)\s{2,}\S/gm)]
      .map((m) => m[1]!)
      .filter((c) => !c.startsWith('-'));
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('knows the arguments of every command in --help', () => {
    expect(commands.length).toBeGreaterThan(20);
    expect(commands.filter((c) => !(c in ARGS))).toEqual([]);
  });

  it('exits 1 with one line naming the URL when the server is unreachable', async () => {
    const runs = await inBatches(commands, 5, async (c) => ({
      c,
      r: await cli([...c.split(' '), ...ARGS[c]!, '--url', closedUrl]),
    }));
    for (const { c, r } of runs) {
      expect({ c, code: r.code, stdout: r.stdout, oneLine: oneLine(r) }).toEqual({
        c,
        code: 1,
        stdout: '',
        oneLine: true,
      });
      expect(r.stderr).toMatch(new RegExp(`^error: cannot reach Switchyard at ${closedUrl} `));
    }
  }, 120_000);

  it('exits 1 with one line when the server answers an error', async () => {
    const runs = await inBatches(commands, 5, async (c) => ({
      c,
      r: await cli([...c.split(' '), ...ARGS[c]!], { SWITCHYARD_TOKEN: 'not-a-token' }),
    }));
    for (const { c, r } of runs) {
      expect({ c, code: r.code, stdout: r.stdout, oneLine: oneLine(r) }).toEqual({
        c,
        code: 1,
        stdout: '',
        oneLine: true,
      });
      expect(r.stderr).toMatch(/^error UNAUTHENTICATED: .*check --token/);
    }
  }, 120_000);

  it('exits 2 with one line for an unexpected argument or an unknown flag', async () => {
    const runs = await inBatches(commands, 5, async (c) => ({
      c,
      extra: await cli([...c.split(' '), ...ARGS[c]!, 'surplus-arg']),
      flag: await cli([...c.split(' '), ...ARGS[c]!, '--no-such-flag']),
    }));
    for (const { c, extra, flag } of runs) {
      for (const r of [extra, flag]) {
        expect({ c, code: r.code, stdout: r.stdout, oneLine: oneLine(r) }).toEqual({
          c,
          code: 2,
          stdout: '',
          oneLine: true,
        });
        expect(r.stderr).toMatch(new RegExp(`\\(see switchyard ${c} --help\\)\\n$`));
      }
    }
  }, 120_000);
});
