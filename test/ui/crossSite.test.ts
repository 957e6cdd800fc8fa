/**
 * Cross-site requests in a real Chromium: a page served from another origin tries every request a
 * page can send without the backend's consent (an auto-submitted text/plain form, a no-cors fetch,
 * a beacon, a CORS fetch that needs a preflight, an <img> of a snapshot) and the cluster's own
 * state, read from the demo cluster's API and not from kubelive, shows that nothing changed. The
 * dashboard's own page, in the same browser, can still cordon, so the test can tell the two apart.
 */
import { jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { launchChromium, type LaunchedBrowser } from './browser.js';

jest.setTimeout(120_000);

let backend: Backend;
let cluster: KubeClient;
let attacker: Server;
let attackerUrl: string;
let chromium: LaunchedBrowser;
let nodeName: string;

/** The attack page: each attempt reports when it is done, so the test waits for all of them. */
function attackPage(target: string, node: string): string {
  const cordon = `${target}api/v1/nodes/${node}/cordon`;
  return `<!doctype html><meta charset="utf-8"><title>attacker</title>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" enctype="text/plain" action="${cordon}" target="sink">
  <input name='{"spec":{"unschedulable":true},"x":"' value='"}'>
</form>
<script>
window.results = {};
const attempts = [];
attempts.push(new Promise((resolve) => {
  document.getElementById('sink').addEventListener('load', () => resolve('loaded'), { once: true });
  document.getElementById('form').submit();
}).then((r) => (results.form = r)));
attempts.push(fetch(${JSON.stringify(cordon)}, { mode: 'no-cors', method: 'POST', body: '{}' })
  .then((r) => (results.noCors = r.type), (e) => (results.noCors = 'error ' + e.message)));
attempts.push(fetch(${JSON.stringify(cordon)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  .then((r) => (results.cors = r.status), (e) => (results.cors = 'error ' + e.message)));
results.beacon = navigator.sendBeacon(${JSON.stringify(`${target}_debug/faults`)}, '{"fault":"close-streams"}');
try {
  results.jsonBeacon = navigator.sendBeacon(${JSON.stringify(`${target}_debug/faults`)}, new Blob(['{"fault":"close-streams"}'], { type: 'application/json' }));
} catch (e) {
  results.jsonBeacon = 'threw ' + e.name;
}
attempts.push(new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve('loaded');
  img.onerror = () => resolve('error');
  img.src = ${JSON.stringify(`${target}api/v1/snapshot/pods`)};
}).then((r) => (results.img = r)));
Promise.all(attempts).then(() => (window.done = true));
</script>`;
}

async function clusterNode(): Promise<{ spec?: { unschedulable?: boolean } }> {
  return cluster.requestJson('GET', `/api/v1/nodes/${nodeName}`);
}

async function refusals(): Promise<Record<string, number>> {
  const response = await fetch(`${backend.url}api/v1/diagnostics`);
  return ((await response.json()) as { security: { refused: Record<string, number> } }).security.refused;
}

beforeAll(async () => {
  backend = await startBackend({ demo: { nodes: 2, pods: 10, churn: 0 }, port: 0 });
  cluster = new KubeClient(loadKubeConfig({ kubeconfigYaml: backend.demo!.kubeconfigYaml }));
  nodeName = ((await cluster.requestJson<{ items: { metadata: { name: string } }[] }>('GET', '/api/v1/nodes')).items[0]!).metadata.name;
  attacker = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(attackPage(backend.url, nodeName));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  attacker?.closeAllConnections();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  cluster?.close();
  await backend?.stop();
});

test('aPageFromAnotherOriginChangesNothing', async () => {
  expect((await clusterNode()).spec?.unschedulable).not.toBe(true);
  const before = await refusals();
  const context = await chromium.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(attackerUrl);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, undefined, { timeout: 30_000 });
    const results = await page.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
    // Chromium sent them (the beacon was queued, the form's answer loaded into its frame) ...
    expect(results.beacon).toBe(true);
    expect(results.form).toBe('loaded');
    // ... a request that needs a preflight never got past it, and the snapshot was no image.
    expect(String(results.cors)).toMatch(/^error/);
    expect(results.img).toBe('error');
    // The beacons are sent in the background: wait until the backend has refused everything.
    const after = await waitForRefusals(before, 4);
    // The cluster itself says nothing changed, and no fault was set.
    expect((await clusterNode()).spec?.unschedulable).not.toBe(true);
    expect(backend.faults!.active()).toEqual([]);
    expect((after.crossSite ?? 0) - (before.crossSite ?? 0)).toBeGreaterThanOrEqual(4);
  } finally {
    await context.close();
  }
});

test('theDashboardsOwnPageCanStillCordon', async () => {
  const context = await chromium.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${backend.url}healthz`);
    const status = await page.evaluate(
      (node) => fetch(`/api/v1/nodes/${node}/cordon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status),
      nodeName,
    );
    expect(status).toBe(200);
    expect((await clusterNode()).spec?.unschedulable).toBe(true);
    await page.evaluate((node) => fetch(`/api/v1/nodes/${node}/uncordon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), nodeName);
    expect((await clusterNode()).spec?.unschedulable).not.toBe(true);
  } finally {
    await context.close();
  }
});

async function waitForRefusals(before: Record<string, number>, atLeast: number): Promise<Record<string, number>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const now = await refusals();
    const total = Object.keys(now).reduce((sum, key) => sum + (now[key]! - (before[key] ?? 0)), 0);
    if (total >= atLeast || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
