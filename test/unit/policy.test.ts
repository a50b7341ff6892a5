import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/domain/principal.js';
import { AppError } from '../../shared/base/errors.js';
import { defaultCoreSettings, type CoreContext } from '../../shared/context/core-context.js';
import { silentLogger } from '../../shared/base/log.js';
import type { JobSpec } from '../../shared/domain/job.js';
import { place, type ClusterSnapshot } from '../../shared/placement/place.js';
import { matchRules } from '../../shared/policy/compile.js';
import { parsePolicy, parsePolicyText } from '../../shared/policy/schema.js';
import { createPolicyService } from '../../shared/policy/service.js';
import { createMemoryQueue } from '../../shared/queue/memory.js';
import { createMemoryStore } from '../../shared/store/memory.js';
import {
  HEARTBEAT_MS,
  NOW,
  aCluster,
  aSpec,
  policyOf,
  reporting,
  snap,
} from './placement-builders.js';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('INVALID_POLICY');
    return ((e as AppError).details!.fields as Array<{ path: string }>).map((f) => f.path);
  }
  return [];
}

describe('parsePolicy', () => {
  it('fills defaults', () => {
    const p = parsePolicy({ version: 3 });
    expect(p).toMatchObject({
      version: 3,
      weights: { cost: 1, freeCapacity: 1, spread: 0.5, preference: 1 },
      shares: {},
      quotas: { tenants: {}, projects: {} },
      rules: [],
    });
  });

  it('reads YAML (and JSON, a subset)', () => {
    const yaml = `version: "2026-11-28"\nrules:\n  - name: eu\n    match: { tenants: [acme] }\n    require: { regions: ["europe-*"] }\n`;
    expect(parsePolicyText(yaml).rules[0]!.require).toEqual({ regions: ['europe-*'] });
    expect(parsePolicyText('{"version": "j"}').version).toBe('j');
    expect(fieldsOf(() => parsePolicyText('rules: [unclosed'))).toEqual(['(document)']);
  });

  const rule = (r: Record<string, unknown>) => ({ version: 'v1', rules: [r] });
  const cases: Array<{ name: string; doc: unknown; wantFields: string[] }> = [
    { name: 'version missing', doc: {}, wantFields: ['version'] },
    { name: 'unknown top-level field', doc: { version: 'v', extra: 1 }, wantFields: ['(body)'] },
    {
      name: 'bad rule name',
      doc: rule({ name: 'Bad_Name', forbid: { clouds: ['x'] } }),
      wantFields: ['rules.0.name'],
    },
    {
      name: 'duplicate rule names',
      doc: {
        version: 'v',
        rules: [
          { name: 'a', forbid: { clouds: ['x'] } },
          { name: 'a', forbid: { clouds: ['y'] } },
        ],
      },
      wantFields: ['rules.1.name'],
    },
    { name: 'rule without effect', doc: rule({ name: 'a' }), wantFields: ['rules.0'] },
    {
      name: 'empty selector',
      doc: rule({ name: 'a', require: {} }),
      wantFields: ['rules.0.require'],
    },
    {
      name: 'bad region glob',
      doc: rule({ name: 'a', forbid: { regions: ['eu west'] } }),
      wantFields: ['rules.0.forbid.regions.0'],
    },
    {
      name: 'unknown match field',
      doc: rule({ name: 'a', match: { tenant: ['x'] }, forbid: { clouds: ['x'] } }),
      wantFields: ['rules.0.match'],
    },
    {
      name: 'priority bounds inverted',
      doc: rule({ name: 'a', priority: { min: 5, max: 1 } }),
      wantFields: ['rules.0.priority.min'],
    },
    {
      name: 'priority out of range',
      doc: rule({ name: 'a', priority: { default: 5000 } }),
      wantFields: ['rules.0.priority.default'],
    },
    {
      name: 'preference without selector or weight',
      doc: rule({ name: 'a', prefer: [{ weight: 1 }, { clouds: ['gcp'] }] }),
      wantFields: ['rules.0.prefer.0', 'rules.0.prefer.1.weight'],
    },
    {
      name: 'weights, shares and quotas',
      doc: {
        version: 'v',
        weights: { cost: -1 },
        shares: { acme: 0 },
        quotas: { tenants: { acme: { gpus: { 'nvidia-a100': -1 } } }, projects: { acme: {} } },
      },
      wantFields: [
        'weights.cost',
        'shares.acme',
        'quotas.tenants.acme.gpus.nvidia-a100',
        'quotas.projects.acme',
      ],
    },
  ];

  it.each(cases)('$name lists every bad field by path', ({ doc, wantFields }) => {
    expect(fieldsOf(() => parsePolicy(doc)).sort()).toEqual([...wantFields].sort());
  });

  it('says what to do in the message', () => {
    expect(() => parsePolicy({})).toThrow(/version: .*fix them and submit the policy again/);
  });
});

