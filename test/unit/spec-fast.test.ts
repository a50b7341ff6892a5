/**
 * The common-submission fast check against the schema it stands in for: over valid submissions
 * with one field changed at a time (bounds, wrong types, patterns, extra keys, prototypes), every
 * body it accepts the schema accepts with the same result, key order included, and the README's
 * job and a minimal one do take it.
 */
import { describe, expect, it } from 'vitest';
import { commonSpec } from '../../shared/domain/spec-fast.js';
import { jobSubmissionSchema, parseJobSpec } from '../../shared/domain/spec.js';

const readme = {
  name: 'train-llm',
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  command: ['python', 'train.py'],
  env: { EPOCHS: '3', SIM_DURATION_SECONDS: '1' },
  resources: { accelerator: { type: 'nvidia-a100', count: 1 }, cpu: '8', memory: '64Gi' },
  priority: 500,
  labels: { team: 'nlp' },
  deadlineSeconds: 3600,
};
const minimal = { name: 'a', project: 'b', image: 'c', resources: {} };
// Keys in another order than the schema's, and args.
const shuffled = {
  resources: { memory: '1Gi', accelerator: { count: 2, type: 'nvidia-h100' } },
  labels: { 'example.com/tier': 'gold', b: '', a: 'x' },
  args: ['--epochs', '3'],
  image: 'registry.local:5000/team/img@sha256:' + 'a'.repeat(64),
  project: 'p-1',
  name: 'n0',
};

const many = (n: number, f: (i: number) => [string, string]) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));

const scalars: unknown[] = [
  undefined,
  null,
  true,
  0,
  -0,
  -1,
  1,
  1.5,
  64,
  65,
  1000,
  1001,
  2_592_000,
  2_592_001,
  2 ** 53,
  '',
  'a',
  'A',
  'a-',
  'a'.repeat(63),
  'a'.repeat(64),
  'x'.repeat(513),
  'Upper/case',
  'has space',
  '8',
  '500m',
  '1.5Gi',
  '8x',
  'nvidia-a100',
  [],
  ['x'],
  [1],
  ['x'.repeat(4096)],
  ['x'.repeat(4097)],
  Array.from({ length: 65 }, () => 'x'),
  Array.from({ length: 257 }, () => 'x'),
  {},
  { A: 'b' },
  { _a: 'b', 'a.b-c': '' },
  { '1a': 'b' },
  { a: 1 },
  { 'bad key': 'v' },
  { k: 'bad value' },
  { k: 'v'.repeat(64) },
  { k: 'x'.repeat(32_769) },
  JSON.parse('{"__proto__": "x"}'),
  Object.assign(Object.create(null), { A: 'b' }),
  many(33, (i) => [`k${i}`, 'v']),
  many(129, (i) => [`K${i}`, 'v']),
  { accelerator: { type: 'nvidia-a100', count: 1 } },
  { accelerator: { type: 'nvidia-a100', count: 0 } },
  { accelerator: { type: 'nvidia-a100', count: 65 } },
  { accelerator: { type: 'nvidia-a100', count: '1' } },
  { accelerator: { type: 'Nvidia', count: 1 } },
  { accelerator: { type: 'nvidia-a100', count: 1, extra: 1 } },
  { accelerator: { type: 'nvidia-a100' } },
  { accelerator: null },
  { cpu: '8', memory: '16Gi' },
  { cpu: 8 },
  { memory: 'lots' },
  { cpu: undefined },
  { gpu: 1 },
];

/** Each base with each field replaced by each value (or left out), and some extra keys. */
function* bodies(): Generator<unknown> {
  for (const base of [readme, minimal, shuffled]) {
    yield base;
    for (const key of [...Object.keys(readme), 'args']) {
      for (const value of scalars) {
        const body: Record<string, unknown> = { ...base };
        if (value === undefined) delete body[key];
        else body[key] = value;
        yield body;
      }
    }
    for (const extra of ['kind', 'nodes', 'options', 'callback', 'constraints', 'retry', 'x']) {
      yield { ...base, [extra]: extra === 'kind' ? 'job' : extra === 'nodes' ? 1 : {} };
    }
    yield { ...base, deadlineSeconds: undefined };
    yield JSON.parse(`{"__proto__": {}, ${JSON.stringify(base).slice(1)}`);
    yield Object.assign(Object.create(null), base);
  }
  yield null;
  yield [];
  yield 'x';
}

describe('commonSpec (the fast check for common submissions)', () => {
  it('accepts nothing the schema refuses, and gives what the schema gives', () => {
    let taken = 0;
    let total = 0;
    for (const body of bodies()) {
      total++;
      const fast = commonSpec(body);
      if (fast === undefined) continue;
      taken++;
      const schema = jobSubmissionSchema.safeParse(body);
      expect(schema.success, JSON.stringify(body)).toBe(true);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.data));
      expect(fast).toStrictEqual(schema.data);
      // parseJobSpec answers the same whichever way it went.
      expect(parseJobSpec(body)).toStrictEqual(schema.data);
    }
    // Both ways are exercised: most mutations are refused or left to the schema.
    expect(taken).toBeGreaterThan(100);
    expect(total - taken).toBeGreaterThan(500);
  });

  it("takes the README's job and a minimal one, copying what it returns", () => {
    const spec = commonSpec(readme)!;
    expect(spec).toStrictEqual(jobSubmissionSchema.parse(readme));
    expect(spec.command).not.toBe(readme.command);
    expect(spec.env).not.toBe(readme.env);
    expect(commonSpec(minimal)).toStrictEqual({ ...minimal, env: {}, priority: 100, labels: {} });
  });
});
