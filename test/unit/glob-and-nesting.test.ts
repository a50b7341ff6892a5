// The glob matcher agrees with the obvious RegExp on every pattern and text (property test), and
// stays fast on patterns that make a backtracking RegExp take seconds; the nesting checks refuse
// deep documents before a parser sees them and let ordinary ones through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { isAppError } from '../../shared/base/errors.js';
import { checkJsonNesting, checkYamlNesting, MAX_NESTING } from '../../shared/base/nesting.js';
import { compileGlob, matchGlob } from '../../shared/policy/glob.js';

/** The reference: the RegExp the policy compiler used before (correct, but it backtracks). */
function referenceMatch(pattern: string, text: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's').test(text);
}

const alphabet = (chars: string) => fc.constantFrom(...chars.split(''));

describe('matchGlob', () => {
  it('agrees with the RegExp reference', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet('ab*?.'), maxLength: 10 }),
        fc.string({ unit: alphabet('ab.'), maxLength: 14 }),
        (pattern, text) => matchGlob(compileGlob(pattern), text) === referenceMatch(pattern, text),
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['europe-*', 'europe-west4', true],
    ['europe-*', 'us-east1', false],
    ['*', '', true],
    ['a*', '', false],
    ['?', '', false],
    ['gpu-??', 'gpu-a1', true],
    ['*a*a*a*a*a*a*b', 'a'.repeat(63), false],
    ['*a*a*a*a*a*a*b', `${'a'.repeat(62)}b`, true],
    ['p*q*p', 'pqp', true],
    ['p*q*p', 'pq', false],
  ])('%s against %s is %s', (pattern, text, want) => {
    expect(matchGlob(compileGlob(pattern), text)).toBe(want);
  });

  it('answers a pattern that makes a RegExp backtrack in well under a millisecond', () => {
    const glob = compileGlob(`${'*a'.repeat(60)}*b`);
    const text = 'a'.repeat(253);
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(matchGlob(glob, text)).toBe(false);
    expect((performance.now() - started) / 100).toBeLessThan(1);
  });
});

function code(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
}

describe('nesting checks', () => {
  const deep = MAX_NESTING + 1;
  it.each([
    ['flow sequences', '['.repeat(deep) + ']'.repeat(deep)],
    ['flow mappings', '{a: '.repeat(deep) + '1' + '}'.repeat(deep)],
    ['compact sequence items', '- '.repeat(deep) + 'x'],
    [
      'indented mappings',
      Array.from({ length: deep + 1 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    ],
    ['fake closers in a quoted string', `a: ${'[ "]", '.repeat(deep)}x${']'.repeat(deep)}`],
    ['fake closers after tags', `a: ${'[!t "]", '.repeat(deep)}x${']'.repeat(deep)}`],
    ['a tag glued to brackets', `a: !t${'['.repeat(deep)}${']'.repeat(deep)}`],
    [
      'a quote in a block scalar hiding what follows it',
      `- a: |\n    "\n  b: ${'['.repeat(deep)}${']'.repeat(deep)}\n  c: "x"`,
    ],
    ['fake closers in comments', `a:\n${'  [ # ]\n'.repeat(deep)}  x${']'.repeat(deep)}`],
  ])('refuses YAML: %s', (_what, text) => {
    expect(code(() => checkYamlNesting(text, 'the policy'))).toBe('NESTED_TOO_DEEP');
  });

  it.each([
    ['a policy in block style', 'rules:\n  - name: a\n    match:\n      projects: ["p*"]\n'],
    ['brackets inside strings', `a: [${'"[[", '.repeat(200)}x]\nb: '{{{{'\n`],
    ['plain scalars with brackets', `a: ${'x[ '.repeat(200)}\n`],
    ['block scalars with brackets', `a: |\n  ${'['.repeat(200)}\n  "\nb: >-\n  ]]\n`],
    ['tags and anchors', `a: !!str "x"\nb: &k [1, 2]\nc: *k\n`],
    ['comments with brackets', `# ${'['.repeat(200)}\na: 1\n`],
    ['depth at the limit', '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING)],
  ])('lets ordinary YAML through: %s', (_what, text) => {
    expect(code(() => checkYamlNesting(text, 'the policy'))).toBeUndefined();
    expect(() => parseYaml(text)).not.toThrow();
  });

  it('never under-counts what yaml itself writes, in block or flow style', () => {
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    const limit = 3;
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 7 }),
        fc.constantFrom('block', 'flow') as fc.Arbitrary<'block' | 'flow'>,
        (value, collectionStyle) => {
          const text = stringifyYaml(value, { collectionStyle });
          // The top-level collection is not counted, hence the one level of slack.
          if (depthOf(value) > limit + 1) {
            expect(code(() => checkYamlNesting(text, 'x', limit))).toBe('NESTED_TOO_DEEP');
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('counts JSON exactly, ignoring brackets inside strings', () => {
    const at = (n: number, extra = '') => '['.repeat(n) + extra + ']'.repeat(n);
    expect(code(() => checkJsonNesting(at(MAX_NESTING, '"]]]\\"]"'), 'x'))).toBeUndefined();
    expect(code(() => checkJsonNesting(at(MAX_NESTING + 1), 'x'))).toBe('NESTED_TOO_DEEP');
    const hidden = `[${'["]",'.repeat(deep)}1${']'.repeat(deep)}]`;
    expect(code(() => checkJsonNesting(hidden, 'x'))).toBe('NESTED_TOO_DEEP');
  });
});
