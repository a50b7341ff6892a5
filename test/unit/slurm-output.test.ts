// The Slurm output reader (shared/targets/slurm/output.node.ts) against temp files: a file not
// there yet, lines appended while the job runs (a partial line waits for its newline or the end),
// the file of the Slurm job id asked for, a read from a line position with and without a remembered
// offset (across 64 KiB blocks), bounded reads, a line longer than a read; then the drainer's
// shipping (shared/drainer/target-logs.ts) into the memory store's log table: every line once, in
// order, from the store's positions as the push function does, and by the pull follower
// (shared/drainer/targets.ts) poll by poll, the last lines before the end is reported.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/base/log.js';
import { shipTargetOutput } from '../../shared/drainer/target-logs.js';
import { followTarget } from '../../shared/drainer/targets.js';
import type { StatusReport } from '../../shared/protocol/control-port.js';
import type { LogShipment } from '../../shared/protocol/logs.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { Target, TargetJobStatus } from '../../shared/targets/port.js';
import { createSlurmOutputReader } from '../../shared/targets/slurm/output.node.js';
import { readOutputWith } from '../../shared/targets/slurm/output.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-slurm-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.parse('2026-03-01T10:00:00Z');
const clock = { now: () => T };
const STAMP = '2026-03-01T10:00:00.000Z ';
const text = (lines: string[]) => lines.map((l) => l.slice(STAMP.length));
const file = (job: string, slurmId: number) => join(dir, `sy-${job}-${slurmId}.out`);

