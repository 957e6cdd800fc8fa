/**
 * The Workloads view keeps its kind chip and its open workload in the address, as the other
 * views keep theirs: a reload or a copied link opens the same workload, and Back closes it.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { clickRowUntilSelected, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

let backend: Backend;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

useDashboard({ demo: { nodes: 3, pods: 80, churn: 0, seed: 4 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);
const panel = () => page.getByTestId('object-panel');

test('anOpenWorkloadAndTheKindChipSurviveAReloadAndBackClosesIt', async () => {
  const statefulSet = (backend.demo!.listObjects('statefulsets') as { metadata: { name: string; namespace: string } }[])[0]!;
  await page.goto(`${backend.url}#/workloads`);
  await page.getByRole('button', { name: /^StatefulSets/ }).click();
  await until('the address to name the chip', () => page.evaluate(() => location.hash), (hash) => hash.includes('kind=StatefulSet'));
  const row = page.locator('[role=grid][aria-label="Workloads"] [role=row]', { hasText: statefulSet.metadata.name }).first();
  await clickRowUntilSelected(page, row, 'workloads-statefulset');
  await panel().waitFor({ timeout: 30_000 });
  const hash = await page.evaluate(() => location.hash);
  expect(new URLSearchParams(hash.slice(hash.indexOf('?') + 1)).get('sel')).toBe(`${statefulSet.metadata.namespace}/${statefulSet.metadata.name}`);
  expect(hash).toContain('of=StatefulSet');

  // Opening it was a step in the history: Back closes it, Forward opens it again.
  await page.goBack();
  await until('the panel to close on Back', () => panel().count(), (n) => n === 0);
  await expect(page.getByRole('button', { name: /^StatefulSets/ }).getAttribute('aria-pressed')).resolves.toBe('true');
  await page.goForward();
  await panel().waitFor({ timeout: 30_000 });

  // A copied link, in a fresh load, opens the same workload under the same chip.
  await page.goto('about:blank');
  await page.goto(`${backend.url}${hash}`);
  await panel().waitFor({ timeout: 30_000 });
  await expect(panel().getAttribute('aria-label')).resolves.toContain(statefulSet.metadata.name);
  await expect(page.getByRole('button', { name: /^StatefulSets/ }).getAttribute('aria-pressed')).resolves.toBe('true');
  await screenshot(page, 'workloads-url-reloaded');
  expect(errors).toEqual([]);
});
