// Browser tier: the dashboard at `/` in headless Debian Chromium (playwright-core, never
// `playwright install`) against the real server process on the embedded default: sign-in, the
// simulated clusters, a job from submission to success with its decision and events, cordon /
// drain / uncordon, cancel, schedules, escaping, sign-out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, requireChromium, skipBrowserTests } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, type ServerProcess } from '../support/server-process.js';

type JobBody = { id: string; state: string; traceId: string };
type ClusterBody = { id: string; status: string };

const job = (name: string, seconds: number, extra: Record<string, unknown> = {}) => ({
  name,
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  env: { SIM_DURATION_SECONDS: String(seconds) },
  resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
  ...extra,
});

describe.skipIf(skipBrowserTests)('the dashboard in Chromium', () => {
  let dir: string;
  let server: ServerProcess;
  let api: ReturnType<typeof apiClient>;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    requireChromium();
    dir = mkdtempSync(join(tmpdir(), 'sy-browser-'));
    [server, browser] = await Promise.all([startServer({ dataDir: dir }), launchChromium()]);
    api = apiClient(server.url, server.token);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // A rejected token is an expected 401 in the network log; anything else is a problem.
      if (m.type() === 'error' && !/401 \(Unauthorized\)/.test(m.text())) {
        problems.push(`console: ${m.text()}`);
      }
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) {
        foreignRequests.push(r.url());
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves one self-contained page with strict security headers', async () => {
    const res = await page.goto(server.url + '/');
    const headers = res!.headers();
    expect(res!.status()).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/html/);
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
    const js = await fetch(server.url + '/dashboard.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).toContain("connect-src 'self'");
    await page.locator('#login').waitFor();
  });

  it('shows the API error for a wrong token and stays signed out', async () => {
    await page.fill('#token-input', 'not-a-real-token');
    await page.click('#login-form button[type=submit]');
    const error = page.locator('#login-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(
      /UNAUTHENTICATED: the token is not a well-formed JWT/,
    );
    expect(await page.evaluate(() => sessionStorage.getItem('switchyard.token'))).toBeNull();
    expect(await page.locator('#app').isHidden()).toBe(true);
  });

  it('signs in with the pasted token and shows the five simulated clusters with their GPUs', async () => {
    await page.fill('#token-input', server.token);
    await page.click('#login-form button[type=submit]');
    await page.locator('#clusters-table').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('switchyard.token'))).toBe(
      server.token,
    );
    const rows = page.locator('#clusters-table tbody tr');
    expect(await rows.count()).toBe(5);
    const row = (id: string) => page.locator(`#clusters-table tr[data-cluster="${id}"]`);
    for (const [id, type, total] of [
      ['aws-us-east-1', 'nvidia-a100', 16],
      ['gcp-europe-west4', 'nvidia-h100', 16],
      ['onprem-dc1', 'nvidia-a100', 4],
      ['gcp-us-central1', 'nvidia-h100', 32],
      ['onprem-dc2', 'nvidia-h100', 8],
    ] as const) {
      const text = (await row(id).textContent())!;
      expect(text).toContain(type);
      expect(text).toMatch(new RegExp(`\\d+ / ${total} in use`));
      expect(text).toMatch(/simulated\s*http:\/\/127\.0\.0\.1:\d+/i);
      expect(await row(id).locator('.status').textContent()).toBe('active');
    }
    expect(await page.locator('#sim-note').textContent()).toContain(
      'All 5 clusters are simulated Kubernetes API servers',
    );
  });

  it('follows a submitted job to succeeded and explains its decision and events', async () => {
    const submitted = await api<JobBody>('POST', '/v1/jobs', job('dash-train', 1));
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    await page.click('#tab-jobs');
    const row = page.locator(`#jobs-rows tr[data-job-id="${id}"]`);
    await page
      .locator(`#jobs-rows tr[data-job-id="${id}"] .state`, { hasText: 'succeeded' })
      .waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('dash-train');

    await row.click();
    const detail = page.locator('#job-detail');
    await detail.locator('.events').waitFor();
    const text = (await detail.textContent())!;
    expect(text).toContain(`sy-admin/sy-${id}`);
    expect(text).toContain('1 × nvidia-a100');
    // The trace id as the command that finds its log lines, selected whole for copying.
    const grep = detail.locator('#job-trace-grep');
    expect(await grep.textContent()).toBe(`grep ${submitted.body.traceId}`);
    expect(await grep.evaluate((e) => getComputedStyle(e).userSelect)).toBe('all');
    const candidates = detail.locator('.candidates tbody tr');
    expect(await candidates.count()).toBe(5);
    expect(
      await detail.locator('.candidates tr[data-candidate="gcp-europe-west4"]').textContent(),
    ).toContain('filtered');
    expect(await detail.locator('.candidates').textContent()).toMatch(/chosen\s*\d/);
    const events = (await detail.locator('.events').textContent())!;
    for (const state of ['received', 'dispatched', 'submitted', 'running', 'succeeded']) {
      expect(events).toContain(state);
    }
    expect(await detail.locator('#job-cancel').count()).toBe(0);

    const shots = mkdtempSync(join(tmpdir(), 'sy-dashboard-shots-'));
    await page.screenshot({ path: join(shots, 'jobs.png'), fullPage: true });
    await page.click('#tab-clusters');
    await page.locator('#clusters-table').waitFor();
    await page.screenshot({ path: join(shots, 'clusters.png'), fullPage: true });
    console.log(`dashboard screenshots: ${shots}`);
  });

  it('cordons, drains and uncordons a cluster from the Clusters view', async () => {
    const status = (id: string) => page.locator(`#clusters-table tr[data-cluster="${id}"] .status`);
    const button = (id: string, op: string) =>
      page.locator(`#clusters-table tr[data-cluster="${id}"] button[data-op="${op}"]`);

    await button('aws-us-east-1', 'cordon').click();
    await status('aws-us-east-1').filter({ hasText: 'cordoned' }).waitFor();
    expect((await api<ClusterBody>('GET', '/v1/clusters/aws-us-east-1')).body.status).toBe(
      'cordoned',
    );
    await button('aws-us-east-1', 'uncordon').click();
    await status('aws-us-east-1').filter({ hasText: 'active' }).waitFor();

    await button('onprem-dc1', 'drain').click();
    await status('onprem-dc1').filter({ hasText: 'draining' }).waitFor();
    expect(await page.locator('#notice').textContent()).toMatch(/Drained onprem-dc1: \d+ job/);
    await button('onprem-dc1', 'uncordon').click();
    await status('onprem-dc1').filter({ hasText: 'active' }).waitFor();
    expect((await api<ClusterBody>('GET', '/v1/clusters/onprem-dc1')).body.status).toBe('active');
  });

  it('cancels a running job from its detail, and escapes what the API returns', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    const submitted = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('dash-long', 60, { args: [hostile], labels: { team: 'nlp' } }),
    );
    const id = submitted.body.id;
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${id}"]`).click();
    const detail = page.locator('#job-detail');
    await detail.locator('#job-cancel').waitFor();
    expect(await detail.textContent()).toContain(hostile);
    expect(await detail.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    await detail.locator('#job-cancel').click();
    await detail.locator('h2 .badge', { hasText: 'cancelled' }).waitFor({ timeout: 15_000 });
    expect((await api<JobBody>('GET', `/v1/jobs/${id}`)).body.state).toBe('cancelled');
  });

  it('filters jobs by state and pages with the cursor', async () => {
    for (let i = 0; i < 26; i++) {
      const r = await api('POST', '/v1/jobs', job(`dash-page-${i}`, 1, { project: 'paging' }));
      expect(r.status).toBe(202);
    }
    await page.fill('#filter-project', 'paging');
    await page.selectOption('#filter-state', '');
    await page.click('#jobs-filter button[type=submit]');
    await page.locator('#jobs-more').waitFor();
    expect(await page.locator('#jobs-rows tr').count()).toBe(25);
    await page.click('#jobs-more');
    await page.locator('#jobs-rows tr').nth(25).waitFor();
    expect(await page.locator('#jobs-rows tr').count()).toBe(26);
    await page.locator('#jobs-more').waitFor({ state: 'hidden' });

    await page.fill('#filter-project', 'research');
    await page.selectOption('#filter-state', 'cancelled');
    await page.click('#jobs-filter button[type=submit]');
    await page.locator('#jobs-rows tr', { hasText: 'dash-long' }).waitFor();
    expect(await page.locator('#jobs-rows tr').count()).toBe(1);
  });

  it('lists schedules with their next fire times', async () => {
    const created = await api('POST', '/v1/schedules', {
      name: 'nightly-eval',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      template: job('eval', 1),
    });
    expect(created.status).toBe(201);
    await page.click('#tab-schedules');
    const row = page.locator('#schedules-table tbody tr', { hasText: 'nightly-eval' });
    await row.waitFor();
    const text = (await row.textContent())!;
    expect(text).toContain('0 2 * * *');
    expect(text).toContain('Europe/Berlin');
    expect(text).toContain('Forbid');
    expect(await row.locator('td:nth-child(6) .time').count()).toBe(3);
  });

  it('never receives nor shows a callback secret, for jobs or schedules', async () => {
    const secret = 'whsec_ZGFzaGJvYXJkLXNlY3JldC1kYXNoYm9hcmQ=';
    const callback = { url: 'https://hooks.example.com/status', secret };
    const submitted = await api<JobBody>('POST', '/v1/jobs', job('dash-secret', 1, { callback }));
    const schedule = await api('POST', '/v1/schedules', {
      name: 'with-callback',
      cron: '0 2 * * *',
      template: job('eval', 1, { callback }),
    });
    expect([submitted.status, schedule.status]).toEqual([202, 201]);
    const bodies: Array<Promise<string>> = [];
    const onResponse = (r: { url(): string; text(): Promise<string> }) => {
      if (r.url().includes('/v1/')) bodies.push(r.text().catch(() => ''));
    };
    page.on('response', onResponse);
    try {
      await page.click('#tab-jobs');
      await page.fill('#filter-project', 'research');
      await page.selectOption('#filter-state', '');
      await page.click('#jobs-filter button[type=submit]');
      await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
      await page.locator('#job-detail', { hasText: callback.url }).waitFor();
      await page.click('#tab-schedules');
      await page.locator('#schedules-table tbody tr', { hasText: 'with-callback' }).waitFor();
    } finally {
      page.off('response', onResponse);
    }
    const seen = await Promise.all(bodies);
    expect(seen.some((b) => b.includes('"secretSet":true'))).toBe(true);
    for (const body of [...seen, await page.content()]) expect(body).not.toContain(secret.slice(6));
  });

  it('shows each queue with the clusters that drain it and your jobs started from it', async () => {
    // CPU only, so GPUs other tests still hold cannot leave it pending.
    const submitted = await api('POST', '/v1/jobs', job('queue-watch', 30, { resources: {} }));
    expect(submitted.status).toBe(202);
    const id = (submitted.body as JobBody).id;
    const clusterId = ((await api('GET', `/v1/jobs/${id}`)).body as { clusterId: string })
      .clusterId;
    const clusters = (await api('GET', '/v1/clusters')).body as {
      items: Array<{ id: string; queue: string }>;
    };
    const queue = clusters.items.find((c) => c.id === clusterId)!.queue;
    await page.click('#tab-queues');
    const rows = page.locator('#queues-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(new Set(clusters.items.map((c) => c.queue)).size);
    const row = page.locator(`#queues-table tbody tr[data-queue="${queue}"]`);
    expect(await row.locator('td:nth-child(2)').textContent()).toContain(clusterId);
    // Dispatched, then taken by the drainer and started: the row counts it either way.
    await expect
      .poll(async () => {
        const waiting = Number(await row.locator('td.waiting').textContent());
        const started = Number(await row.locator('td.started').textContent());
        return waiting + started;
      })
      .toBeGreaterThanOrEqual(1);
    expect(await page.locator('#queues-pending').textContent()).toContain('on no queue');
    await api('POST', `/v1/jobs/${id}/cancel`);
  });

  it('signs out, forgetting the token, and made no request beyond its own origin', async () => {
    await page.click('#sign-out');
    await page.locator('#login').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('switchyard.token'))).toBeNull();
    await page.reload();
    await page.locator('#login').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
