// The fleet console in a real browser (Debian's chromium through playwright-core) against the real
// pipeline: reports sent through the gateway, loaded by the loaders, one older status written into
// ClickHouse as a loader would have three hours ago; the page must show exactly those numbers.
// Writes a screenshot to .state/screenshots/fleet-console-e2e.png.
import { statSync } from 'node:fs';
import { normalizeStatus } from '@opa-fleet/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter, createClickHouseClient, LOADER_TABLES } from '../../packages/clickhouse/src';
import { deliverReports } from '../../packages/clickhouse/test/clickhouse-test-db';
import { launchChromium, openConsole, saveScreenshot } from '../support/console-browser';
import { readFixture } from '../support/fixtures';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';
import { clickhouseUrl } from '../support/stack';

const TOKEN = 'e2e-console-token';
const FAILURE_MARKER = 'server replied with Not Found (e2e marker 7f3a)';

/** Instances and the version each reports (the latest release is v1.4.2). */
const FLEET: [string, string][] = [
  ['e2e-latest-1', 'v1.4.2'],
  ['e2e-latest-2', 'v1.4.2'],
  ['e2e-latest-3', '1.4.2'],
  ['e2e-older-1', 'v1.3.0'],
  ['e2e-older-2', 'v1.3.0'],
  ['e2e-oldest', 'v0.70.0'],
];

// biome-ignore lint/suspicious/noExplicitAny: a fixture body (parsed JSON), edited in place
function statusBody(id: string): Record<string, any> {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const body = structuredClone(readFixture('status-full.json')) as Record<string, any>;
  body.labels.id = id;
  body.bundles.missing.message = FAILURE_MARKER;
  return body;
}

