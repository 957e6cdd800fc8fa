/**
 * Each action from the dashboard in Debian's Chromium against a backend on the demo cluster:
 * the dialog names the cluster and the object and says what will happen (a drain lists the pods
 * it will evict) before anything is sent; Cancel sends nothing; once confirmed the dialog shows
 * the action pending until the stream shows the change, then done; the cluster's own store is
 * the truth it is checked against. One is refused by the API server and its words are on screen.
 * Screenshots of the dialogs go to test-artifacts/actions-*.png.
 */
import { jest } from '@jest/globals';
import axe from 'axe-core';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { startBackend, type Backend } from '../../server/serve.js';
import { call } from '../demo-cluster/client.js';
import { clickRowUntilSelected, type LaunchedBrowser, quickConfig, screenshot, until, useDashboard } from './browser.js';

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: any;
}

const wait = { timeout: 30_000 };
let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

useDashboard({ demo: { nodes: 4, pods: 120, churn: 0, seed: 5 }, port: 0, allowFaults: true, config: { ...quickConfig, drainRetryMs: 300, drainTimeoutMs: 4000 } }, (d) => ({ backend, chromium, page, errors } = d));

const objects = (resource: string, ns?: string) => backend.demo!.listObjects(resource, ns) as unknown as Obj[];
const dialog = () => page.getByTestId('action-dialog');

async function phase(is: string): Promise<void> {
  await page.locator(`[data-testid=action-dialog][data-phase=${is}]`).waitFor(wait);
}

