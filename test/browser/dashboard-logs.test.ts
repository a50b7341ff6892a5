// Browser tier: the job view's log pane, in headless Chromium against the API served over loopback
// with a simulated cluster and a pull drainer shipping the pods' output. Opened while the job runs,
// the pane follows: progress lines appear before the job has ended, the stream ends with the exit
// line and says so; a finished job's pane shows its output at once.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody } from '../security/fixture.js';
import {
  launchChromium,
  requireChromium,
  signedInTab,
  skipBrowserTests,
} from '../support/chromium.js';
import { startDrainedApp } from '../support/drained-app.js';

describe.skipIf(skipBrowserTests)('the job log pane in Chromium', () => {
  let stack: Awaited<ReturnType<typeof startDrainedApp>>;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    requireChromium();
    [stack, browser] = await Promise.all([startDrainedApp(), launchChromium()]);
    page = await signedInTab(browser, stack.url, stack.token, { width: 1440, problems });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const stateOf = async (id: string) => (await stack.f.store.jobs.get(id))?.state;

  it('follows a running job: lines arrive while it runs, and the pane says when it ended', async () => {
    const env = { SIM_LOG: 'hello from the pane', SIM_DURATION_SECONDS: '3' };
    const res = await stack.f.call('POST', '/v1/jobs', {
      token: stack.token,
      body: jobBody('research', { env }),
    });
    const id = res.body.id as string;
    await page.click('#tab-jobs');
    await page.locator(`#jobs-rows tr[data-job-id="${id}"]`).click();
    const log = page.locator('#job-detail #job-log');
    await log.filter({ hasText: 'step 1/3' }).waitFor({ timeout: 15_000 });
    expect(await stateOf(id)).not.toBe('succeeded');
    expect(await log.textContent()).toContain('hello from the pane\nstep 1/3\n');
    await page.locator('#job-detail .job-logs[data-ended="true"]').waitFor({ timeout: 15_000 });
    expect(await log.textContent()).toMatch(/step 3\/3\nexited with code 0 \(Completed\)\n$/);
    expect(await page.locator('#job-detail .log-status').textContent()).toBe('the job has ended');
    expect(await stateOf(id)).toBe('succeeded');

    // Reopened once finished: the whole output at once, nothing to follow.
    await page.locator('#job-detail button', { hasText: 'Close' }).click();
    await page.locator(`#jobs-rows tr[data-job-id="${id}"]`).click();
    await page.locator('#job-detail .job-logs[data-ended="true"]').waitFor();
    expect(await log.textContent()).toContain(
      'hello from the pane\nstep 1/3\nstep 2/3\nstep 3/3\n',
    );
    expect(await page.locator('#job-detail .log-status').textContent()).toBe('');
    expect(problems).toEqual([]);
  }, 40_000);
});