describe('rules: what each kind of match and effect does', () => {
  const clusters: ClusterSnapshot[] = [
    snap(reporting(aCluster('aws-use1', { labels: { residency: 'us', tier: 'standard' } }), 8)),
    snap(
      reporting(
        aCluster('gcp-euw4', {
          cloud: 'gcp',
          region: 'europe-west4',
          labels: { residency: 'eu', tier: 'premium' },
        }),
        4,
      ),
    ),
    snap(
      reporting(
        aCluster('onprem-a', { cloud: 'onprem', region: 'site-a', labels: { residency: 'eu' } }),
        16,
      ),
    ),
  ];
  const eu = { require: { regions: ['europe-*'] } };
  const cases: Array<{
    name: string;
    rules: unknown[];
    tenantId?: string;
    spec?: Partial<JobSpec> & { gpus?: number; type?: string };
    wantCluster?: string;
    wantOutcome?: 'placed' | 'pending' | 'rejected';
    wantMatched: string[];
    wantPriority?: number;
  }> = [
    { name: 'no rules: most free capacity', rules: [], wantCluster: 'onprem-a', wantMatched: [] },
    {
      name: 'match tenants',
      rules: [{ name: 'r', match: { tenants: ['acme'] }, ...eu }],
      tenantId: 'acme',
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'match tenants: another tenant is untouched',
      rules: [{ name: 'r', match: { tenants: ['acme'] }, ...eu }],
      tenantId: 'other',
      wantCluster: 'onprem-a',
      wantMatched: [],
    },
    {
      name: 'match projects by glob',
      rules: [{ name: 'r', match: { projects: ['res*'] }, ...eu }],
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'match labels',
      rules: [{ name: 'r', match: { labels: { team: 'nlp' } }, ...eu }],
      spec: { labels: { team: 'nlp' } },
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'match priority range',
      rules: [{ name: 'r', match: { priority: { min: 500 } }, ...eu }],
      spec: { priority: 400 },
      wantCluster: 'onprem-a',
      wantMatched: [],
    },
    {
      name: 'match accelerators',
      rules: [{ name: 'r', match: { accelerators: ['nvidia-a*'] }, ...eu }],
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'require clusters by id',
      rules: [{ name: 'r', require: { clusters: ['aws-*'] } }],
      wantCluster: 'aws-use1',
      wantMatched: ['r'],
    },
    {
      name: 'require clouds',
      rules: [{ name: 'r', require: { clouds: ['gcp'] } }],
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'require cluster labels',
      rules: [{ name: 'r', require: { labels: { residency: 'us' } } }],
      wantCluster: 'aws-use1',
      wantMatched: ['r'],
    },
    {
      name: 'forbid a cloud',
      rules: [{ name: 'r', forbid: { clouds: ['onprem'] } }],
      wantCluster: 'aws-use1',
      wantMatched: ['r'],
    },
    {
      name: 'forbid needs every field to hold',
      rules: [{ name: 'r', forbid: { clouds: ['onprem'], labels: { residency: 'us' } } }],
      wantCluster: 'onprem-a',
      wantMatched: ['r'],
    },
    {
      name: 'prefer outweighs free capacity',
      rules: [{ name: 'r', prefer: [{ weight: 5, labels: { tier: 'premium' } }] }],
      wantCluster: 'gcp-euw4',
      wantMatched: ['r'],
    },
    {
      name: 'negative preference steers away',
      rules: [{ name: 'r', prefer: [{ weight: -5, clouds: ['onprem'] }] }],
      wantCluster: 'aws-use1',
      wantMatched: ['r'],
    },
    {
      name: 'require nothing meets: rejected',
      rules: [{ name: 'r', require: { clouds: ['azure'] } }],
      wantOutcome: 'rejected',
      wantMatched: ['r'],
    },
    {
      name: 'priority default replaces the submission default',
      rules: [{ name: 'r', priority: { default: 300 } }],
      wantCluster: 'onprem-a',
      wantMatched: ['r'],
      wantPriority: 300,
    },
    {
      name: 'priority default leaves an explicit priority',
      rules: [{ name: 'r', priority: { default: 300 } }],
      spec: { priority: 50 },
      wantCluster: 'onprem-a',
      wantMatched: ['r'],
      wantPriority: 50,
    },
    {
      name: 'priority bounds clamp',
      rules: [
        { name: 'cap', priority: { max: 200 } },
        { name: 'floor', match: { tenants: ['acme'] }, priority: { min: 150 } },
      ],
      tenantId: 'acme',
      spec: { priority: 900 },
      wantCluster: 'onprem-a',
      wantMatched: ['cap', 'floor'],
      wantPriority: 200,
    },
  ];

  it.each(cases)('$name', (tc) => {
    const policy = policyOf({ rules: tc.rules });
    const decision = place({
      spec: aSpec(tc.spec),
      tenantId: tc.tenantId ?? 'acme',
      clusters,
      policy,
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(decision.outcome).toBe(tc.wantOutcome ?? 'placed');
    expect(decision.clusterId).toBe(tc.wantCluster);
    expect(decision.matchedRules).toEqual(tc.wantMatched);
    expect(decision.policyVersion).toBe('v1');
    if (tc.wantPriority !== undefined) expect(decision.effectivePriority).toBe(tc.wantPriority);
  });

  it('explains a cluster filtered by a rule', () => {
    const policy = policyOf({ rules: [{ name: 'no-onprem', forbid: { clouds: ['onprem'] } }] });
    const d = place({
      spec: aSpec(),
      tenantId: 'acme',
      clusters,
      policy,
      now: NOW,
      heartbeatTimeoutMs: HEARTBEAT_MS,
    });
    expect(d.candidates.find((c) => c.clusterId === 'onprem-a')?.reasons).toEqual([
      'excluded by rule no-onprem: forbids clouds onprem',
    ]);
  });

  it('indexes rules by tenant without changing document order', () => {
    const policy = policyOf({
      rules: [
        { name: 'a', priority: { max: 900 } },
        { name: 'b', match: { tenants: ['t1'] }, priority: { max: 800 } },
        { name: 'c', priority: { max: 700 } },
      ],
    });
    const facts = { project: 'p', labels: {}, priority: 100 };
    expect(matchRules(policy, { ...facts, tenantId: 't1' }).rules.map((r) => r.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(matchRules(policy, { ...facts, tenantId: 't2' }).rules.map((r) => r.name)).toEqual([
      'a',
      'c',
    ]);
  });
});

describe('docs/policy.md', () => {
  it('its full example is a valid policy', () => {
    const md = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
    const yaml = md.split('```yaml\n')[1]!.split('```')[0]!;
    const policy = parsePolicyText(yaml);
    expect(policy.rules.map((r) => r.name)).toEqual(['eu-residency', 'batch-off-premium']);
  });
});

describe('policy service', () => {
  it('gives racing changes from two instances distinct revisions, the last one in force', async () => {
    const clock = { now: () => Date.parse('2026-11-28T12:00:00Z') };
    const ctx: CoreContext = {
      store: createMemoryStore({ clock }),
      queue: createMemoryQueue({ clock }),
      clock,
      settings: defaultCoreSettings,
      log: silentLogger,
    };
    const admin: Principal = {
      tenantId: 'admin',
      tokenId: 'tok_admin',
      scopes: new Set(['policy:admin']),
      projects: ['*'],
    };
    const [a, b] = [createPolicyService(ctx), createPolicyService(ctx)];
    const doc = (version: string) => ({ version, rules: [] });
    const first = await Promise.all([a.put(admin, doc('a1')), b.put(admin, doc('b1'))]);
    expect(first.map((p) => p.revision).sort()).toEqual([1, 2]);
    const second = await Promise.all([a.put(admin, doc('a2')), b.put(admin, doc('b2'))]);
    expect(second.map((p) => p.revision).sort()).toEqual([3, 4]);
    const last = second.find((p) => p.revision === 4)!;
    const stored = await a.get(admin);
    expect([stored.revision, stored.document?.version]).toEqual([4, last.document.version]);
  });
});
