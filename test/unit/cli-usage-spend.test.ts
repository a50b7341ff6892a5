// `switchyard usage` renders spend per hour against budgets in money below the GPU table, for the
// tenants and projects that spend or have a budget; an older server's answer (no `cost`) renders
// the GPU table alone.
import { describe, expect, it } from 'vitest';
import { renderUsage } from '../../functions/cli/commands/usage.js';

const gpus = [{ type: 'total', inUse: 8, quota: null }];

describe('renderUsage with budgets', () => {
  it('adds a spend table: spend, budget and what is left per hour', () => {
    const out = renderUsage([
      {
        kind: 'tenant',
        tenantId: 'acme',
        project: null,
        gpus,
        cost: { perHour: 20.4, budget: 50, currency: 'USD' },
      },
      {
        kind: 'project',
        tenantId: 'acme',
        project: 'etl',
        gpus,
        cost: { perHour: 0, budget: null, currency: 'USD' },
      },
      {
        kind: 'project',
        tenantId: 'acme',
        project: 'ml',
        gpus,
        cost: { perHour: 12, budget: null, currency: 'EUR' },
      },
    ]);
    expect(out).toMatch(/^WHO\s+SPEND\s+BUDGET\s+LEFT$/m);
    expect(out).toMatch(/^acme \(tenant\)\s+20\.40 USD\/h\s+50 USD\/h\s+29\.60 USD\/h$/m);
    expect(out).toMatch(/^acme\/ml\s+12 EUR\/h\s+-\s+-$/m);
    expect(out).not.toMatch(/^acme\/etl\s+0/m);
  });

  it('renders the GPU table alone without cost figures', () => {
    const out = renderUsage([{ kind: 'tenant', tenantId: 'acme', project: null, gpus }]);
    expect(out).toMatch(/^WHO\s+ACCELERATOR/m);
    expect(out).not.toContain('SPEND');
  });
});
