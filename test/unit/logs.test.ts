// The pure parts of job logs: the simulated pods/log query parameters, which lines of a re-read
// a drainer has not shipped, chunk bounds, and the API's query parsing.
import { describe, expect, it } from 'vitest';
import { podLogBody, type PodLogLine } from '../../infra/sim-cluster/pod-log.js';
import {
  advance,
  chunksOf,
  createLogShipper,
  timeKey,
  unseen,
  type PodCursor,
} from '../../shared/drainer/logs.js';
import { silentLogger } from '../../shared/base/log.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import type { ClusterDriver } from '../../shared/targets/kubernetes/port.js';
import type { LogShipment } from '../../shared/protocol/logs.js';
import { parseLogQuery } from '../../shared/jobs/logs-view.js';
import { chunkBytesOnWire, MAX_CHUNK_BYTES, MAX_CHUNK_LINES } from '../../shared/protocol/logs.js';
import { AppError } from '../../shared/base/errors.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const sim: PodLogLine[] = [
  { at: T0, text: 'hello' },
  { at: T0 + 1000, text: 'step 1/2' },
  { at: T0 + 2000, text: 'step 2/2' },
  { at: T0 + 2000, text: 'exited with code 0 (Completed)' },
];
const q = (s: string) => new URLSearchParams(s);

describe('simulated pods/log parameters', () => {
  it('timestamps, sinceTime (inclusive), sinceSeconds and tailLines', () => {
    expect(podLogBody(sim, q(''), T0 + 5000)).toBe(
      'hello\nstep 1/2\nstep 2/2\nexited with code 0 (Completed)\n',
    );
    expect(podLogBody(sim, q('timestamps=true&tailLines=1'), T0)).toBe(
      '2026-01-01T00:00:02.000Z exited with code 0 (Completed)\n',
    );
    expect(podLogBody(sim, q('sinceTime=2026-01-01T00:00:01Z'), T0)).toBe(
      'step 1/2\nstep 2/2\nexited with code 0 (Completed)\n',
    );
    expect(podLogBody(sim, q('sinceSeconds=1'), T0 + 3000)).toBe(
      'step 2/2\nexited with code 0 (Completed)\n',
    );
    expect(podLogBody(sim, q('tailLines=0'), T0)).toBe('');
  });
});

describe('drainer log cursor', () => {
  const stamp = (ms: number, text: string) => `${new Date(ms).toISOString()} ${text}`;

  it('a re-read from the last time ships only lines it has not shipped, also at that same time', () => {
    const c: PodCursor = { nextLine: 0, atLast: 0 };
    const first = [stamp(T0, 'a'), stamp(T0 + 1000, 'b')];
    expect(unseen(c, first)).toEqual(first);
    expect(unseen(c, first)).toEqual(first); // nothing moves until the lines were shipped
    advance(c, first);
    expect(c).toEqual({ nextLine: 2, lastTs: '2026-01-01T00:00:01.000Z', atLast: 1 });
    // The next read (sinceTime = the last time) repeats `b`, then a new line at the same time.
    const again = [stamp(T0 + 1000, 'b'), stamp(T0 + 1000, 'c'), stamp(T0 + 2000, 'd')];
    expect(unseen(c, again)).toEqual([stamp(T0 + 1000, 'c'), stamp(T0 + 2000, 'd')]);
    advance(c, [stamp(T0 + 1000, 'c'), stamp(T0 + 2000, 'd')]);
    expect(unseen(c, [stamp(T0 + 2000, 'd')])).toEqual([]);
    // A cluster that ignores sinceTime (whole log again) adds nothing either.
    expect(unseen(c, [...first, ...again])).toEqual([]);
  });

  it('compares times of any precision, and cuts chunks within the protocol bounds', () => {
    expect(timeKey('2026-01-01T00:00:01.5Z') > timeKey('2026-01-01T00:00:01.123456789Z')).toBe(
      true,
    );
    expect(timeKey('2026-01-01T00:00:01Z') < timeKey('2026-01-01T00:00:01.000000001Z')).toBe(true);
    const many = Array.from({ length: MAX_CHUNK_LINES + 5 }, (_, i) => `t line ${i}`);
    expect(chunksOf(many).map((c) => c.length)).toEqual([MAX_CHUNK_LINES, 5]);
    // Wide lines of multi-byte and control characters: the bound is on bytes in the request body.
    const wide = Array.from(
      { length: 20 },
      (_, i) => `t ${(i % 2 ? '€' : '\u0001').repeat(16_000)}`,
    );
    const chunks = chunksOf(wide);
    expect(chunks.flat()).toEqual(wide);
    for (const c of chunks) expect(chunkBytesOnWire(c)).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
  });
});

describe('GET /v1/jobs/:id/logs query', () => {
  it('reads tail, since (RFC 3339 or seconds ago), replica, follow and timestamps', () => {
    expect(parseLogQuery({}, T0)).toEqual({ follow: false, timestamps: false });
    expect(
      parseLogQuery(
        { tail: '5', since: '60', replica: '1', follow: 'true', timestamps: 'true' },
        T0,
      ),
    ).toEqual({ tail: 5, since: T0 - 60_000, replica: 1, follow: true, timestamps: true });
    expect(parseLogQuery({ since: '2026-01-01T00:00:00Z' }, T0 + 1).since).toBe(T0);
  });

  it.each([
    [{ tail: '-1' }, 'tail'],
    [{ tail: '1.5' }, 'tail'],
    [{ since: 'yesterday' }, 'since'],
    [{ since: '2026-13-45T99:00:00Z' }, 'since'],
    [{ replica: 'x' }, 'replica'],
    [{ follow: '1' }, 'follow'],
    [{ limit: '3' }, 'limit'],
  ])('%o is 400 BAD_REQUEST naming %s', (query, name) => {
    const err = (() => {
      try {
        parseLogQuery(query, T0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ path: name }] } });
  });
});