async function post(url: string, body: unknown, userAgent: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The text of each row of a panel's table (header row left out), cells split. */
async function tableRows(page: Page, testId: string): Promise<string[][]> {
  return page
    .locator(`[data-testid=${testId}] tr`)
    .evaluateAll((rows) =>
      rows
        .filter((r) => r.querySelector('td'))
        .map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
    );
}

describe('fleet console in chromium', () => {
  let harness: PipelineHarness;
  let browser: Browser;
  let consoleUrl: string;

  beforeAll(async () => {
    harness = await startPipelineHarness({
      services: ['release-advisor', 'gateway', 'telemetry-loader', 'status-loader', 'fleet-console'],
      releases: ['v1.3.0', 'v1.4.2'],
      env: { 'fleet-console': { CONSOLE_AUTH_TOKENS: TOKEN, CONSOLE_SILENT_MINUTES: '30' } },
    });
    const [pipelineReady, chromium] = await Promise.all([harness.pipeline.ready(), launchChromium()]);
    void pipelineReady;
    browser = chromium;
    consoleUrl = `http://127.0.0.1:${harness.pipeline.services.get('fleet-console')!.port}/`;

    // Through the gateway: a version report of each instance, and a status update with a failing bundle.
    const gateway = harness.pipeline.gatewayUrl;
    for (const [id, version] of FLEET) {
      const status = await post(
        `${gateway}/v1/version`,
        { id, version, heap_usage_bytes: '1000' },
        `Open Policy Agent/${version} (linux, amd64)`,
      );
      expect(status).toBe(200);
    }
    expect(
      await post(`${gateway}/status/e2e-live`, statusBody('e2e-failing'), 'Open Policy Agent/v1.4.2'),
    ).toBe(200);

    // Written as a loader did three hours ago: the last status of an instance that went silent since.
    const stopped = normalizeStatus(statusBody('e2e-stopped'), {
      eventId: 'e2e-stopped-status',
      receivedAt: (Date.now() - 3 * 3600_000) * 1000,
      gatewayId: 'gw-e2e',
      userAgent: 'Open Policy Agent/1.3.0 (linux, amd64)',
      partition: 'e2e-old',
    });
    const client = createClickHouseClient({ url: clickhouseUrl(), database: harness.database });
    try {
      const writer = new BatchWriter({ client, database: harness.database, tableOrder: LOADER_TABLES });
      await deliverReports(writer, [stopped], [], []);
    } finally {
      await client.close();
    }

    const loaded = await harness.waitFor<{ versions: string; statuses: string; releases: string }>(
      `SELECT (SELECT uniqExact(instance_id) FROM version_reports) AS versions,
              (SELECT uniqExact(instance_id) FROM status_reports) AS statuses,
              (SELECT count() FROM releases WHERE tag = 'v1.4.2') AS releases`,
      ([row]) =>
        Number(row?.versions) === FLEET.length && Number(row?.statuses) === 2 && Number(row?.releases) > 0,
    );
    expect(loaded[0]).toEqual({
      versions: String(FLEET.length),
      statuses: '2',
      releases: expect.any(String),
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('asks for the bearer token, refuses a wrong one, and keeps the right one for the tab', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(consoleUrl);
      await page.locator('#token-form').waitFor({ state: 'visible' });
      expect(await page.locator('#panels').isHidden()).toBe(true);
      await page.fill('#token', 'not-the-token');
      await page.click('#token-form button[type=submit]');
      await page.locator('#token-error', { hasText: 'not valid' }).waitFor();
      await page.fill('#token', TOKEN);
      await page.click('#token-form button[type=submit]');
      await page.locator('body[data-loaded=true]').waitFor();
      expect(await page.evaluate("sessionStorage.getItem('fleet-console-token')")).toBe(TOKEN);
      // A reload in the same tab needs no new sign-in.
      await page.reload();
      await page.locator('body[data-loaded=true]').waitFor();
      expect(await page.locator('#token-form').isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  });

  describe('shows what the pipeline put into ClickHouse', () => {
    let page: Page;
    beforeAll(async () => {
      page = await openConsole(browser, consoleUrl, { token: TOKEN });
    });
    afterAll(async () => {
      await page?.close();
    });

    it('instances per version today (`v1.4.2` and `1.4.2` one version), drawn as a chart too', async () => {
      const rows = await tableRows(page, 'versions-latest-day');
      expect(Object.fromEntries(rows.map(([version, count]) => [version, Number(count)]))).toEqual({
        '1.4.2': 3,
        '1.3.0': 2,
        '0.70.0': 1,
      });
      expect(await page.locator('#versions-chart canvas').count()).toBe(1);
    });

    it('the share on the latest release', async () => {
      expect(await page.locator('[data-testid=share]').textContent()).toBe('50%');
      expect(await page.locator('#share-detail').textContent()).toBe(
        '3 of 6 instances seen in the last 24 h',
      );
    });

    it('the out-of-date instances, oldest version first', async () => {
      const rows = await tableRows(page, 'out-of-date');
      expect(rows.map(([id, version, latest]) => [id, version, latest])).toEqual([
        ['e2e-oldest', '0.70.0', '1.4.2'],
        ['e2e-older-1', '1.3.0', '1.4.2'],
        ['e2e-older-2', '1.3.0', '1.4.2'],
      ]);
    });

    it('the failed bundles with their errors', async () => {
      const rows = await tableRows(page, 'failed-bundles');
      const byBundle = Object.fromEntries(
        rows.map(([id, bundle, error, message]) => [bundle, [id, error, message]]),
      );
      expect(byBundle.missing).toEqual(['e2e-failing', 'bundle_error, HTTP 404', FAILURE_MARKER]);
      expect(byBundle.broken![2]).toContain('error(s) occurred while compiling module(s)');
      // The stopped instance's failures are three hours old: not in the last hour.
      expect(rows.map(([id]) => id)).not.toContain('e2e-stopped');
    });

    it('the instance that stopped reporting, and the threshold can be changed on the page', async () => {
      const rows = await tableRows(page, 'stopped');
      expect(rows.map(([id, , partition, version]) => [id, partition, version])).toEqual([
        ['e2e-stopped', 'e2e-old', '1.4.2'],
      ]);
      await page.fill('#silent-minutes', '240');
      await page.dispatchEvent('#silent-minutes', 'change');
      await page.locator('[data-testid=stopped] td.empty').waitFor();
      expect(await page.locator('#stopped h2').textContent()).toContain('no status for 240 min');
      await page.fill('#silent-minutes', '30');
      await page.dispatchEvent('#silent-minutes', 'change');
      await page.locator('[data-testid=stopped] td', { hasText: 'e2e-stopped' }).waitFor();
    });

    it('report rates per partition', async () => {
      const rows = await tableRows(page, 'partitions');
      expect(rows.map(([partition, reports, instances]) => [partition, reports, instances])).toEqual([
        ['e2e-live', '1', '1'],
      ]);
    });

    it('ingestion health from the services’ /metrics', async () => {
      const rows = await tableRows(page, 'ingestion');
      const byService = Object.fromEntries(rows.map((r) => [r[0], r]));
      expect(Object.keys(byService).sort()).toEqual([
        'gateway',
        'release-advisor',
        'status-loader',
        'telemetry-loader',
      ]);
      for (const service of Object.values(byService)) expect(service[1]).toBe('up');
      // status-loader: lag a number, no dead letters, writes ok; gateway: the 7 accepted reports, none refused.
      expect(byService['status-loader']!.slice(2, 6)).toEqual([
        expect.stringMatching(/^\d+$/),
        '0',
        expect.stringMatching(/^\d+$/),
        'ok',
      ]);
      expect(byService.gateway![6]).toBe(`${FLEET.length + 1} / 0`);
    });

    it('writes a screenshot of the console to the state folder', async () => {
      const path = await saveScreenshot(page, 'fleet-console-e2e.png');
      expect(path).toMatch(
        /\.state\/screenshots\/fleet-console-e2e\.png$|screenshots\/fleet-console-e2e\.png$/,
      );
      expect(statSync(path).size).toBeGreaterThan(20_000);
    });
  });
});
