// Debian's Chromium for the dashboard tests, launched headless with the flags this machine needs:
// no background networking (the network is closed), a fresh profile, no sandbox as root.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
/** Skipped on a machine without Chromium; with CI=true a missing Chromium fails instead. */
export const skipBrowserTests = !haveChromium && process.env.CI !== 'true';
if (skipBrowserTests) {
  console.log('dashboard browser tests skipped: Chromium is missing (apt-get install -y chromium)');
}

/** Fails a CI run (the only way to get here without Chromium) with what to install. */
export function requireChromium(): void {
  if (!haveChromium) {
    throw new Error(`CI=true and ${CHROMIUM} is missing: apt-get install -y chromium`);
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 15_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface SignInOptions {
  width: number;
  /** Page errors and console errors are collected here (tests assert it stays empty). */
  problems: string[];
  /** Called with every request the page makes. */
  onRequest?: (url: string) => void;
}

/** A fresh tab of the dashboard at `baseUrl`, signed in with `token`, on the Clusters view. */
export async function signedInTab(
  browser: Browser,
  baseUrl: string,
  token: string,
  o: SignInOptions,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: o.width, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => o.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') o.problems.push(`console: ${m.text()}`);
  });
  if (o.onRequest) page.on('request', (r) => o.onRequest!(r.url()));
  await page.goto(baseUrl + '/');
  await page.fill('#token-input', token);
  await page.click('#login-form button[type=submit]');
  await page.locator('#clusters-table').waitFor();
  return page;
}