/** axe-core's serious and critical findings inside the open dialog. */
async function dialogViolations(): Promise<string[]> {
  // Evaluated, not added as a <script>: the dashboard's CSP allows its own scripts only.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof import('axe-core') }).axe.run;
    const result = await run({ include: [['[data-testid=action-dialog]']] }, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

async function closeDialog(): Promise<void> {
  await page.getByTestId('action-close').click();
  await expect(dialog().count()).resolves.toBe(0);
}

test('cordonAsksOnceNamingClusterAndNodeThenShowsItArrivingThroughTheStream', async () => {
  await page.goto(`${backend.url}#/nodes`);
  const name = 'demo-worker-3';
  const row = page.locator(`[role=grid][aria-label="Nodes"] [role=row][data-key="${name}"]`);
  await row.waitFor(wait);
  // From the keyboard: Enter opens it with Cancel focused, Tab stays inside, Esc sends nothing and gives focus back.
  const cordon = page.getByRole('button', { name: `Cordon ${name}`, exact: true });
  await cordon.focus();
  await page.keyboard.press('Enter');
  await until(page, 'the dialog to name the cluster', () => page.getByTestId('action-cluster').textContent(), (t) => (t ?? '').includes(backend.kube.context));
  const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.getAttribute('aria-label') ?? '');
  await expect(focusedTestId()).resolves.toBe('action-cancel');
  await page.keyboard.press('Tab');
  await expect(focusedTestId()).resolves.toBe('action-confirm');
  await page.keyboard.press('Tab');
  await expect(focusedTestId()).resolves.toBe('action-cancel');
  await page.keyboard.press('Escape');
  await expect(dialog().count()).resolves.toBe(0);
  await expect(focusedTestId()).resolves.toBe(`cordon-${name}`);
  // Cancel sends nothing either.
  await cordon.click();
  await page.getByTestId('action-cancel').click();
  await expect(dialog().count()).resolves.toBe(0);
  expect(objects('nodes').find((n) => n.metadata.name === name)?.spec.unschedulable).toBeUndefined();

  await page.getByRole('button', { name: `Cordon ${name}`, exact: true }).click();
  await until(page, 'the dialog to name the cluster', () => page.getByTestId('action-cluster').textContent(), (t) => (t ?? '').includes(backend.kube.context));
  await expect(page.getByRole('dialog', { name: `Cordon ${name}?` }).count()).resolves.toBe(1);
  await expect(page.getByTestId('action-object').textContent()).resolves.toBe(name);
  await expect(dialog().textContent()).resolves.toContain('will be marked unschedulable');
  await screenshot(page, 'actions-cordon-confirm');
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await expect(page.getByTestId('action-progress').textContent()).resolves.toContain(`node/${name} cordoned`);
  await expect(row.locator('[data-col=scheduling]').textContent()).resolves.toBe('Cordoned');
  expect(objects('nodes').find((n) => n.metadata.name === name)?.spec.unschedulable).toBe(true);
  await closeDialog();
  await page.getByRole('button', { name: `Uncordon ${name}`, exact: true }).click();
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await closeDialog();
  await expect(row.locator('[data-col=scheduling]').textContent()).resolves.toBe('Schedulable');
  expect(objects('nodes').find((n) => n.metadata.name === name)?.spec.unschedulable).toBe(false);
});

test('drainListsThePodsItWillEvictThenShowsEachEvictedAndTheNodeCordoned', async () => {
  const name = 'demo-worker-1';
  const onNode = () => objects('pods').filter((p) => p.spec.nodeName === name && !p.metadata.deletionTimestamp);
  const evictable = onNode().filter((p) => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet');
  expect(evictable.length).toBeGreaterThan(0);
  await page.goto(`${backend.url}#/nodes?sel=${name}`);
  await page.getByRole('button', { name: `Drain ${name}`, exact: true }).click();
  const listed = page.locator('[data-testid=drain-evict] li');
  await until(page, 'the pods the drain will evict', () => listed.count(), (n) => n === evictable.length);
  const names = await listed.locator('.mono').allTextContents();
  expect(names.sort()).toEqual(evictable.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort());
  await expect(page.getByTestId('action-cluster').textContent()).resolves.toContain(backend.kube.context);
  await screenshot(page, 'actions-drain-confirm');
  expect(await dialogViolations()).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await dialogViolations()).toEqual([]);
  await screenshot(page, 'actions-drain-confirm-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('action-confirm').click();
  // While the backend evicts (it answers when the drain is over), the list shows each pod as the stream does.
  await page.locator('[data-testid=drain-evict] li[data-stream=terminating], [data-testid=drain-evict] li[data-stream=gone]').first().waitFor(wait);
  await phase('done');
  await screenshot(page, 'actions-drain-done');
  const streamed = await listed.evaluateAll((items) => items.filter((i) => i.getAttribute('data-outcome') === 'evicted').map((i) => i.getAttribute('data-stream')));
  expect(streamed.every((state) => state === 'terminating' || state === 'gone')).toBe(true);
  const outcomes = await listed.evaluateAll((items) => items.map((i) => i.getAttribute('data-outcome')));
  expect(outcomes.every((o) => o === 'evicted' || o === 'blocked')).toBe(true);
  // The truth: cordoned, and every pod the dialog says was evicted is Terminating or gone.
  expect(objects('nodes').find((n) => n.metadata.name === name)?.spec.unschedulable).toBe(true);
  const evicted = new Set(
    await listed.evaluateAll((items) => items.filter((i) => i.getAttribute('data-outcome') === 'evicted').map((i) => i.querySelector('.mono')?.textContent ?? '')),
  );
  expect(evicted.size).toBeGreaterThan(0);
  for (const p of evictable) if (evicted.has(`${p.metadata.namespace}/${p.metadata.name}`)) expect(onNode().some((x) => x.metadata.uid === p.metadata.uid)).toBe(false);
  await expect(page.locator(`[role=grid][aria-label="Nodes"] [role=row][data-key="${name}"] [data-col=scheduling]`).textContent()).resolves.toBe('Cordoned');
  await closeDialog();
  await fetch(`${backend.url}api/v1/actions/uncordon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: name }) });
});

test('deletePodIsConfirmedAndTheRowShowsItTerminating', async () => {
  const pod = objects('pods', 'shop').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
  const name = pod.metadata.name;
  await page.goto(`${backend.url}#/pods?ns=shop&sel=shop/${name}`);
  await page.getByRole('button', { name: `Delete pod shop/${name}`, exact: true }).click();
  await expect(dialog().textContent()).resolves.toContain('will be deleted with its grace period');
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await screenshot(page, 'actions-delete-done');
  await expect(page.locator(`[role=grid][aria-label="Pods"] [role=row][data-key="shop/${name}"] [data-col=phase]`).textContent()).resolves.toContain('Terminating');
  expect(objects('pods', 'shop').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeDefined();
  await closeDialog();
});

async function openWorkload(ns: string, name: string, uid: string): Promise<void> {
  await page.goto(`${backend.url}#/workloads?ns=${ns}&q=${name}`);
  const row = page.locator(`[role=grid][aria-label="Workloads"] [role=row][data-key="${uid}"]`);
  await clickRowUntilSelected(page, row, `workload-${name}`, { target: row.locator('[data-col=name]') });
  await page.getByTestId('object-panel').waitFor(wait);
}

test('scaleAndRestartAWorkloadArriveThroughTheStream', async () => {
  const sts = objects('statefulsets', 'data')[0]!;
  await openWorkload('data', sts.metadata.name, sts.metadata.uid);
  await page.getByRole('button', { name: `Scale statefulset data/${sts.metadata.name}`, exact: true }).click();
  await page.getByTestId('action-replicas').fill('5000');
  await expect(page.getByTestId('action-confirm').isDisabled()).resolves.toBe(true);
  await page.getByTestId('action-replicas').fill('4');
  await expect(page.getByTestId('action-confirm').textContent()).resolves.toBe(`Scale statefulset ${sts.metadata.name} to 4`);
  await screenshot(page, 'actions-scale-confirm');
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await closeDialog();
  expect(objects('statefulsets', 'data').find((s) => s.metadata.name === sts.metadata.name)?.spec.replicas).toBe(4);
  await expect(page.locator(`[role=grid][aria-label="Workloads"] [role=row][data-key="${sts.metadata.uid}"] [data-col=ready]`).textContent()).resolves.toMatch(/\/4$/);

  const deployment = objects('deployments', 'shop')[0]!;
  const replicaSets = () => objects('replicasets', 'shop').filter((r) => r.metadata.ownerReferences?.[0]?.name === deployment.metadata.name).length;
  const before = replicaSets();
  await openWorkload('shop', deployment.metadata.name, deployment.metadata.uid);
  await page.getByRole('button', { name: `Restart deployment shop/${deployment.metadata.name}`, exact: true }).click();
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await expect(page.getByTestId('action-progress').textContent()).resolves.toContain(`deployment.apps/${deployment.metadata.name} restarted`);
  await closeDialog();
  expect(replicaSets()).toBe(before + 1);
});

test('suspendAndResumeACronJob', async () => {
  const cronJob = objects('cronjobs')[0]!;
  const ns = cronJob.metadata.namespace!;
  await openWorkload(ns, cronJob.metadata.name, cronJob.metadata.uid);
  await page.getByRole('button', { name: `Suspend cronjob ${ns}/${cronJob.metadata.name}`, exact: true }).click();
  await page.getByTestId('action-confirm').click();
  await phase('done');
  expect(objects('cronjobs', ns).find((c) => c.metadata.name === cronJob.metadata.name)?.spec.suspend).toBe(true);
  await closeDialog();
  // The stream brought suspend back: the button now offers Resume.
  await page.getByRole('button', { name: `Resume cronjob ${ns}/${cronJob.metadata.name}`, exact: true }).click();
  await page.getByTestId('action-confirm').click();
  await phase('done');
  await closeDialog();
  expect(objects('cronjobs', ns).find((c) => c.metadata.name === cronJob.metadata.name)?.spec.suspend).toBe(false);
});

test('aRefusedActionShowsTheApiServersWords', async () => {
  // A pod no earlier test touched: one of the StatefulSet that was not scaled.
  const owner = objects('statefulsets', 'data')[1]!.metadata.name;
  const pod = objects('pods', 'data').find((p) => p.metadata.ownerReferences?.[0]?.name === owner && !p.metadata.deletionTimestamp)!;
  const name = pod.metadata.name;
  await page.goto(`${backend.url}#/pods?ns=data&sel=data/${name}`);
  await page.getByRole('button', { name: `Delete pod data/${name}`, exact: true }).click();
  backend.demo!.faults.set({ fault: 'forbid', resource: 'pods' });
  try {
    const direct = await call(backend.demo!, `/api/v1/namespaces/data/pods/${name}`, { method: 'DELETE' });
    expect(direct.status).toBe(403);
    await page.getByTestId('action-confirm').click();
    await phase('refused');
    await expect(page.getByTestId('action-refusal').textContent()).resolves.toBe(`Refused (403): ${direct.json().message}`);
    await screenshot(page, 'actions-refused');
  } finally {
    backend.demo!.faults.clear();
  }
  await closeDialog();
  expect(objects('pods', 'data').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeUndefined();
  expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
});

test('theReadOnlyUserIsRefusedInRbacsWordsOnScreenNamingItsContext', async () => {
  // A second backend on the same demo cluster, acting as its read-only user.
  const viewer = backend.demo!.users.contexts.readOnly;
  const readOnly = await startBackend({ kubeconfigYaml: backend.demo!.kubeconfigYaml, context: viewer, port: 0, config: quickConfig });
  try {
    const name = 'demo-worker-2';
    await page.goto(`${readOnly.url}#/nodes`);
    await page.getByRole('button', { name: `Cordon ${name}`, exact: true }).click();
    await until(page, 'the dialog to name the read-only context', () => page.getByTestId('action-cluster').textContent(), (t) => (t ?? '').includes(viewer));
    await page.getByTestId('action-confirm').click();
    await phase('refused');
    // What the API server says to that user for the same request.
    const direct = await call(backend.demo!, `/api/v1/nodes/${name}`, {
      method: 'PATCH',
      token: backend.demo!.users.credentials.readOnly,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { unschedulable: true } }),
    });
    expect(direct.status).toBe(403);
    await expect(page.getByTestId('action-refusal').textContent()).resolves.toBe(`Refused (403): ${direct.json().message}`);
    await screenshot(page, 'actions-refused-read-only');
    await closeDialog();
    expect(objects('nodes').find((n) => n.metadata.name === name)?.spec.unschedulable).not.toBe(true);
  } finally {
    await readOnly.stop();
  }
});

test('aPageFromAnotherOriginCannotDrainOrDelete', async () => {
  // Another origin on this machine tries what a page can send without the backend's consent.
  const node = 'demo-worker-2';
  const victim = objects('pods', 'shop').find((p) => !p.metadata.deletionTimestamp)!;
  // What reached the API server of what the attacker asked for: no eviction of a pod on the node,
  // no delete of the victim, no patch of the node. (Other tests' writes elsewhere are not its doing.)
  const onNode = new Set(objects('pods').filter((p) => p.spec.nodeName === node).map((p) => `POST /api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/eviction`));
  const attempted = (key: string) => onNode.has(key) || key === `DELETE /api/v1/namespaces/shop/pods/${victim.metadata.name}` || key === `PATCH /api/v1/nodes/${node}`;
  const writes = () => Object.entries(backend.demo!.requestCounts()).filter(([key]) => attempted(key));
  const before = writes();
  const target = backend.url;
  const page = `<!doctype html><meta charset="utf-8"><title>attacker</title>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" enctype="text/plain" action="${target}api/v1/actions/drain" target="sink">
  <input name='{"node":"${node}","x":"' value='"}'>
</form>
<script>
window.results = {};
const attempts = [
  new Promise((resolve) => { document.getElementById('sink').addEventListener('load', () => resolve('loaded'), { once: true }); document.getElementById('form').submit(); }).then((r) => (results.form = r)),
  fetch('${target}api/v1/actions/delete-pod', { mode: 'no-cors', method: 'POST', body: JSON.stringify({ namespace: 'shop', name: '${victim.metadata.name}' }) }).then((r) => (results.noCors = r.type), (e) => (results.noCors = 'error')),
  fetch('${target}api/v1/actions/drain', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: '${node}' }) }).then((r) => (results.cors = r.status), (e) => (results.cors = 'error')),
];
Promise.all(attempts).then(() => (window.done = true));
</script>`;
  const attacker = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const context = await chromium.browser.newContext();
  try {
    const tab = await context.newPage();
    await tab.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, undefined, wait);
    const results = await tab.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
    expect(results.form).toBe('loaded'); // sent, and answered (with a refusal)
    expect(results.cors).toBe('error'); // never past the preflight
    // The cluster's own store: not cordoned; and the API server's own count: no eviction on the
    // node, no delete of the victim. (The victim's state proves nothing: the simulation's
    // controllers replace and scale pods on their own.)
    expect(objects('nodes').find((n) => n.metadata.name === node)?.spec.unschedulable).not.toBe(true);
    expect(writes()).toEqual(before);
  } finally {
    await context.close();
    attacker.closeAllConnections();
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  }
});
