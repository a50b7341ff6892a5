/**
 * The rule-level policy diff, one implementation for the CLI (`policy diff FILE`: what `policy put`
 * would change) and the API (`GET /v1/policy/diff`, the summary kept with each version). Both sides
 * are compared as the server stores them (defaults filled in, as ./schema.ts does), so a left-out
 * default is no difference; rules are matched by name, so a rule's changes read as
 * `rules[name].path`, and a new order of the same rules is one change of its own. It imports no
 * schema (the CLI bundles it without zod); test/unit/policy-diff.test.ts holds the defaults to
 * parsePolicy's. Edge-safe: plain data only.
 */

export interface Change {
  op: '+' | '-' | '~';
  path: string;
  from?: unknown;
  to?: unknown;
}

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const withDefaults = (v: unknown, defaults: Doc): Doc =>
  (isObject(v) ? { ...defaults, ...v } : v) as Doc;

/** The document with the schema's defaults filled in (the same ones policySchema applies). */
export function normalizePolicy(doc: Doc): Doc {
  const out: Doc = {
    ...doc,
    weights: withDefaults(doc.weights ?? {}, {
      cost: 1,
      freeCapacity: 1,
      spread: 0.5,
      preference: 1,
    }),
    shares: doc.shares ?? {},
    quotas: withDefaults(doc.quotas ?? {}, { tenants: {}, projects: {} }),
    rules: doc.rules ?? [],
  };
  if (isObject(doc.preemption)) {
    out.preemption = withDefaults(doc.preemption, {
      enabled: false,
      minPriorityGap: 100,
      gracePeriodSeconds: 30,
      maxVictims: 8,
    });
  }
  if (Array.isArray(out.rules)) {
    out.rules = out.rules.map((r: unknown) => (isObject(r) ? { ...r, match: r.match ?? {} } : r));
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => same(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && same(a[k], b[k]));
  }
  return false;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const named = (rules: unknown[]) =>
  rules.every((r) => isObject(r) && typeof r.name === 'string')
    ? new Map((rules as Doc[]).map((r) => [r.name as string, r]))
    : undefined;

function diffRules(path: string, a: unknown[], b: unknown[], out: Change[]): boolean {
  const left = named(a);
  const right = named(b);
  if (!left || !right || left.size !== a.length || right.size !== b.length) return false;
  for (const [name, rule] of left) {
    if (!right.has(name)) out.push({ op: '-', path: `${path}[${name}]`, from: rule });
  }
  for (const [name, rule] of right) {
    const before = left.get(name);
    if (!before) out.push({ op: '+', path: `${path}[${name}]`, to: rule });
    else diffValue(`${path}[${name}]`, before, rule, out);
  }
  const order = (m: Map<string, Doc>, other: Map<string, Doc>) =>
    [...m.keys()].filter((n) => other.has(n));
  const [was, now] = [order(left, right), order(right, left)];
  if (!same(was, now)) out.push({ op: '~', path: `${path} (order)`, from: was, to: now });
  return true;
}

function diffValue(path: string, a: unknown, b: unknown, out: Change[]): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const p = join(path, key);
      if (!(key in b)) out.push({ op: '-', path: p, from: a[key] });
      else if (!(key in a)) out.push({ op: '+', path: p, to: b[key] });
      else diffValue(p, a[key], b[key], out);
    }
    return;
  }
  if (path === 'rules' && Array.isArray(a) && Array.isArray(b) && diffRules(path, a, b, out))
    return;
  out.push({ op: '~', path, from: a, to: b });
}

/** Every change from one document (`null`: none) to the other, in document order. */
export function diffPolicies(from: Doc | null, to: Doc): Change[] {
  const out: Change[] = [];
  diffValue('', from ? normalizePolicy(from) : {}, normalizePolicy(to), out);
  return out;
}

/** The changes grouped by rule: which were added, removed, changed (and in which fields). */
export interface RuleChanges {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; fields: string[] }>;
  reordered: boolean;
  /** Changed paths outside `rules` (version, weights.cost, quotas.tenants.acme, …). */
  other: string[];
}

const RULE_PATH = /^rules\[([^\]]+)\](?:\.(.+))?$/;

export function ruleChanges(changes: readonly Change[]): RuleChanges {
  const out: RuleChanges = { added: [], removed: [], changed: [], reordered: false, other: [] };
  for (const c of changes) {
    const m = RULE_PATH.exec(c.path);
    if (c.path === 'rules (order)') out.reordered = true;
    else if (!m) out.other.push(c.path);
    else if (m[2] === undefined) (c.op === '+' ? out.added : out.removed).push(m[1]!);
    else {
      const rule = out.changed.find((r) => r.name === m[1]);
      if (rule) rule.fields.push(m[2]);
      else out.changed.push({ name: m[1]!, fields: [m[2]] });
    }
  }
  return out;
}

const SUMMARY_CHARS = 200;

/** One short line: `rules +a -b ~c(require.regions); reordered; weights.cost, version`. */
export function summarizeChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no changes';
  const r = ruleChanges(changes);
  const rules = [
    ...r.added.map((n) => `+${n}`),
    ...r.removed.map((n) => `-${n}`),
    ...r.changed.map((c) => `~${c.name}(${c.fields.join(', ')})`),
  ];
  const parts = [
    rules.length > 0 ? `rules ${rules.join(' ')}` : '',
    r.reordered ? 'rules reordered' : '',
    r.other.join(', '),
  ].filter(Boolean);
  const line = parts.join('; ');
  return line.length <= SUMMARY_CHARS ? line : `${line.slice(0, SUMMARY_CHARS - 1)}…`;
}

const show = (v: unknown) => JSON.stringify(v);

/** One line per change: `~ path: old -> new`, `+ path: new`, `- path: old`. */
export function renderChange(c: Change): string {
  if (c.op === '~') return `~ ${c.path}: ${show(c.from)} -> ${show(c.to)}`;
  return `${c.op} ${c.path}: ${show(c.op === '+' ? c.to : c.from)}`;
}
