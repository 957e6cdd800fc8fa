/**
 * Browser tests' support: Chromium and the built dashboard (scripts/chromium.ts, shared with the
 * browser benchmark), screenshots kept as test artifacts, and the errors a page reports.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../../scripts/chromium.js';

export { ensureUiBuilt, launchChromium, repoRoot, type LaunchedBrowser } from '../../scripts/chromium.js';

export const artifactsDir = join(repoRoot, 'test-artifacts');

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
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}
