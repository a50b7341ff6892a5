// Browser tier, the Policy tab (issue #18), in headless Debian Chromium against the real server
// process: an admin token sees the version in force, its history newest first with each version's
// diff against the one before, and the what-if of a pasted draft (the same answer the API gives
// for it, with the placed job that would move); a partner token has no Policy tab at all. And the
// admin's Usage view, which lists every tenant, names another tenant's projects with their tenant.
// And the Maintenance tab: a plan's state and each cluster's step, with Pause, Resume and Cancel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  requireChromium,
  signedInTab,
  skipBrowserTests,
} from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, type ServerProcess } from '../support/server-process.js';

type Body = Record<string, unknown>;
const V1 = { version: 'v1' };
const V2 = {
  version: 'v2',
  rules: [{ name: 'research-a100', match: { projects: ['research'] }, prefer: [] as Body[] }],
};
V2.rules[0]!.prefer = [{ clouds: ['gcp'], weight: 5 }];

describe.skipIf(skipBrowserTests)('the dashboard Policy tab in Chromium', () => {
  let dir: string;
  let server: ServerProcess;
  let api: ReturnType<typeof apiClient>;
  let browser: Browser;
  const problems: string[] = [];

  const signedIn = (token: string): Promise<Page> =>
    signedInTab(browser, server.url, token, { width: 1280, problems });

  beforeAll(async () => {
    requireChromium();
    dir = mkdtempSync(join(tmpdir(), 'sy-browser-policy-'));
    [server, browser] = await Promise.all([startServer({ dataDir: dir }), launchChromium()]);
    api = apiClient(server.url, server.token);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows an admin the version in force, its history with diffs, and a simulated draft', async () => {
    const first = await api<{ revision: number }>('PUT', '/v1/policy', V1);
    expect(first.status).toBe(200);
    const second = await api<{ revision: number }>('PUT', '/v1/policy', V2);
    expect(second.body.revision).toBe(first.body.revision + 1);
    const top = second.body.revision;
    const submitted = await api<{ id: string }>('POST', '/v1/jobs', {
      name: 'placed-one',
      project: 'research',
      image: 'ghcr.io/acme/train:1.2',
      env: { SIM_DURATION_SECONDS: '120' },
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    });
    expect(submitted.status).toBe(202);
    // The draft forbids every cluster to research, so the replayed job turns rejected; it also
    // sets research a budget in money, shown as budget pressure.
    const draft = {
      version: 'v3-draft',
      quotas: { projects: { 'admin/research': { maxCostPerHour: 40 } } },
      rules: [{ name: 'nowhere', match: { projects: ['research'] }, forbid: { clusters: ['*'] } }],
    };
    type Outcome = { outcome: string; clusterId?: string };
    const expected = await api<{
      summary: { replayed: number; changed: number; newlyRejected: { jobs: number } };
      changes: Array<{ jobId: string; before: Outcome; after: Outcome }>;
    }>('POST', '/v1/policy:simulate', { document: draft });
    expect(expected.status).toBe(200);
    const change = expected.body.changes.find((c) => c.jobId === submitted.body.id);
    expect(change?.before.outcome).toBe('placed');
    expect(change?.after.outcome).toBe('rejected');

    const page = await signedIn(server.token);
    await page.click('#tab-policy');
    const inForce = page.locator('#policy-in-force h2', { hasText: `revision ${top}` });
    await inForce.waitFor();
    expect(JSON.parse((await page.locator('#policy-document').textContent())!)).toMatchObject(V2);
    const revisions = await page
      .locator('#policy-history tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.revision)));
    expect(revisions.slice(0, 2)).toEqual([top, top - 1]);
    expect(
      await page.locator(`#policy-history tr[data-revision="${top}"]`).textContent(),
    ).toContain('research-a100');

    await page.click(`#policy-history tr[data-revision="${top}"]`);
    await page.locator('#policy-diff h2', { hasText: `Revision ${top - 1} → ${top}` }).waitFor();
    const lines = await page.locator('#policy-diff-lines li').allTextContents();
    expect(lines).toContain('~ version: "v1" → "v2"');
    expect(lines.some((l) => l.startsWith('+ rules[research-a100]'))).toBe(true);

    await page.fill('#policy-draft', 'rules: [not json');
    await page.click('#policy-simulate');
    await page.locator('#policy-sim-error', { hasText: 'not JSON' }).waitFor();

    await page.fill('#policy-draft', JSON.stringify(draft));
    await page.click('#policy-simulate');
    await page.locator('#policy-sim-summary').waitFor();
    expect(await page.locator('#policy-sim-summary .sim-replayed').textContent()).toBe(
      String(expected.body.summary.replayed),
    );
    expect(await page.locator('#policy-sim-summary .sim-changed').textContent()).toBe(
      String(expected.body.summary.changed),
    );
    const rejected = page.locator('#policy-sim-summary .sim-rejected');
    expect(await rejected.locator('.count').textContent()).toBe(
      String(expected.body.summary.newlyRejected.jobs),
    );
    expect(await rejected.locator('li').first().textContent()).toContain(
      'excluded by rule nowhere',
    );
    const budgets = await page.locator('#policy-sim-summary .sim-budgets').textContent();
    expect(budgets).toContain('jobs waiting for a budget');
    expect(budgets).toMatch(/project:admin\/research: \d+\.\d\d of 40 USD\/h spent now/);
    const row = page.locator(`#policy-sim-changes tr[data-job-id="${submitted.body.id}"]`);
    expect(await row.locator('td').nth(2).textContent()).toBe(
      `placed on ${change!.before.clusterId}`,
    );
    expect(await row.locator('td').nth(3).textContent()).toBe('rejected');
    // Readable 390 px wide: the document, history and results scroll in their own boxes.
    await page.setViewportSize({ width: 390, height: 900 });
    expect(
      await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      ),
    ).toBe(0);
    // Nothing was stored by the what-if.
    expect((await api<{ revision: number }>('GET', '/v1/policy')).body.revision).toBe(top);
    await api('POST', `/v1/jobs/${submitted.body.id}/cancel`);
    await page.context().close();
  });

  it('gives a token without policy:admin no Policy tab', async () => {
    const minted = await api<{ token: string }>('POST', '/v1/tokens', {
      scopes: ['jobs:submit', 'jobs:read'],
      projects: ['research'],
    });
    expect(minted.status).toBe(201);
    const page = await signedIn(minted.body.token);
    expect(await page.locator('#tab-policy').isHidden()).toBe(true);
    expect(await page.locator('#tab-maintenance').isHidden()).toBe(true);
    expect(await page.locator('#tab-usage').isVisible()).toBe(true);
    // Even asked for by its address, the tab falls back to the clusters view.
    await page.goto(server.url + '/#policy');
    await page.locator('#clusters-table').waitFor();
    expect(await page.locator('#panel-policy').isHidden()).toBe(true);
    expect(await page.locator('#tab-policy').isHidden()).toBe(true);
    await page.context().close();
  });

  it("names another tenant's projects with their tenant in the admin's Usage view", async () => {
    const minted = await api<{ token: string }>('POST', '/v1/tokens', {
      tenantId: 'globex',
      scopes: ['jobs:submit', 'jobs:read'],
      projects: ['*'],
    });
    expect(minted.status).toBe(201);
    const globex = apiClient(server.url, minted.body.token);
    const submitted = await globex<{ id: string }>('POST', '/v1/jobs', {
      name: 'globex-etl',
      project: 'etl',
      image: 'ghcr.io/acme/train:1.2',
      env: { SIM_DURATION_SECONDS: '120' },
      resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
    });
    expect(submitted.status).toBe(202);
    const page = await signedIn(server.token);
    await page.click('#tab-usage');
    const row = page.locator('#usage-table tr[data-usage="project:globex/etl"]').first();
    await row.waitFor();
    expect(await row.locator('td').first().locator('strong').textContent()).toBe('globex/etl');
    await page.locator('#usage-table tr[data-usage="tenant:globex"]').first().waitFor();
    await globex('POST', `/v1/jobs/${submitted.body.id}/cancel`);
    await page.context().close();
  });

  it("lists maintenance plans with each cluster's step, and pauses, resumes and cancels one", async () => {
    const clusters = await api<{ items: Array<{ id: string }> }>('GET', '/v1/clusters');
    const [first, second] = clusters.body.items.map((c) => c.id);
    const started = await api<{ id: string }>('POST', '/v1/maintenance', {
      description: 'kubelet 1.31',
      clusters: [first, second],
      maxUnavailable: 1,
      drainTimeoutSeconds: 600,
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const page = await signedIn(server.token);
    await page.click('#tab-maintenance');
    const row = page.locator(`#maintenance-table tr[data-plan="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td.state').textContent()).toBe('running');
    expect(await row.textContent()).toContain('kubelet 1.31');
    // The first cluster is out (cordoned, draining or already upgrading), the second waits.
    const one = row.locator(`li[data-cluster="${first}"]`);
    expect(['draining', 'upgrading']).toContain(await one.getAttribute('data-step'));
    expect(await one.textContent()).toContain('cordoned');
    expect(await row.locator(`li[data-cluster="${second}"]`).getAttribute('data-step')).toBe(
      'waiting',
    );

    await row.locator('button[data-op="pause"]').click();
    await row.locator('td.state', { hasText: 'paused' }).waitFor();
    expect((await api<{ state: string }>('GET', `/v1/maintenance/${id}`)).body.state).toBe(
      'paused',
    );
    await row.locator('button[data-op="resume"]').click();
    await row.locator('td.state', { hasText: 'running' }).waitFor();
    // Cancel asks once more on the button, then gives the cordoned cluster back.
    await row.locator('button[data-op="cancel"]').click();
    await row.locator('button[data-op="confirm-cancel"]').click();
    await row.locator('td.state', { hasText: 'cancelled' }).waitFor();
    expect(await row.locator('button').count()).toBe(0);
    await page.locator('#notice', { hasText: `Cancelled maintenance plan ${id}` }).waitFor();
    const after = await api<{ status: string }>('GET', `/v1/clusters/${first}`);
    expect(after.body.status).not.toMatch(/cordoned|draining/);
    await page.context().close();
  });

  it('logged no error in the page', () => {
    expect(problems).toEqual([]);
  });
});
