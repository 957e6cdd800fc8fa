/**
 * Signals that must not cry wolf, nor stay quiet, in a real Chromium against the demo cluster:
 * the metrics badge is green while metrics are read as designed and amber once the metrics API
 * stops answering (demo fault `stop-metrics`); metric numbers older than the metrics interval are
 * dimmed with a title saying how old; `?inspect` with no reachable inspector says so and opens
 * no window.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { type LaunchedBrowser, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

const wait = { timeout: 30_000 };

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

/**
 * Metrics read every 2 s, not the default 5 s: each wait here is for a read (amber), for data
 * older than twice the interval (stale, dimmed) or for the next read (green again), so the
 * interval sets the file's pace. Fresh means read within 4 s, which leaves a loaded machine 2 s
 * for a late read; sortedPods and kubectlTop read every second.
 */
const metricsIntervalMs = 2000;

useDashboard({ demo: { nodes: 3, pods: 60, churn: 0, seed: 3 }, port: 0, allowFaults: true, config: { ...quickConfig, metricsIntervalMs } }, (d) => ({ backend, chromium, page, errors } = d));

afterEach(() => {
  backend?.demo?.faults.clear();
});

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000) => waitUntil(page, what, read, ready, timeoutMs);

/** The metrics API of the demo cluster stops answering (503), as a metrics-server that is down. */
function stopMetrics(): void {
  backend.demo!.faults.set({ fault: 'stop-metrics' });
}

/** The metrics badge as the page shows it: its level and the colour of its background. */
function metricsBadge(): Promise<{ level: string | null; background: string; text: string }> {
  return page.getByTestId('freshness-metrics').evaluate((b) => ({ level: b.getAttribute('data-level'), background: getComputedStyle(b).backgroundColor, text: b.textContent ?? '' }));
}

/** Each node's CPU cell: dimmed or not, and its title. */
function cpuCells(): Promise<Array<{ dimmed: boolean; title: string | null }>> {
  return page
    .locator('[role=grid][aria-label="Nodes"] [role=row][data-key] [data-col=cpu]')
    .evaluateAll((cells) => cells.map((c) => ({ dimmed: c.classList.contains('stale-metric'), title: c.getAttribute('title') })));
}

test('theMetricsBadgeIsGreenWhileMetricsWorkAndAmberWhenTheMetricsApiStops', async () => {
  await page.goto(`${backend.url}#/nodes`);
  const healthy = await until('metrics read as designed', metricsBadge, (b) => b.level === 'fresh');
  const live = await page.getByTestId('freshness-nodes').evaluate((b) => getComputedStyle(b).backgroundColor);
  expect(healthy.text).toContain('metrics-only');
  expect(healthy.background).toBe(live); // the same green as a live stream: nothing is wrong
  // Over several reads it stays green: metrics are polled by design, not as a fallback.
  for (let i = 0; i < 12; i++) {
    expect((await metricsBadge()).level).toBe('fresh');
    await page.waitForTimeout(500);
  }
  await screenshot(page, 'signals-metrics-healthy');

  stopMetrics();
  // Failing reads are a real problem: amber first (within the bound), then stale.
  const amber = await until('the metrics badge to turn amber', metricsBadge, (b) => b.level === 'polling');
  expect(amber.background).not.toBe(healthy.background);
  await expect(page.locator('.problems').textContent()).resolves.toMatch(/node metrics .* failing/);
  await screenshot(page, 'signals-metrics-stopped');
  await until('the metrics badge to turn stale', metricsBadge, (b) => b.level === 'stale');

  backend.demo!.faults.clear();
  await until('the metrics badge to be green again', metricsBadge, (b) => b.level === 'fresh');
});

test('metricNumbersOlderThanTheIntervalAreDimmedWithTheirAge', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await until('CPU numbers', cpuCells, (cells) => cells.length === 3 && cells.every((c) => !c.dimmed));
  await page.waitForFunction(() => /\d+m/.test(document.querySelector('[aria-label="Nodes"] [role=row][data-key] [data-col=cpu]')?.textContent ?? ''), null, wait);
  const before = await page.locator('[aria-label="Nodes"] [role=row][data-key] [data-col=cpu]').first().evaluate((c) => getComputedStyle(c.querySelector('.usage > span:nth-child(2)')!).color);

  stopMetrics();
  // Metrics are read every 2 s: past that plus the slack, the numbers on screen are old.
  const dimmed = await until('every CPU number dimmed', cpuCells, (cells) => cells.length === 3 && cells.every((c) => c.dimmed));
  for (const cell of dimmed) expect(cell.title).toMatch(new RegExp(`^Old: metrics last read \\d+s ago, sampled \\d+s ago \\(read every ${metricsIntervalMs / 1000}s\\)$`));
  const after = await page.locator('[aria-label="Nodes"] [role=row][data-key] [data-col=cpu]').first().evaluate((c) => getComputedStyle(c.querySelector('.usage > span:nth-child(2)')!).color);
  expect(after).not.toBe(before);
  await screenshot(page, 'signals-metrics-dimmed');
  backend.demo!.faults.clear();
  await until('CPU numbers fresh again', cpuCells, (cells) => cells.length === 3 && cells.every((c) => !c.dimmed));

  // The Pods view dims its numbers the same way.
  await page.goto(`${backend.url}#/pods`);
  const podCells = () =>
    page.locator('[role=grid][aria-label="Pods"] [role=row][data-key] [data-col=cpu]').evaluateAll((cells) => cells.map((c) => ({ dimmed: c.classList.contains('stale-metric'), text: c.textContent ?? '' })));
  await until('pod CPU numbers', podCells, (cells) => cells.some((c) => /\d+m/.test(c.text)) && cells.every((c) => !c.dimmed)); // a finished Job's pod has none
  stopMetrics();
  await until('pod CPU numbers dimmed', podCells, (cells) => cells.length > 0 && cells.every((c) => c.dimmed));
});

test('onlyAPageLoadedWithInspectMayConnectToTheInspectorsAddress', async () => {
  const csp = async (path: string) => (await fetch(`${backend.url}${path}`)).headers.get('content-security-policy') ?? '';
  expect(await csp('')).toContain("connect-src 'self';");
  expect(await csp('?inspect')).toContain("connect-src 'self' https://stately.ai;");
  expect(await csp('api/v1/diagnostics?inspect')).not.toContain('script-src https'); // scripts stay the page's own
});

test('inspectWithNoReachableInspectorSaysSoAndOpensNoWindow', async () => {
  const context = await chromium.browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    // stately.ai does not answer (offline, or a proxy that refuses it).
    await context.route('https://stately.ai/**', (route) => route.abort('internetdisconnected'));
    const dashboard = await context.newPage();
    const opened: string[] = [];
    context.on('page', (p) => opened.push(p.url()));
    await dashboard.goto(`${backend.url}?inspect#/nodes`);
    const notice = dashboard.getByTestId('inspector-notice');
    await notice.waitFor(wait);
    await expect(notice.textContent()).resolves.toMatch(/Stately inspector at https:\/\/stately\.ai\/inspect cannot be reached .* no inspector window was opened/);
    // The dashboard works without it, and no dead window was opened.
    await dashboard.locator('[role=grid][aria-label="Nodes"] [role=row][data-key]').first().waitFor(wait);
    await dashboard.waitForTimeout(1000);
    expect(opened).toEqual([]);
    expect(context.pages()).toHaveLength(1);
    await screenshot(dashboard, 'signals-inspect-unreachable');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached', ...wait });
  } finally {
    await context.close();
  }
});

test('thePageThrewNothing', () => {
  expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
});
