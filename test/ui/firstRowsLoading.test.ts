/**
 * Issue 14, "first rows at once", as a person sees it in a real Chromium: a cold Pods view whose
 * first list arrives page by page shows its rows at once and says plainly they are still arriving
 * (the note with progress, the toolbar count said as "received", the badge `loading` and never
 * `live`, the sidebar's count marked partial, the header's dot naming the view as loading, and a
 * filter said to cover only what has arrived); once the whole, verified snapshot is applied the
 * marks go and the count is kubectl's.
 *
 * The demo's `slow` fault (docs/demo-cluster.md) holds every pods request, so each 500-row page of
 * the backend's first list waits: the view stays loading until the test clears the fault, and
 * what it asserts about the loading state does not race the list. Screenshots in
 * test-artifacts/first-rows-loading.png and first-rows-loaded.png.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/backend.js';
import { kubectl } from '../demo-cluster/client.js';
import { quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

/** Sixteen pages of the backend's 500-row list pages, and more pods than any first page. */
const pods = 8000;
/** Each pods request waits this long while the fault is on: pages land slowly enough to look at. */
const pageDelayMs = 2500;

let backend: Backend;
let page: Page;
let errors: string[];

jest.setTimeout(240_000);

// A server without WatchList, so the backend's first list goes in pages and the slow fault holds
// each one: with a streaming list the fault delays only its start, and the rows then arrive in
// a moment, too soon for the loading state to be looked at without a race.
useDashboard({ demo: { nodes: 20, pods, churn: 0, seed: 14, watchList: false }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 60_000) => waitUntil(page, what, read, ready, timeoutMs);

/** The truth: how many pods the API server holds, as kubectl counts them (asked in one list, not in pages). */
async function kubectlPodCount(): Promise<number> {
  const r = await kubectl(backend.demo!.kubeconfigPath, ['get', 'pods', '-A', '--chunk-size=0', '-o', 'name']);
  if (r.code !== 0) throw new Error(`kubectl get pods failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((line) => line.startsWith('pod/')).length;
}

const text = async (testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const number = (digits: string) => Number(digits.replace(/,/g, ''));

test('aColdPodsViewSaysItsRowsAreStillArrivingThenShowsKubectlsCountUnmarked', async () => {
  const demo = backend.demo!;
  demo.faults.set({ fault: 'slow', resource: 'pods', ms: pageDelayMs });
  try {
    await page.goto(`${backend.url}#/pods`);
    const note = page.getByTestId('loading-pods:');
    await note.waitFor({ timeout: 60_000 });

    // The note: what, how far, and that the list is incomplete.
    const noteText = (await note.textContent())?.trim() ?? '';
    const progress = /^Loading pods in all namespaces — ([\d,]+) (so far|of ([\d,]+)); rows are still arriving, the list is incomplete\.$/.exec(noteText);
    expect(progress).not.toBeNull();
    const received = number(progress![1]!);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(pods);
    if (progress![3] !== undefined) expect(number(progress![3])).toBeGreaterThan(received);

    // The progress moves as the pages land, with the mark still up.
    await until('the progress to move past the first reading', () => note.getAttribute('data-received'), (r) => Number(r) > received, 90_000);

    // The rows so far are on screen, not hidden behind a spinner.
    await until('pod rows on screen', () => page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').count(), (n) => n > 0);

    // The toolbar's count says "received", never the held rows as the total.
    expect(await text('row-count')).toMatch(/^[\d,]+ (received so far|of [\d,]+ received)$/);
    // The badge says loading and how far, not live.
    const badge = page.getByTestId('freshness-pods');
    expect(await badge.getAttribute('data-level')).toBe('loading');
    expect(await badge.locator('.badge-mode').textContent()).toBe('loading');
    expect(await badge.locator('.badge-age').textContent()).toMatch(/^[\d,]+ (so far|of [\d,]+)$/);
    // The sidebar's open entry counts what has arrived, marked as such.
    const navCount = page.getByTestId('count-pods');
    expect(await navCount.getAttribute('data-loading')).toBe('true');
    expect(await text('count-pods')).toMatch(/^[\d,]+…$/);
    expect(await navCount.getAttribute('title')).toMatch(/^still loading: [\d,]+ (so far|of [\d,]+) received$/);
    // The header's dot is not green, and says which view is loading.
    const connection = page.getByTestId('connection');
    await until('the header to name the loading view', () => connection.textContent(), (t) => (t ?? '').includes('loading: pods'));
    expect(await connection.getAttribute('data-level')).not.toBe('live');

    // A filter over rows still arriving is said to cover only those.
    const firstName = ((await page.locator('[role=grid][aria-label="Pods"] [role=row][data-key] [data-col=name]').first().textContent()) ?? '').trim();
    await page.getByTestId('filter').fill(firstName);
    await until('the note to say the filter is partial', () => note.textContent(), (t) => (t ?? '').endsWith('Filter and sort cover only the rows received so far.'));
    await until('the count to say how many are shown of those received', () => text('row-count'), (t) => /^[\d,]+ shown of [\d,]+ received (so far|\(of [\d,]+\))$/.test(t));
    await page.getByTestId('filter').fill('');
    await until('the filter note to go with the filter', () => note.textContent(), (t) => !(t ?? '').includes('Filter and sort'));
    await screenshot(page, 'first-rows-loading');

    // Diagnostics says the same: loading, with progress, not an item count.
    await page.goto(`${backend.url}#/diagnostics`);
    const diagnostics = page.getByTestId('diagnostics-loading').first();
    await diagnostics.waitFor({ timeout: 30_000 });
    expect((await diagnostics.textContent())?.trim()).toMatch(/^loading: [\d,]+ (so far|of [\d,]+) rows received, not yet whole and verified$/);
    await page.goto(`${backend.url}#/pods`);
    await note.waitFor({ timeout: 30_000 });
  } finally {
    demo.faults.clear();
  }

  // Once the whole snapshot is applied, every mark goes and the count is the API server's.
  await page.getByTestId('loading-pods:').waitFor({ state: 'detached', timeout: 120_000 });
  const truth = await kubectlPodCount();
  expect(truth).toBeGreaterThanOrEqual(pods);
  const settled = await until('the count to settle on kubectl\u2019s', () => text('row-count'), (t) => t === `${truth.toLocaleString('en-US')} of ${truth.toLocaleString('en-US')}`);
  expect(settled).toBe(`${truth.toLocaleString('en-US')} of ${truth.toLocaleString('en-US')}`);
  expect(await page.getByTestId('freshness-pods').getAttribute('data-level')).not.toBe('loading');
  expect(await page.getByTestId('freshness-pods').locator('.badge-mode').textContent()).not.toBe('loading');
  expect(await page.getByTestId('count-pods').getAttribute('data-loading')).toBeNull();
  expect(await text('count-pods')).toBe(truth.toLocaleString('en-US'));
  await until('the header to stop saying loading', () => page.getByTestId('connection').textContent(), (t) => !(t ?? '').includes('loading'));
  await screenshot(page, 'first-rows-loaded');
  expect(errors).toEqual([]);
});
