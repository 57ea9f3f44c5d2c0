// Drives the fleet console in Debian's chromium (apt-get install chromium; .ci/run installs it) through
// playwright-core: no browser download, the system binary at CHROMIUM_PATH (default /usr/bin/chromium).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The git-ignored state folder (OPA_STATE_DIR, default .state/), where screenshots go. */
export function screenshotPath(name: string): string {
  return join(process.env.OPA_STATE_DIR ?? join(repoRoot, '.state'), 'screenshots', name);
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no chromium at ${CHROMIUM_PATH}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`,
    );
  }
  // The sandbox needs user namespaces, which CI containers running as root do not offer.
  return chromium.launch({ executablePath: CHROMIUM_PATH, chromiumSandbox: false, headless: true });
}

/**
 * Opens the console and waits until every panel has been drawn once (the page marks <body data-loaded>).
 * With `token`, signs in through the page's own form first, as a person would.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  options: { token?: string } = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  await page.goto(url);
  if (options.token !== undefined) {
    await page.locator('#token').waitFor();
    await page.fill('#token', options.token);
    await page.click('#token-form button[type=submit]');
  }
  await page.locator('body[data-loaded=true]').waitFor({ timeout: 30_000 });
  return page;
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const path = screenshotPath(name);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}
