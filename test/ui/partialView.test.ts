/**
 * A partial view in a real Chromium: the dashboard run as the demo's namespace-limited user
 * (`--demo --context kubelive-demo-jane`) shows the pods of jane's namespaces, and its header
 * says "pods in 2 of N namespaces" with what is not shown and why on hover; Diagnostics says the
 * same. Screenshot in test-artifacts/partial-pods.png.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { type LaunchedBrowser, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

useDashboard({ demo: { nodes: 3, pods: 60, churn: 0, seed: 3 }, context: 'kubelive-demo-jane', port: 0, config: quickConfig }, (d) => ({ backend, chromium, page, errors } = d));

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000) => waitUntil(page, what, read, ready, timeoutMs);

test('thePodsViewOfANamespaceLimitedUserSaysItIsPartialAndShowsTheirPods', async () => {
  const demo = backend.demo!;
  const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
  const namespaces = demo.listObjects('namespaces').length;
  const expected = [shop, payments].flatMap((ns) => (demo.listObjects('pods', ns) as { metadata: { name: string } }[]).map((p) => p.metadata.name)).sort();
  await page.goto(`${backend.url}#/pods`);
  const note = page.getByTestId('partial-pods:');
  await note.waitFor({ timeout: 30_000 });
  expect((await note.textContent())?.trim()).toBe(`pods in 2 of ${namespaces} namespaces (the ones you may list)`);
  expect(await note.getAttribute('data-namespaces')).toBe([payments, shop].sort().join(','));
  const title = (await note.getAttribute('title')) ?? '';
  expect(title).toContain('Not shown:');
  expect(title).toMatch(/monitoring: .*not permitted/);
  const names = await until(
    'the pods of jane\u2019s namespaces',
    () => page.locator('[role=grid][aria-label="Pods"] [role=row][data-key] [data-col=name]').allTextContents(),
    (n) => n.length === expected.length,
  );
  expect(names.map((n) => n.trim()).sort()).toEqual(expected);
  await screenshot(page, 'partial-pods');

  await page.goto(`${backend.url}#/diagnostics`);
  const diag = page.getByTestId('upstream-partial').first();
  await diag.waitFor({ timeout: 30_000 });
  expect(await diag.textContent()).toContain(`pods in 2 of ${namespaces} namespaces: ${[payments, shop].sort().join(', ')}; refused `);
  expect(errors).toEqual([]);
});
