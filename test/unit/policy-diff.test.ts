// The rule-level policy diff (shared/policy/diff.ts) of `switchyard policy diff`, `GET
// /v1/policy/diff` and each kept version's summary: it fills in the policy's defaults itself (the
// CLI does not bundle the schema), so these tests hold its normalisation to parsePolicy, and
// check the diff, its grouping by rule and its one-line summary table by table.
import { describe, expect, it } from 'vitest';
import {
  diffPolicies,
  normalizePolicy,
  renderChange,
  ruleChanges,
  summarizeChanges,
} from '../../shared/policy/diff.js';
import { parsePolicy } from '../../shared/policy/schema.js';

const RULE_EU = {
  name: 'eu-residency',
  match: { labels: { residency: 'eu' } },
  require: { regions: ['europe-*'] },
};
const RULE_BULK = { name: 'bulk-cheap', prefer: [{ clouds: ['onprem'], weight: 5 }] };

describe('normalizePolicy', () => {
  const docs: Array<Record<string, unknown>> = [
    { version: 1 },
    { version: 'v2', weights: { cost: 3 }, rules: [RULE_BULK] },
    { version: 3, quotas: { tenants: { acme: { totalGpus: 8 } } }, shares: { acme: 2 } },
    { version: 4, quotas: { projects: { 'acme/research': { gpus: { 'nvidia-a100': 2 } } } } },
    { version: 5, description: 'all', rules: [RULE_EU, RULE_BULK] },
  ];
  it.each(docs)('fills in what parsePolicy fills in: %j', (doc) => {
    expect(normalizePolicy(doc)).toEqual(parsePolicy(doc));
  });
});

describe('diffPolicies', () => {
  const server = parsePolicy({ version: 1, weights: { cost: 2 }, rules: [RULE_EU, RULE_BULK] });
  const cases: Array<{ name: string; local: Record<string, unknown>; want: string[] }> = [
    {
      name: 'left-out defaults are no difference',
      local: { version: 1, weights: { cost: 2 }, rules: [RULE_EU, RULE_BULK] },
      want: [],
    },
    {
      name: 'a changed weight and version',
      local: { version: 2, weights: { cost: 1 }, rules: [RULE_EU, RULE_BULK] },
      want: ['~ version: 1 -> 2', '~ weights.cost: 2 -> 1'],
    },
    {
      name: 'a rule changed, one removed, one added, by name',
      local: {
        version: 1,
        weights: { cost: 2 },
        rules: [
          { ...RULE_EU, require: { regions: ['eu-*'] } },
          { name: 'new', priority: { max: 5 } },
        ],
      },
      want: [
        '- rules[bulk-cheap]: {"name":"bulk-cheap","match":{},"prefer":[{"clouds":["onprem"],"weight":5}]}',
        '~ rules[eu-residency].require.regions: ["europe-*"] -> ["eu-*"]',
        '+ rules[new]: {"name":"new","priority":{"max":5},"match":{}}',
      ],
    },
    {
      name: 'the same rules in another order',
      local: { version: 1, weights: { cost: 2 }, rules: [RULE_BULK, RULE_EU] },
      want: ['~ rules (order): ["eu-residency","bulk-cheap"] -> ["bulk-cheap","eu-residency"]'],
    },
    {
      name: 'a quota only in the file',
      local: {
        version: 1,
        weights: { cost: 2 },
        rules: [RULE_EU, RULE_BULK],
        quotas: { tenants: { acme: { totalGpus: 4 } } },
      },
      want: ['+ quotas.tenants.acme: {"totalGpus":4}'],
    },
  ];
  it.each(cases)('$name', ({ local, want }) => {
    expect(diffPolicies(server, local).map(renderChange)).toEqual(want);
  });

  it('shows every field of the file as new when the server has no policy', () => {
    const lines = diffPolicies(null, { version: 1 }).map(renderChange);
    expect(lines).toEqual([
      '+ version: 1',
      '+ weights: {"cost":1,"freeCapacity":1,"spread":0.5,"preference":1}',
      '+ shares: {}',
      '+ quotas: {"tenants":{},"projects":{}}',
      '+ rules: []',
    ]);
  });
});

describe('ruleChanges and summarizeChanges', () => {
  const from = parsePolicy({ version: 1, rules: [RULE_EU, RULE_BULK] });
  const cases: Array<{
    name: string;
    to: Record<string, unknown>;
    wantRules: Omit<ReturnType<typeof ruleChanges>, 'other'>;
    wantOther: string[];
    wantSummary: string;
  }> = [
    {
      name: 'nothing changed',
      to: { version: 1, rules: [RULE_EU, RULE_BULK] },
      wantRules: { added: [], removed: [], changed: [], reordered: false },
      wantOther: [],
      wantSummary: 'no changes',
    },
    {
      name: 'two fields of one rule, and a weight',
      to: {
        version: 1,
        weights: { spread: 0 },
        rules: [{ ...RULE_EU, require: { regions: ['eu-*'], clouds: ['gcp'] } }, RULE_BULK],
      },
      wantRules: {
        added: [],
        removed: [],
        changed: [{ name: 'eu-residency', fields: ['require.regions', 'require.clouds'] }],
        reordered: false,
      },
      wantOther: ['weights.spread'],
      wantSummary: 'rules ~eu-residency(require.regions, require.clouds); weights.spread',
    },
    {
      name: 'added, removed and reordered',
      to: { version: 2, rules: [{ name: 'gpu-big', priority: { min: 5 } }, RULE_BULK] },
      wantRules: { added: ['gpu-big'], removed: ['eu-residency'], changed: [], reordered: false },
      wantOther: ['version'],
      wantSummary: 'rules +gpu-big -eu-residency; version',
    },
    {
      name: 'the same rules in another order',
      to: { version: 1, rules: [RULE_BULK, RULE_EU] },
      wantRules: { added: [], removed: [], changed: [], reordered: true },
      wantOther: [],
      wantSummary: 'rules reordered',
    },
  ];
  it.each(cases)('$name', ({ to, wantRules, wantOther, wantSummary }) => {
    const changes = diffPolicies(from, to);
    const { other, ...rules } = ruleChanges(changes);
    expect([rules, other, summarizeChanges(changes)]).toEqual([wantRules, wantOther, wantSummary]);
  });

  it('cuts a long summary to 200 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `rule-number-${i}` }));
    const summary = summarizeChanges(diffPolicies(from, { version: 1, rules: many }));
    expect(summary).toHaveLength(200);
    expect(summary).toMatch(/^rules \+rule-number-0 \+rule-number-1 .*…$/);
  });
});