describe('Slurm output reader', () => {
  it('reads nothing before the file exists, complete lines while appended, the tail at the end', async () => {
    const r = createSlurmOutputReader({ workdir: dir, clock });
    expect(await r.read('job1', '41', 0, false)).toEqual([]);
    writeFileSync(file('job1', 41), 'loading\nstep 1/3');
    const first = await r.read('job1', '41', 0, false);
    expect(first).toEqual([`${STAMP}loading`]);
    expect(await r.read('job1', '41', 1, false)).toEqual([]); // `step 1/3` has no newline yet
    appendFileSync(file('job1', 41), '\r\nstep 2/3\nexit');
    expect(text(await r.read('job1', '41', 1, false))).toEqual(['step 1/3', 'step 2/3']);
    expect(text(await r.read('job1', '41', 3, true))).toEqual(['exit']);
    expect(await r.read('job1', '41', 4, true)).toEqual([]);
    // The file of the Slurm job id asked for (a requeue or a second attempt has another).
    writeFileSync(file('job1', 42), 'other attempt\n');
    expect(text(await r.read('job1', '42', 0, false))).toEqual(['other attempt']);
    // A job id that would leave the workdir names no file.
    expect(await r.read('../job1', '41', 0, true)).toEqual([]);
  });

  it('starts at a line position without an offset (a fresh drainer) across blocks, bounded', async () => {
    const all = Array.from(
      { length: 6000 },
      (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(20)}`,
    );
    writeFileSync(file('big', 7), `${all.join('\n')}\n`);
    const fresh = createSlurmOutputReader({ workdir: dir, clock, maxBytes: 4096 });
    expect(text(await fresh.read('big', '7', 5000, false))[0]).toBe(all[5000]);
    const r = createSlurmOutputReader({ workdir: dir, clock, maxBytes: 4096 });
    const got: string[] = [];
    for (let read = await r.read('big', '7', 0, false); read.length > 0;) {
      expect(read.join('\n').length).toBeLessThan(4096 + read.length * STAMP.length);
      got.push(...text(read));
      read = await r.read('big', '7', got.length, false);
    }
    expect(got).toEqual(all);
    // Past the end of the file (the store holds more than the file): nothing.
    expect(await r.read('big', '7', 7000, true)).toEqual([]);
  });

  it('cuts a line longer than a read once its newline is there, then goes on', async () => {
    writeFileSync(file('long', 9), 'y'.repeat(3000));
    const r = createSlurmOutputReader({ workdir: dir, clock, maxBytes: 1024 });
    expect(await r.read('long', '9', 0, false)).toEqual([]);
    appendFileSync(file('long', 9), '\nafter\n');
    expect(text(await r.read('long', '9', 0, false))).toEqual(['y'.repeat(1024)]);
    expect(text(await r.read('long', '9', 1, false))).toEqual(['after']);
  });
});

describe('shipping a Slurm job output (target-logs.ts)', () => {
  it('ships every line once, in order, resuming from the store positions', async () => {
    const store = createMemoryStore();
    const sent: LogShipment[] = [];
    const control = {
      claim: async () => ({ proceed: true as const }),
      report: async () => ({}),
      heartbeat: async () => {},
      shipLogs: async (c: LogShipment) => {
        sent.push(c);
        const limits = { capBytes: 1 << 24, expiresAt: '2100-01-01T00:00:00Z' };
        return store.logs.append(c, limits, '2026-03-01T10:00:00Z');
      },
      logPositions: async () => ({
        streams: await store.logs.positions('ship', '2026-03-01T10:00:00Z'),
      }),
    };
    const reader = () => createSlurmOutputReader({ workdir: dir, clock, maxBytes: 2048 });
    const target = (): Target =>
      ({ clusterId: 'hpc', kind: 'slurm', readOutput: readOutputWith(reader()) }) as Target;
    const status = (state: TargetJobStatus['state']): TargetJobStatus => ({
      jobId: 'ship',
      name: 'sy-ship',
      externalId: '77',
      attempt: 1,
      state,
    });
    const d = { control, log: silentLogger };
    const lines = Array.from({ length: 300 }, (_, i) => `step ${i + 1}/300`);
    writeFileSync(file('ship', 77), `${lines.slice(0, 120).join('\n')}\n${lines[120]}`);
    expect(await shipTargetOutput(d, target(), status('submitted'))).toBe(0);
    expect(await shipTargetOutput(d, target(), status('running'))).toBe(120);
    appendFileSync(file('ship', 77), `\n${lines.slice(121).join('\n')}`); // the last without \n
    expect(await shipTargetOutput(d, target(), status('running'))).toBe(179);
    expect(await shipTargetOutput(d, target(), status('succeeded'))).toBe(1);
    expect(await shipTargetOutput(d, target(), status('succeeded'))).toBe(0);
    expect(sent.every((c) => c.stream === 'sy-ship-77' && c.replica === 0)).toBe(true);
    const stored = (await store.logs.read('ship', '2026-03-01T10:00:00Z')).chunks;
    expect(text(stored.flatMap((c) => c.lines))).toEqual(lines);
  });

  it('the pull follower ships new lines each poll, the last before the end is reported', async () => {
    const store = createMemoryStore();
    const events: string[] = [];
    let state: TargetJobStatus['state'] = 'running';
    const status = (): TargetJobStatus => ({
      jobId: 'pull',
      name: 'sy-pull',
      externalId: '88',
      attempt: 1,
      state,
    });
    const target = {
      clusterId: 'hpc',
      kind: 'slurm',
      list: async () => [status()],
      readOutput: readOutputWith(createSlurmOutputReader({ workdir: dir, clock })),
    } as unknown as Target;
    const control = {
      claim: async () => ({ proceed: true as const }),
      report: async (r: StatusReport) => {
        events.push(`report ${r.phase}`);
        return {};
      },
      heartbeat: async () => {},
      shipLogs: async (c: LogShipment) => {
        events.push(`ship ${text(c.lines).join(',')}`);
        const limits = { capBytes: 1 << 24, expiresAt: '2100-01-01T00:00:00Z' };
        return store.logs.append(c, limits, '2026-03-01T10:00:00Z');
      },
    };
    const wait = (p: () => boolean) =>
      new Promise<void>((done) => {
        const t = setInterval(() => p() && (clearInterval(t), done()), 5);
      });
    writeFileSync(file('pull', 88), 'a\nb\n');
    const stop = followTarget({ target, control, clock, log: silentLogger, intervalMs: 10 });
    try {
      await wait(() => events.includes('report running'));
      appendFileSync(file('pull', 88), 'c\n');
      await wait(() => events.includes('ship c'));
      state = 'succeeded';
      appendFileSync(file('pull', 88), 'd\nlast');
      await wait(() => events.includes('report succeeded'));
    } finally {
      stop();
    }
    // The first poll ships what is there, then reports running; a later poll the appended line;
    // the last line (no newline: the job ended) goes before the end is reported, nothing twice.
    expect(events.slice(0, 3)).toEqual(['ship a,b', 'report running', 'ship c']);
    expect(events.at(-1)).toBe('report succeeded');
    expect(events.at(-2)).toMatch(/^ship (d,)?last$/);
    const ships = events.filter((e) => e.startsWith('ship '));
    expect(ships.flatMap((e) => e.slice(5).split(','))).toEqual(['a', 'b', 'c', 'd', 'last']);
    const stored = (await store.logs.read('pull', '2026-03-01T10:00:00Z')).chunks;
    expect(text(stored.flatMap((c) => c.lines))).toEqual(['a', 'b', 'c', 'd', 'last']);
  });
});
