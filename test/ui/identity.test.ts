/**
 * The header always says which cluster and as whom, in a real Chromium: as the demo's admin and
 * as its read-only user (`--context kubelive-demo-viewer`), the header shows the context, the
 * user as the API server names it and the server's host, with all of it (groups, kubeconfig
 * entries, the whole server URL) in the title; on a 390 px phone it takes a line of its own and
 * the page does not scroll sideways. Screenshots: test-artifacts/identity-admin.png,
 * identity-viewer-phone.png.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startBackend, type Backend } from '../../server/serve.js';
import { type LaunchedBrowser, quickConfig, screenshot, useDashboard } from './browser.js';

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

useDashboard({ demo: { nodes: 3, pods: 40, churn: 0, seed: 9 }, port: 0, config: quickConfig }, (d) => ({ backend, chromium, page, errors } = d));

/** What the header's identity shows, and its title. */
async function identityOf(p: Page) {
  const identity = p.getByTestId('identity');
  await p.locator('[data-testid=identity][data-state=known]').waitFor({ timeout: 30_000 });
  return {
    context: (await p.getByTestId('identity-context').textContent())?.trim(),
    user: (await p.getByTestId('identity-user').textContent())?.trim(),
    server: (await p.getByTestId('identity-server').textContent())?.trim(),
    title: (await identity.getAttribute('title')) ?? '',
  };
}

test('theHeaderNamesTheAdminsContextUserAndServer', async () => {
  await page.goto(`${backend.url}#/nodes`);
  const shown = await identityOf(page);
  const server = backend.kube.server;
  expect(shown).toEqual({
    context: 'kubelive-demo',
    user: 'kubelive-demo',
    server: new URL(server).host,
    title: [
      'Context: kubelive-demo (the embedded demo cluster)',
      `Cluster: kubelive-demo, server ${server}`,
      'User: kubelive-demo (groups: system:masters, system:authenticated)',
      'Kubeconfig user: kubelive-demo',
    ].join('\n'),
  });
  // It sits in the header, on one line with the rest.
  const header = await page.locator('header.top').boundingBox();
  const box = await page.getByTestId('identity').boundingBox();
  expect(box!.y).toBeGreaterThanOrEqual(header!.y);
  expect(box!.y + box!.height).toBeLessThanOrEqual(header!.y + header!.height);
  await screenshot(page, 'identity-admin');
  expect(errors).toEqual([]);
});

test('theReadOnlyUserIsNamedAsTheApiServerNamesItAndFitsAPhone', async () => {
  const viewer = await startBackend({ kubeconfigYaml: backend.demo!.kubeconfigYaml, context: 'kubelive-demo-viewer', port: 0, config: quickConfig });
  const phone = await chromium.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  try {
    await phone.goto(`${viewer.url}#/pods`);
    const shown = await identityOf(phone);
    expect(shown.context).toBe('kubelive-demo-viewer');
    expect(shown.user).toBe('viewer');
    expect(shown.title).toContain('User: viewer (groups: kubelive-demo:viewers, system:authenticated)');
    expect(shown.title).toContain('Kubeconfig user: kubelive-demo-viewer');
    // The view has rows by now: the page is as wide as it will get.
    await phone.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').first().waitFor({ timeout: 30_000 });
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    const box = await phone.getByTestId('identity').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    // Each part is visible, however short it is cut.
    for (const part of ['identity-context', 'identity-user', 'identity-server']) {
      const partBox = await phone.getByTestId(part).boundingBox();
      expect({ part, visible: partBox !== null && partBox.width > 20 }).toEqual({ part, visible: true });
    }
    await screenshot(phone, 'identity-viewer-phone');
  } finally {
    await phone.close();
    await viewer.stop();
  }
});

test('aLongContextNameIsCutShortOnAPhoneAndWholeInTheTitle', async () => {
  const long = 'kubelive-demo-viewer-of-the-production-cluster-in-eu-west-1-behind-the-bastion';
  const yaml = backend.demo!.kubeconfigYaml.replaceAll('"kubelive-demo-viewer"', JSON.stringify(long));
  const viewer = await startBackend({ kubeconfigYaml: yaml, context: long, port: 0, config: quickConfig });
  const phone = await chromium.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    await phone.goto(`${viewer.url}#/nodes`);
    const shown = await identityOf(phone);
    expect(shown.title).toContain(`Context: ${long}`);
    const context = await phone.getByTestId('identity-context').evaluate((e) => ({ cut: e.scrollWidth > e.clientWidth, right: e.getBoundingClientRect().right }));
    expect(context.cut).toBe(true);
    expect(context.right).toBeLessThanOrEqual(390);
    // Who acts is the last part to be cut: a short user name shows whole.
    expect(await phone.getByTestId('identity-user').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    await screenshot(phone, 'identity-long-context-phone');
  } finally {
    await phone.close();
    await viewer.stop();
  }
});