describe('a restarted drainer', () => {
  it('sends one chunk of what the store holds, then only new lines', async () => {
    const store = createMemoryStore();
    const lines = Array.from({ length: 4500 }, (_, i) => `${new Date(T0 + i).toISOString()} l${i}`);
    const pod = { name: 'sy-j-0', replica: 0, phase: 'Running', container: 'main' };
    const driver = {
      listJobPods: async () => [pod],
      readPodLog: async (_ns: string, _pod: unknown, o?: { sinceTime?: string }) =>
        lines.filter((l) => !o?.sinceTime || l.slice(0, 24) >= o.sinceTime),
    } as unknown as ClusterDriver;
    const sent: LogShipment[] = [];
    const control = {
      claim: async () => ({ proceed: true }),
      report: async () => ({}),
      heartbeat: async () => {},
      shipLogs: async (c: LogShipment) => {
        sent.push(c);
        const limits = { capBytes: 1 << 24, expiresAt: '2100-01-01T00:00:00Z' };
        return store.logs.append(c, limits, '2026-01-01T00:00:00Z');
      },
    };
    const meta = { jobId: 'j', attempt: 1, namespace: 'ns', name: 'sy-j' };
    const shipper = () =>
      createLogShipper({ clusters: new Map([['c', driver]]), control, log: silentLogger });
    await shipper().finish('c', meta);
    expect(sent.map((c) => c.lines.length)).toEqual([2000, 2000, 500]);
    sent.length = 0;
    lines.push(`${new Date(T0 + 9999).toISOString()} new`);
    await shipper().finish('c', meta);
    expect(sent.map((c) => [c.fromLine, c.lines.length])).toEqual([
      [0, 2000],
      [4500, 1],
    ]);
    const read = await store.logs.read('j', '2026-01-01T00:00:00Z');
    expect(read.chunks.flatMap((c) => c.lines)).toEqual(lines);
  });
});

/** A control plane that takes every line shipped to it. */
const acceptingControl = () => ({
  claim: async () => ({ proceed: true }),
  report: async () => ({}),
  heartbeat: async () => {},
  shipLogs: async (c: LogShipment) => ({
    stored: c.lines.length,
    nextLine: c.fromLine + c.lines.length,
  }),
});

describe('which log reads take only spare request budget', () => {
  it('the periodic reads of running jobs do; the last read of an ended job does not', async () => {
    const calls: Array<[string, boolean]> = [];
    const pod = { name: 'sy-j-0', replica: 0, phase: 'Running', container: 'main' };
    const driver = {
      listJobPods: async (_ns: string, _id: string, o?: { spare?: boolean }) => {
        calls.push(['list', o?.spare === true]);
        return [pod];
      },
      readPodLog: async (_ns: string, _pod: unknown, o?: { spare?: boolean }) => {
        calls.push(['log', o?.spare === true]);
        return [`${new Date(T0).toISOString()} hello`];
      },
    } as unknown as ClusterDriver;
    const shipper = createLogShipper({
      clusters: new Map([['c', driver]]),
      control: acceptingControl(),
      log: silentLogger,
    });
    const meta = { jobId: 'j', attempt: 1, namespace: 'ns', name: 'sy-j' };
    shipper.follow('c', meta);
    await shipper.pass(); // what the periodic tick runs
    await shipper.finish('c', meta);
    expect(calls).toEqual([
      ['list', true],
      ['log', true],
      ['list', false],
      ['log', false],
    ]);
  });
});

describe('quiet jobs are read less often', () => {
  it('the wait doubles from everyMs up to quietMaxMs while nothing is new, and resets on output', async () => {
    let t = 0;
    const lines: string[] = [];
    const reads: number[] = [];
    const pod = { name: 'sy-q-0', replica: 0, phase: 'Running', container: 'main' };
    const driver = {
      listJobPods: async () => [pod],
      readPodLog: async () => {
        reads.push(t);
        return [...lines];
      },
    } as unknown as ClusterDriver;
    const shipper = createLogShipper({
      clusters: new Map([['c', driver]]),
      control: acceptingControl(),
      log: silentLogger,
      everyMs: 1000,
      quietMaxMs: 8000,
      now: () => t,
    });
    shipper.follow('c', { jobId: 'q', attempt: 1, namespace: 'ns', name: 'sy-q' });
    for (t = 0; t <= 20_000; t += 1000) await shipper.pass();
    expect(reads).toEqual([0, 1000, 3000, 7000, 15_000]);
    // It prints a line a second from 22 s: read at its due time (15 s + 8 s), then every pass.
    reads.length = 0;
    for (t = 21_000; t <= 26_000; t += 1000) {
      if (t >= 22_000) lines.push(`${new Date(T0 + t).toISOString()} step`);
      await shipper.pass();
    }
    expect(reads).toEqual([23_000, 24_000, 25_000, 26_000]);
    // Quiet again: the wait grows from everyMs once more.
    reads.length = 0;
    for (t = 27_000; t <= 34_000; t += 1000) await shipper.pass();
    expect(reads).toEqual([27_000, 28_000, 30_000, 34_000]);
  });
});
