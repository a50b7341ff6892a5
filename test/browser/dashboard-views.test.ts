// Browser tier, part 2: what a new user tripped over in the dashboard (issue #11), in headless
// Debian Chromium against the real server process: buttons that follow the token's scopes (a
// partner token sees no cluster or schedule actions), GPU bars of the share in use, the jobs list's
// GPUs / priority / origin, a rejected job's "not placed", a callback's host and deliveries,
// schedules in their own time zone with their latest runs and actions, quota usage and spend, a
// gang's replicas (issue #13), and a readable page 390 px wide.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

type JobBody = { id: string; state: string };

const job = (name: string, seconds: number, extra: Record<string, unknown> = {}) => ({
  name,
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  env: { SIM_DURATION_SECONDS: String(seconds) },
  resources: { accelerator: { type: 'nvidia-a100', count: 1 } },
  ...extra,
});

describe.skipIf(skipBrowserTests)('the dashboard views in Chromium', () => {
  let dir: string;
  let server: ServerProcess;
  let api: ReturnType<typeof apiClient>;
  let browser: Browser;
  let receiver: Server;
  let receiverHost: string;
  let everyMinute: string;
  let flaky = true;
  const problems: string[] = [];
  const foreignRequests: string[] = [];

  /** A fresh tab of the given width, signed in with `token`, on the Clusters view. */
  const signedIn = (token: string, width = 1440): Promise<Page> =>
    signedInTab(browser, server.url, token, {
      width,
      problems,
      onRequest: (url) => {
        if (!url.startsWith(server.url)) foreignRequests.push(url);
      },
    });

  beforeAll(async () => {
    requireChromium();
    dir = mkdtempSync(join(tmpdir(), 'sy-browser-views-'));
    // `/flaky` answers 410 Gone (dead at once) until the redrive test flips it.
    receiver = createServer((req, res) =>
      res.writeHead(flaky && req.url?.startsWith('/flaky') ? 410 : 204).end(),
    );
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    receiverHost = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    [server, browser] = await Promise.all([startServer({ dataDir: dir }), launchChromium()]);
    api = apiClient(server.url, server.token);
    // Created first, so it has fired at least once by the time the schedules test looks.
    const created = await api<{ id: string }>('POST', '/v1/schedules', {
      name: 'every-minute',
      cron: '* * * * *',
      concurrencyPolicy: 'Forbid',
      template: job('tick', 1, { resources: {} }),
    });
    expect(created.status).toBe(201);
    everyMinute = created.body.id;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((done) => receiver?.close(done));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the share of GPUs in use: a full cluster is a full bar, and the usage view counts it', async () => {
    const page = await signedIn(server.token);
    const row = page.locator('#clusters-table tr[data-cluster="onprem-dc1"]');
    expect(await row.textContent()).toContain('0 / 4 in use');
    expect(await row.locator('.bar span').evaluate((e) => e.getBoundingClientRect().width)).toBe(0);
    const full = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('fill-onprem', 120, {
        resources: { accelerator: { type: 'nvidia-a100', count: 4 } },
        constraints: { clusters: ['onprem-dc1'] },
      }),
    );
    expect(full.status).toBe(202);
    await row.locator('.gpu-count', { hasText: '4 / 4 in use' }).waitFor({ timeout: 20_000 });
    const [fill, bar] = await row
      .locator('.bar')
      .evaluate((b) => [
        b.firstElementChild!.getBoundingClientRect().width,
        b.getBoundingClientRect().width,
      ]);
    expect(bar).toBeGreaterThan(0);
    expect(fill).toBe(bar);
    expect(await row.locator('.bar').getAttribute('aria-valuenow')).toBe('4');

    await page.click('#tab-usage');
    const me = (await api<{ tenantId: string }>('GET', '/v1/whoami')).body.tenantId;
    const tenantTotal = page.locator(
      `#usage-table tr[data-usage="tenant:${me}"][data-type="total"] .in-use`,
    );
    const projectA100 = page.locator(
      `#usage-table tr[data-usage="project:${me}/research"][data-type="nvidia-a100"] .in-use`,
    );
    await tenantTotal.waitFor();
    expect(Number(await tenantTotal.textContent())).toBeGreaterThanOrEqual(4);
    expect(Number(await projectA100.textContent())).toBeGreaterThanOrEqual(4);
    // Spend: 4 GPUs at onprem-dc1's $1.20/GPU-h are at least $4.80/h (no budget is set).
    const spend = page.locator(`#usage-spend tr[data-usage="project:${me}/research"]`);
    expect(await spend.locator('.budget').textContent()).toBe('no budget');
    const perHour = Number((await spend.locator('.spend').textContent())!.replace(/[$/h]/g, ''));
    expect(perHour).toBeGreaterThanOrEqual(4.8);
    await api('POST', `/v1/jobs/${full.body.id}/cancel`);
    await page.context().close();
  });

  it('shows free GPUs the API does not know as unknown, not as free', async () => {
    const page = await signedIn(server.token);
    // An offline cluster's free GPUs become unknown in the API (`freeGpus: null`); the live server
    // answers in this shape only once that lands, so the answer is rewritten on its way in.
    await page.route('**/v1/clusters', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as {
        items: Array<{ id: string; status: string; accelerators: Array<{ freeGpus: unknown }> }>;
      };
      for (const c of body.items.filter((x) => x.id === 'onprem-dc1')) {
        c.status = 'offline';
        for (const a of c.accelerators) a.freeGpus = null;
      }
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    const row = page.locator('#clusters-table tr[data-cluster="onprem-dc1"]');
    await row.locator('.status', { hasText: 'offline' }).waitFor();
    expect(await row.locator('.gpu-count').textContent()).toMatch(/^unknown \/ 4/);
    expect(await row.locator('.bar.unknown').count()).toBe(1);
    expect(await row.locator('.bar').getAttribute('aria-valuetext')).toBe('unknown');
    expect(await row.textContent()).not.toContain('in use');
    await page.context().close();
  });

  it('shows the workload kinds a cluster runs, and "not reported yet" while they are unknown', async () => {
    const page = await signedIn(server.token);
    // Every simulated cluster here declares its kinds; one that has not reported is rewritten in.
    await page.route('**/v1/clusters', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as {
        items: Array<{ id: string; kinds: string[]; kindsKnown?: boolean }>;
      };
      for (const c of body.items.filter((x) => x.id === 'onprem-dc1')) {
        c.kinds = ['job'];
        c.kindsKnown = false;
      }
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    const unknown = page.locator('#clusters-table tr[data-cluster="onprem-dc1"] .kinds');
    await unknown.waitFor();
    expect(await unknown.textContent()).toBe('job others not reported yet');
    const known = page.locator('#clusters-table tbody tr:not([data-cluster="onprem-dc1"]) .kinds');
    expect(await known.first().textContent()).toMatch(/^job, jobset/);
    expect(await known.first().textContent()).not.toContain('not reported');
    await page.context().close();
  });

  it('lists GPUs, priority and origin, says "not placed" for a rejected job, and shows the callback', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789').toString('base64');
    const withCallback = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('with-callback', 1, {
        priority: 7,
        resources: { accelerator: { type: 'nvidia-a100', count: 2 } },
        callback: { url: `http://${receiverHost}/status?token=abc`, secret },
      }),
    );
    const rejected = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('no-such-gpu', 1, { resources: { accelerator: { type: 'nvidia-b999', count: 1 } } }),
    );
    expect([withCallback.status, rejected.body.state]).toEqual([202, 'rejected']);
    const page = await signedIn(server.token);
    await page.click('#tab-jobs');
    const row = page.locator(`#jobs-rows tr[data-job-id="${withCallback.body.id}"]`);
    await row.waitFor();
    expect(await row.locator('td.gpus').textContent()).toBe('2 × nvidia-a100');
    expect(await row.locator('td.priority').textContent()).toBe('7');
    expect(await row.locator('td.origin').textContent()).toBe('API');
    expect(await page.locator('#jobs-table th').allTextContents()).toEqual(
      expect.arrayContaining(['GPUs', 'Priority', 'Origin']),
    );

    await row.click();
    const detail = page.locator('#job-detail');
    const link = detail.locator('.deliveries-link');
    await link.filter({ hasText: /^[1-9]\d* delivered/ }).waitFor({ timeout: 20_000 });
    const callback = (await detail.locator('dt:text-is("Callback") + dd').textContent())!;
    expect(callback).toContain(receiverHost);
    expect(callback).not.toContain('token=abc');
    expect(await detail.locator('#job-deliveries + .table-wrap tbody tr').count()).toBeGreaterThan(
      0,
    );
    expect(await detail.locator('.deliveries').textContent()).toContain('HTTP 204');

    await page.locator(`#jobs-rows tr[data-job-id="${rejected.body.id}"]`).click();
    await detail.locator('h2 .badge', { hasText: 'rejected' }).waitFor();
    const kube = await detail.locator('dt:text-is("Kubernetes") + dd').textContent();
    expect(kube).toBe('not placed');
    await page.context().close();
  });

  it("shows a job's failed deliveries with their last error, and Redrive sends them again", async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789').toString('base64');
    const submitted = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('flaky-callback', 1, { callback: { url: `http://${receiverHost}/flaky`, secret } }),
    );
    const id = submitted.body.id;
    type Item = { id: string; state: string; redrivenAt: string | null };
    const states = async () =>
      (await api<{ items: Item[] }>('GET', `/v1/jobs/${id}/deliveries`)).body.items;
    /** Polls the API (much faster than the page's 3 s refresh) until `ok` holds. */
    const until = async (ok: (items: Item[]) => boolean) => {
      for (const end = Date.now() + 20_000; Date.now() < end;) {
        const items = await states();
        if (ok(items)) return items;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`deliveries of ${id}: ${JSON.stringify(await states())}`);
    };
    // Every status webhook of the finished job dead-lettered (410 Gone buries the later ones).
    const ended = async () =>
      (await api<JobBody>('GET', `/v1/jobs/${id}`)).body.state === 'succeeded';
    for (const end = Date.now() + 20_000; !(await ended()) && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await until((items) => items.length >= 3 && items.every((d) => d.state === 'dead'));
    const page = await signedIn(server.token);
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${id}"]`).click();
    const detail = page.locator('#job-detail');
    const dead = detail.locator('.deliveries tr[data-state="dead"]');
    await dead.first().waitFor({ timeout: 20_000 });
    expect(await dead.first().locator('.delivery-error').textContent()).toMatch(/410 Gone/);
    expect(await detail.locator('.dead-letters').textContent()).toMatch(/failed for good/);

    flaky = false;
    const button = detail.locator('#deliveries-redrive');
    await button.click();
    // The page reloads the job at once: no dead letter left, so no button.
    await button.waitFor({ state: 'detached', timeout: 20_000 });
    const after = await until((items) => items.every((d) => d.state === 'delivered'));
    expect(after.filter((d) => d.redrivenAt !== null).length).toBeGreaterThan(0);
    await page.context().close();
  });

  it('shows the Slurm job id of a job placed on a Slurm cluster', async () => {
    const submitted = await api<JobBody>('POST', '/v1/jobs', job('on-slurm', 1, { resources: {} }));
    const page = await signedIn(server.token);
    // The view of a job a Slurm drainer reported (test/e2e/slurm.test.ts runs that for real).
    await page.route(`**/v1/jobs/${submitted.body.id}`, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as Record<string, unknown>;
      await route.fulfill({ response: res, json: { ...body, targetJobId: '4242' } });
    });
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
    const slurmJob = page.locator('#job-detail dt:text-is("Slurm job") + dd');
    await slurmJob.waitFor();
    expect(await slurmJob.textContent()).toBe('4242 (attempt 1)');
    expect(await page.locator('#job-detail dt:text-is("Kubernetes")').count()).toBe(0);
    await page.context().close();
  });

  it("shows a failed job's exit code and reason when the job view carries a result", async () => {
    const submitted = await api<JobBody>('POST', '/v1/jobs', job('exits-3', 1, { resources: {} }));
    const page = await signedIn(server.token);
    // `result: { exitCode, reason }` joins the job view with the simulated exit codes; until then
    // the live answer is given one on its way in, as the API will send it.
    await page.route(`**/v1/jobs/${submitted.body.id}`, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as Record<string, unknown>;
      await route.fulfill({
        response: res,
        json: { ...body, state: 'failed', result: { exitCode: 3, reason: 'Error' } },
      });
    });
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
    const result = page.locator('#job-detail dt:text-is("Result") + dd');
    await result.waitFor();
    expect(await result.textContent()).toBe('exit code 3 · Error');
    await page.context().close();
  });
  it('lists the runs of a retried job with their cluster, outcome and exit code', async () => {
    const retry = { maxAttempts: 2, backoffSeconds: 0, onExitCodes: [3] };
    const env = { SIM_DURATION_SECONDS: '0', SIM_EXIT_CODE: '3' };
    const submitted = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('retries', 0, { resources: {}, env, retry }),
    );
    for (let i = 0; i < 200; i++) {
      if ((await api<JobBody>('GET', `/v1/jobs/${submitted.body.id}`)).body.state === 'failed')
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await signedIn(server.token);
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
    const rows = page.locator('#job-detail table.attempts tbody tr');
    await rows.nth(1).waitFor();
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(cells.map((c) => [c[0], c[4], c[5]])).toEqual([
      ['1', 'retried', 'BackoffLimitExceeded (exit 3)'],
      ['2', 'failed', 'BackoffLimitExceeded (exit 3)'],
    ]);
    await page.context().close();
  });

  it("shows a gang's kind, nodes × GPUs and each replica's state as its drainer reported it", async () => {
    const gang = job('gang', 0, {
      kind: 'pytorchjob',
      nodes: 2,
      resources: { accelerator: { type: 'nvidia-h100', count: 1 } },
      env: { SIM_DURATION_SECONDS: '0', SIM_EXIT_CODE: '7', SIM_FAIL_REPLICA: 'worker-0' },
    });
    const submitted = await api<JobBody>('POST', '/v1/jobs', gang);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    for (let i = 0; i < 200; i++) {
      if ((await api<JobBody>('GET', `/v1/jobs/${submitted.body.id}`)).body.state === 'failed')
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await signedIn(server.token);
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
    const kind = page.locator('#job-detail dt:text-is("Kind") + dd');
    await kind.waitFor();
    expect(await kind.textContent()).toBe('pytorchjob × 2');
    const gpus = page.locator('#job-detail dt:text-is("Accelerator") + dd');
    expect(await gpus.textContent()).toBe('2 × 1 nvidia-h100 = 2 GPUs');
    const rows = page.locator('#job-detail table.replicas tbody tr');
    await rows.nth(1).waitFor();
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(cells.map((c) => [c[0], c[3], c[4]])).toEqual([
      ['master 0', 'Succeeded', 'exit 0 (Completed)'],
      ['worker 0', 'Failed', 'exit 7 (Error)'],
    ]);
    for (const c of cells) {
      expect(c[1]).toMatch(/^sy-/); // the pod
      expect(c[2]).not.toBe('—'); // the node it ran on
    }
    await page.context().close();
  });

  it('shows schedules in their own time zone, their latest runs with jobs, and suspends, resumes and deletes', async () => {
    const nightly = await api<{ id: string }>('POST', '/v1/schedules', {
      name: 'nightly-berlin',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      template: job('eval', 1),
    });
    expect(nightly.status).toBe(201);
    const page = await signedIn(server.token);
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).not.toBe(
      'Europe/Berlin',
    );
    await page.click('#tab-schedules');
    const row = page.locator(`#schedules-table tr[data-schedule="${nightly.body.id}"]`);
    await row.waitFor();
    const next = await row.locator('td.next .time').allTextContents();
    expect(next).toHaveLength(3);
    // 02:30 on the schedule's wall clock, with the zone named (CET/CEST or GMT+1/GMT+2).
    for (const t of next) expect(t).toMatch(/02:30 (CES?T|GMT\+[12])$/);

    // The every-minute schedule fires at the next minute; its run links to the job it submitted.
    const ticks = page.locator(`#schedules-table tr[data-schedule="${everyMinute}"]`);
    const run = ticks.locator('td.runs button[data-run-job]').first();
    await run.waitFor({ timeout: 75_000 });
    expect(await ticks.locator('td.runs .time').first().textContent()).toMatch(
      /\d\d:\d\d (UTC|GMT)$/,
    );
    const jobId = (await run.getAttribute('data-run-job'))!;
    await run.click();
    const detail = page.locator('#job-detail');
    await detail.locator('h2', { hasText: 'tick' }).waitFor();
    expect(await detail.locator('dt:text-is("Origin") + dd').textContent()).toBe(
      `schedule ${everyMinute}`,
    );
    expect(
      await page.locator(`#jobs-rows tr[data-job-id="${jobId}"] td.origin`).textContent(),
    ).toBe('schedule');

    await page.click('#tab-schedules');
    await row.locator('button[data-op="suspend"]').click();
    await row.locator('td.state', { hasText: 'suspended' }).waitFor();
    expect(
      (await api<{ suspended: boolean }>('GET', `/v1/schedules/${nightly.body.id}`)).body.suspended,
    ).toBe(true);
    await row.locator('button[data-op="resume"]').click();
    await row.locator('td.state', { hasText: 'active' }).waitFor();
    await row.locator('button[data-op="delete"]').click();
    expect(await row.locator('button[data-op="confirm-delete"]').textContent()).toBe(
      'Delete nightly-berlin?',
    );
    expect((await api('GET', `/v1/schedules/${nightly.body.id}`)).status).toBe(200);
    await row.locator('button[data-op="confirm-delete"]').click();
    await row.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/schedules/${nightly.body.id}`)).status).toBe(404);
    await page.context().close();
  }, 120_000);

  it('gives a partner token no buttons its scopes would refuse', async () => {
    const minted = await api<{ token: string }>('POST', '/v1/tokens', {
      scopes: ['jobs:submit', 'jobs:read'],
      projects: ['research'],
    });
    expect(minted.status).toBe(201);
    const running = await api<JobBody>(
      'POST',
      '/v1/jobs',
      job('partner-view', 60, { resources: {} }),
    );
    const page = await signedIn(minted.body.token);
    expect(await page.locator('#whoami').textContent()).toMatch(/· projects research$/);
    expect(await page.locator('#clusters-table tbody tr').count()).toBe(5);
    expect(await page.locator('#clusters-table button').count()).toBe(0);
    await page.click('#tab-schedules');
    await page.locator(`#schedules-table tr[data-schedule="${everyMinute}"]`).waitFor();
    expect(await page.locator('#schedules-table button[data-op]').count()).toBe(0);
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${running.body.id}"]`).click();
    await page.locator('#job-detail h2', { hasText: 'partner-view' }).waitFor();
    expect(await page.locator('#job-detail h2 .badge').textContent()).not.toMatch(
      /succeeded|failed|cancelled|rejected/,
    );
    expect(await page.locator('#job-cancel').count()).toBe(0);
    await page.click('#tab-usage');
    await page.locator('#usage-projects-only').waitFor();
    expect(await page.locator('#usage-table tr[data-usage^="tenant:"]').count()).toBe(0);
    expect(await page.locator('#usage-table tr[data-usage$="/research"]').count()).toBeGreaterThan(
      0,
    );

    // The same page with the admin token offers every action.
    const admin = await signedIn(server.token);
    expect(await admin.locator('#clusters-table button[data-op="cordon"]').count()).toBe(5);
    await admin.click('#tab-jobs');
    await admin.locator(`#jobs-rows tr[data-job-id="${running.body.id}"]`).click();
    await admin.locator('#job-cancel').waitFor();
    await api('POST', `/v1/jobs/${running.body.id}/cancel`);
    await Promise.all([page.context().close(), admin.context().close()]);
  });

  it('stays readable 390 px wide: tables scroll in their box, no cell wraps a word per line', async () => {
    const submitted = await api<JobBody>('POST', '/v1/jobs', job('narrow', 1));
    const page = await signedIn(server.token, 390);
    const pageOverflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    expect(await pageOverflow()).toBe(0);
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${submitted.body.id}"]`).click();
    const candidates = page.locator('#job-detail table.candidates');
    await candidates.waitFor();
    expect(await candidates.locator('tbody tr').count()).toBe(5);
    expect(await pageOverflow()).toBe(0);
    const tallest = await candidates.evaluate((table) => {
      const lineHeight = parseFloat(getComputedStyle(table.querySelector('td')!).lineHeight) || 20;
      const lines = (el: Element) => el.getBoundingClientRect().height / lineHeight;
      // The text's own box: a cell itself is as tall as its row.
      const cells = [...table.querySelectorAll('tbody td:nth-child(-n+3)')].map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return range.getBoundingClientRect().height / lineHeight;
      });
      const reasons = [...table.querySelectorAll('tbody li')].map(lines);
      return { cell: Math.max(...cells), reason: Math.max(...reasons) };
    });
    // A candidate id, badge or score on one line; a reason on at most three.
    expect(tallest.cell).toBeLessThanOrEqual(1.5);
    expect(tallest.reason).toBeLessThanOrEqual(3.5);
    const wrap = await candidates.evaluate((t) => {
      const box = t.parentElement!;
      return {
        scrolls: getComputedStyle(box).overflowX,
        inside: box.getBoundingClientRect().right,
      };
    });
    expect(wrap.scrolls).toBe('auto');
    expect(wrap.inside).toBeLessThanOrEqual(390);
    for (const tab of ['clusters', 'schedules', 'usage', 'queues']) {
      await page.click(`#tab-${tab}`);
      await page.locator(`#panel-${tab} table`).first().waitFor();
      expect({ tab, overflow: await pageOverflow() }).toEqual({ tab, overflow: 0 });
    }
    await page.context().close();
  });

  it('made no request beyond its own origin and logged no error', () => {
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
