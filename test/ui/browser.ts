/**
 * Browser tests' support: Chromium and the built dashboard (scripts/chromium.ts, shared with the
 * browser benchmark), screenshots kept as test artifacts, and the errors a page reports.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from '@jest/globals';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { ensureUiBuilt, launchChromium, repoRoot, type LaunchedBrowser } from '../../scripts/chromium.js';
import { startBackend, type Backend, type BackendOptions } from '../../server/backend.js';
import { kubectlPath } from '../demo-cluster/client.js';

export { ensureUiBuilt, launchChromium, repoRoot, type LaunchedBrowser } from '../../scripts/chromium.js';

export const artifactsDir = join(repoRoot, 'test-artifacts');

/** Short intervals so heartbeats, fallbacks and recoveries show quickly in a browser test; nothing relies on exact timing. */
export const quickConfig = {
  heartbeatIntervalMs: 300,
  stallTimeoutMs: 1500,
  pendingTimeoutMs: 2000,
  backoffBaseMs: 100,
  backoffCapMs: 1000,
  upstreamIdleGraceMs: 2000,
  updateBatchMs: 20,
} as const;

/** Reads until `ready` holds for what was read; fails saying `what` and the last reading. */
export async function until<T>(page: Page, what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value).slice(0, 3000)}`);
    await page.waitForTimeout(100);
  }
}

const runFile = promisify(execFile);

/**
 * kubectl against the backend's demo cluster(s) (`--context` picks one of several), its stdout;
 * a non-zero exit rejects. Never synchronously: the demo cluster answers from this very process.
 */
export async function kubectlOfDemo(backend: Backend, ...args: string[]): Promise<string> {
  const { stdout } = await runFile(kubectlPath ?? 'kubectl', ['--kubeconfig', backend.demo!.kubeconfigPath, ...args], { encoding: 'utf8' });
  return stdout;
}

/**
 * Runs `check` on a pod `choose` picks from a churning demo cluster. Churn deletes the pods it
 * replaces (with a 1-3 s grace), and a deleted pod rightly leaves the table and stops its log: a
 * check that fails after the cluster itself no longer has the pod (by uid) is run again on another,
 * at most `attempts` times. A failure while the pod is still there is the test's own.
 */
export async function onAPodThatStays<P extends { metadata: { uid: string } }>(
  backend: Backend,
  choose: () => P | Promise<P>,
  check: (pod: P) => Promise<void>,
  attempts = 3,
): Promise<P> {
  for (let attempt = 1; ; attempt++) {
    const pod = await choose();
    try {
      await check(pod);
      return pod;
    } catch (error) {
      const stillThere = (backend.demo!.listObjects('pods') as P[]).some((p) => p.metadata.uid === pod.metadata.uid);
      if (stillThere || attempt >= attempts) throw error;
    }
  }
}

/**
 * Clicks a table row (or `target`, a part of it) as a person does and waits for the row to be the
 * selected one. In a live table a row can move between Playwright's look at it and its mouse
 * events: a banner above the table comes or goes (a view degraded for a moment on a busy
 * machine), or churn adds or removes a row above it, and the click lands on a neighbour, the
 * header or nothing. Clean-clone CI run 49 (docs/development.md) saw a Pods row's click open
 * nothing. A missed click is told on the console with what was under the pointer and a
 * screenshot (`<name>-missed-click.png`), then the row is clicked once more, as a person would;
 * a second miss fails saying both.
 */
export async function clickRowUntilSelected(page: Page, row: Locator, name: string, options: { target?: Locator } = {}): Promise<void> {
  // What is clicked: the row, or a part of it (a name cell, away from the row's buttons).
  const target = options.target ?? row;
  // Asked afresh at each look, so a row React mounts again is still the row.
  const selected = row.and(page.locator('[aria-selected="true"]'));
  const misses: string[] = [];
  for (let attempt = 1; ; attempt++) {
    await target.scrollIntoViewIfNeeded({ timeout: 30_000 });
    const box = await target.boundingBox();
    await target.click({ timeout: 30_000 });
    try {
      await selected.waitFor({ state: 'attached', timeout: 5_000 });
      if (misses.length > 0) console.warn(`${name}: a row click missed and the next one took: ${misses.join('; ')}`);
      return;
    } catch {
      const under = box
        ? await page.evaluate(({ x, y }) => {
            const point = document.elementFromPoint(x, y);
            const hit = point?.closest('[role=row], [role=columnheader], [role=alert], [role=status], button') ?? point;
            return hit ? `${hit.tagName.toLowerCase()} role=${hit.getAttribute('role')} key=${hit.getAttribute('data-key')} class="${hit.className}" text="${(hit.textContent ?? '').slice(0, 80)}"` : 'nothing';
          }, { x: box.x + box.width / 2, y: box.y + box.height / 2 })
        : 'no box';
      const banners = await page.locator('[role=alert], .problems').allTextContents();
      misses.push(`attempt ${attempt} at ${page.url()}: under the click point now: ${under}; banners: ${JSON.stringify(banners).slice(0, 400)}`);
      await screenshot(page, `${name}-missed-click`);
      if (attempt >= 2) throw new Error(`${name}: the row never became selected; ${misses.join('; ')}`);
    }
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Errors the page threw or logged: a dashboard that works says nothing here. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A failed request logs only its status; the location says which request it was.
    const url = message.location().url;
    if (message.type() === 'error') errors.push(`console: ${message.text()}${url ? ` (${url})` : ''}`);
  });
  return errors;
}

/** What a browser test file works with: the backend on its demo cluster, Chromium, and one page. */
export interface Dashboard {
  readonly backend: Backend;
  readonly chromium: LaunchedBrowser;
  readonly page: Page;
  /** What the page threw or logged as an error (collectPageErrors). */
  readonly errors: string[];
}

/**
 * The set-up most browser test files share: before the file, the built dashboard, a backend with
 * `options`, Chromium and one desktop-sized page; after it, both stopped. `ready` receives them
 * (a file keeps them in its own variables). One after the other, so a failed launch still leaves
 * the backend to stop.
 */
export function useDashboard(options: BackendOptions, ready: (dashboard: Dashboard) => void, pageOptions: BrowserContextOptions = {}): void {
  let backend: Backend | undefined;
  let chromium: LaunchedBrowser | undefined;
  beforeAll(async () => {
    ensureUiBuilt();
    backend = await startBackend(options);
    chromium = await launchChromium();
    const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 }, ...pageOptions });
    ready({ backend, chromium, page, errors: collectPageErrors(page) });
  });
  afterAll(async () => {
    await chromium?.close();
    await backend?.stop();
  });
}
