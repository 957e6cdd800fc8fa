/**
 * Drill-down in a real Chromium against the backend on the demo cluster with its troubleshooting
 * scenario: statuses as kubectl prints them and the status filter; a workload's pods and a
 * node's pods as filtered Pods views whose rows are what the API says (read from the cluster
 * directly), with Back returning; the Describe page's summary, conditions, events and related
 * objects (pod → ReplicaSet → Deployment, pod → Job → CronJob, a pod's node and Services, a
 * Service's EndpointSlices, a Deployment's ReplicaSets). Screenshots go to test-artifacts/.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { clickRowUntilSelected, type LaunchedBrowser, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

const run = promisify(execFile);
const wait = { timeout: 30_000 };

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}
interface Obj {
  metadata: Meta;
  spec?: { nodeName?: string; selector?: Record<string, string> };
}

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(150_000);

useDashboard({ demo: { nodes: 4, pods: 120, churn: 0, seed: 12, scenarios: true }, port: 0, config: quickConfig }, (d) => ({ backend, chromium, page, errors } = d));

afterEach(() => {
  // Each test answers for the page's errors during it: one error must not fail every later test.
  expect(errors.splice(0)).toEqual([]);
});

const objects = (resource: string, namespace?: string): Obj[] => backend.demo!.listObjects(resource, namespace) as Obj[];
const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

async function open(hash: string): Promise<void> {
  await page.goto(`${backend.url}${hash}`);
}

/** Keys of the rows a grid shows (namespace/name for pods); the test's pod counts fit in one screen. */
function rowKeys(label: string): Promise<string[]> {
  return page.locator(`[role=grid][aria-label="${label}"] [role=row][data-key]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key') ?? '').sort());
}

async function rowsSettle(label: string, expected: string[]): Promise<void> {
  const want = [...expected].sort();
  await until(`${label} to list ${want.length} rows`, () => rowKeys(label), (keys) => JSON.stringify(keys) === JSON.stringify(want));
}

function hashParams(): URLSearchParams {
  const hash = new URL(page.url()).hash;
  return new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
}

test('podsShowTheStatusKubectlPrintsAndTheStatusFilterKeepsOne', async () => {
  const { stdout } = await run('kubectl', ['--kubeconfig', backend.demo!.kubeconfigPath, 'get', 'pods', '-n', 'troubleshooting', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name'], { encoding: 'utf8' });
  const printed = await run('kubectl', ['--kubeconfig', backend.demo!.kubeconfigPath, 'get', 'pods', '-n', 'troubleshooting'], { encoding: 'utf8' });
  const [header = '', ...lines] = printed.stdout.trimEnd().split('\n');
  const at = header.indexOf('STATUS');
  const kubectlStatus = new Map(lines.map((l) => [l.split(/\s+/)[0] as string, l.slice(at, header.indexOf('RESTARTS')).trim()]));
  expect(stdout.trim().split('\n').length).toBe(kubectlStatus.size);

  await open('#/pods?ns=troubleshooting');
  await rowsSettle('Pods', [...kubectlStatus.keys()].map((n) => `troubleshooting/${n}`));
  const shown = await page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').evaluateAll((rows) =>
    rows.map((r) => [r.getAttribute('data-key')?.split('/')[1] ?? '', r.querySelector('[data-col=phase]')?.textContent ?? ''] as const),
  );
  expect(new Map(shown)).toEqual(kubectlStatus);
  // RESTARTS as kubectl prints it, "9 (5m10s ago)": the count, and an age that counts up.
  const restartsAt = header.indexOf('RESTARTS');
  const kubectlRestarts = new Map(lines.map((l) => [l.split(/\s+/)[0] as string, l.slice(restartsAt, header.indexOf('AGE')).trim()]));
  const shownRestarts = await page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').evaluateAll((rows) =>
    rows.map((r) => [r.getAttribute('data-key')?.split('/')[1] ?? '', r.querySelector('[data-col=restarts]')?.textContent ?? ''] as const),
  );
  for (const [name, text] of shownRestarts) expect({ name, restarts: text.split(' ')[0], ago: text.includes('ago') }).toEqual({ name, restarts: kubectlRestarts.get(name)?.split(' ')[0], ago: kubectlRestarts.get(name)!.includes('ago') });
  await screenshot(page, 'drilldown-pod-statuses');

  await page.getByTestId('status-filter').selectOption('CrashLoopBackOff');
  const looping = [...kubectlStatus].filter(([, s]) => s === 'CrashLoopBackOff').map(([n]) => `troubleshooting/${n}`);
  expect(looping.length).toBeGreaterThan(0);
  await rowsSettle('Pods', looping);
  expect(hashParams().get('status')).toBe('CrashLoopBackOff');
  // The filter box finds a status by its words too.
  await page.getByTestId('status-filter').selectOption('');
  await page.getByTestId('filter').fill('init:');
  await rowsSettle('Pods', [...kubectlStatus].filter(([, s]) => s.startsWith('Init:')).map(([n]) => `troubleshooting/${n}`));
});

test('aDeploymentsPodsAreAFilteredViewOfExactlyItsReplicaSetsPodsAndBackReturns', async () => {
  await open('#/workloads?ns=troubleshooting');
  const row = page.locator('[role=grid][aria-label="Workloads"] [role=row]', { hasText: 'stuck-rollout' });
  await row.waitFor(wait);
  await expect(row.locator('[data-col=status]').textContent()).resolves.toBe('ProgressDeadlineExceeded');
  await expect(page.locator('[role=grid][aria-label="Workloads"] [role=row]', { hasText: 'paused-web' }).locator('[data-col=status]').textContent()).resolves.toBe('Paused');
  await screenshot(page, 'drilldown-workload-statuses');
  await clickRowUntilSelected(page, row, 'drilldown-workload');
  await page.getByTestId('drill-pods').click();
  await page.waitForURL(/#\/pods\?/);
  expect(hashParams().get('owner')).toBe('Deployment/stuck-rollout');
  // The truth, from the API: pods whose controller is a ReplicaSet the Deployment owns.
  const deployment = objects('deployments', 'troubleshooting').find((d) => d.metadata.name === 'stuck-rollout')!;
  const sets = new Set(objects('replicasets', 'troubleshooting').filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid)).map((rs) => rs.metadata.uid));
  const truth = objects('pods', 'troubleshooting').filter((p) => p.metadata.ownerReferences?.some((o) => sets.has(o.uid))).map((p) => `troubleshooting/${p.metadata.name}`);
  expect(truth.length).toBe(3);
  await rowsSettle('Pods', truth);
  await page.goBack();
  await page.waitForURL(/#\/workloads/);
  await page.locator('[role=grid][aria-label="Workloads"]').waitFor(wait);
});

test('aNodesPodsAreAFilteredViewOfThePodsBoundToIt', async () => {
  const node = objects('nodes').map((n) => n.metadata.name).filter((n) => n.startsWith('demo-worker-') && n !== 'demo-worker-lost').sort().at(-1)!;
  await open('#/nodes');
  const row = page.locator(`[role=grid][aria-label="Nodes"] [role=row][data-key="${node}"]`);
  await row.waitFor(wait);
  // The scenario's node under memory pressure says so; the lost one is NotReady as kubectl prints it.
  await expect(row.locator('[data-col=ready]').textContent()).resolves.toContain('MemoryPressure');
  await expect(page.locator('[role=grid][aria-label="Nodes"] [role=row][data-key="demo-worker-lost"] [data-col=ready]').textContent()).resolves.toBe('NotReady');
  await screenshot(page, 'drilldown-node-statuses');
  await clickRowUntilSelected(page, row, 'drilldown-node');
  await page.getByTestId('drill-pods').click();
  await page.waitForURL(/#\/pods\?/);
  expect(hashParams().get('node')).toBe(node);
  const truth = objects('pods').filter((p) => p.spec?.nodeName === node).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  expect(truth.length).toBeGreaterThan(10);
  // Tall enough that the virtualized list has every one of them in the DOM.
  await page.setViewportSize({ width: 1440, height: 3200 });
  try {
    await rowsSettle('Pods', truth);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
  await page.goBack();
  await page.waitForURL(/#\/nodes/);
});

/** The related group's link texts. */
function relatedTexts(testId: string): Promise<string[]> {
  return page.getByTestId(testId).locator('a').allTextContents();
}

test('describeAPodWalksItsOwnerChainToTheDeploymentWhoseReplicaSetsAndConditionsShow', async () => {
  const pod = objects('pods', 'troubleshooting').find((p) => p.metadata.name.startsWith('stuck-rollout-') && p.metadata.ownerReferences?.[0]?.name !== undefined && objects('replicasets', 'troubleshooting').find((rs) => rs.metadata.name === p.metadata.ownerReferences![0]!.name)?.metadata.name)!;
  const rs = pod.metadata.ownerReferences![0]!.name;
  await open(`#/describe/core/v1/pods?sel=troubleshooting/${pod.metadata.name}`);
  await page.getByTestId('describe-summary').waitFor(wait);
  await until('the owner chain', () => relatedTexts('related-owners'), (t) => t.length === 2);
  await expect(relatedTexts('related-owners')).resolves.toEqual([`ReplicaSet/${rs}`, 'Deployment/stuck-rollout']);
  await expect(page.getByTestId('describe-owner').textContent()).resolves.toBe(`ReplicaSet/${rs}`);
  await page.getByTestId('related-owners').getByText('Deployment/stuck-rollout').click();
  await page.waitForURL(/#\/describe\/apps\/v1\/deployments\?/);
  await until('the Deployment status', () => page.getByTestId('describe-status').textContent(), (t) => (t ?? '').startsWith('ProgressDeadlineExceeded'));
  // The conditions come with the object, fetched when the page opened.
  const readConditions = () => page.locator('[data-testid=describe-conditions] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
  const conditions = await until('the conditions', readConditions, (rows) => rows.length > 0);
  expect(conditions).toEqual([
    ['Available', 'True', 'MinimumReplicasAvailable'],
    ['Progressing', 'False', 'ProgressDeadlineExceeded'],
  ]);
  // Owned: its two ReplicaSets, as the API has them.
  const deployment = objects('deployments', 'troubleshooting').find((d) => d.metadata.name === 'stuck-rollout')!;
  const owned = objects('replicasets', 'troubleshooting').filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid)).map((r) => `ReplicaSet/${r.metadata.name}`);
  await until('the owned ReplicaSets', () => relatedTexts('related-owned'), (t) => t.length === owned.length);
  await expect(relatedTexts('related-owned').then((t) => t.sort())).resolves.toEqual(owned.sort());
  await until('the Deployment events', () => page.getByTestId('object-events').getAttribute('data-count'), (n) => Number(n) >= 1);
  // Esc is for panels: the Describe page stays what the address names.
  const described = page.url();
  await page.keyboard.press('Escape');
  await page.waitForTimeout(200);
  expect(page.url()).toBe(described);
  await screenshot(page, 'drilldown-describe-deployment');
  await page.goBack();
  await page.waitForURL(/#\/describe\/core\/v1\/pods\?/);
});

test('describeAJobPodLeadsToTheJobAndItsCronJob', async () => {
  const job = objects('jobs', 'batch').find((j) => j.metadata.ownerReferences?.[0]?.kind === 'CronJob')!;
  const pod = objects('pods', 'batch').find((p) => p.metadata.ownerReferences?.[0]?.uid === job.metadata.uid)!;
  await open(`#/describe/core/v1/pods?sel=batch/${pod.metadata.name}`);
  await until('the owner chain', () => relatedTexts('related-owners'), (t) => t.length === 2);
  await expect(relatedTexts('related-owners')).resolves.toEqual([`Job/${job.metadata.name}`, `CronJob/${job.metadata.ownerReferences![0]!.name}`]);
  await expect(page.getByTestId('describe-status').textContent()).resolves.toMatch(/^Completed/);
});

test('describeAPodNamesItsNodeAndTheServicesSelectingIt_andAServiceItsEndpointSlices', async () => {
  const services = objects('services').filter((s) => s.spec?.selector && Object.keys(s.spec.selector).length > 0);
  const pods = objects('pods');
  const selects = (s: Obj, p: Obj) => p.metadata.namespace === s.metadata.namespace && Object.entries(s.spec!.selector!).every(([k, v]) => p.metadata.labels?.[k] === v);
  const service = services.find((s) => pods.some((p) => selects(s, p)))!;
  const pod = pods.find((p) => selects(service, p))!;
  const truth = services.filter((s) => selects(s, pod)).map((s) => `Service/${s.metadata.name}`).sort();
  await open(`#/describe/core/v1/pods?sel=${pod.metadata.namespace}/${pod.metadata.name}`);
  await until('the selecting Services', () => relatedTexts('related-services'), (t) => t.length === truth.length);
  await expect(relatedTexts('related-services').then((t) => t.sort())).resolves.toEqual(truth);
  await expect(page.getByTestId('related-node').locator('a').first().textContent()).resolves.toBe(pod.spec!.nodeName);
  await screenshot(page, 'drilldown-describe-pod');

  await page.getByTestId('related-services').getByText(`Service/${service.metadata.name}`).click();
  await page.waitForURL(/#\/describe\/core\/v1\/services\?/);
  const slices = objects('endpointslices.discovery.k8s.io', service.metadata.namespace).filter((s) => s.metadata.ownerReferences?.some((o) => o.uid === service.metadata.uid)).map((s) => `EndpointSlice/${s.metadata.name}`);
  expect(slices.length).toBeGreaterThan(0);
  await until('the EndpointSlices', () => relatedTexts('related-slices'), (t) => t.length === slices.length);
  await expect(relatedTexts('related-slices').then((t) => t.sort())).resolves.toEqual(slices.sort());

  // The node's Describe page, and from it the node's pods.
  await page.goBack();
  await page.getByTestId('related-node').locator('a').first().click();
  await page.waitForURL(/#\/describe\/core\/v1\/nodes\?/);
  await until('the node status', () => page.getByTestId('describe-status').textContent(), (t) => (t ?? '').startsWith('Ready'));
});

test('describeAnEvictedPodShowsItsStatusConditionsAndEvents', async () => {
  await open('#/describe/core/v1/pods?sel=troubleshooting/evicted');
  await until('the status', () => page.getByTestId('describe-status').textContent(), (t) => (t ?? '').startsWith('Evicted'));
  await until('its events', () => page.getByTestId('object-events').getAttribute('data-count'), (n) => Number(n) >= 1);
  await expect(page.getByTestId('describe-conditions').textContent()).resolves.toContain('DisruptionTarget');
  await screenshot(page, 'drilldown-describe-evicted');
});

test('describeACrashLoopShowsItsContainersStateAndLastRun', async () => {
  await open('#/describe/core/v1/pods?sel=troubleshooting/crashloop');
  const row = page.locator('[data-testid=describe-containers] tr[data-container=crashloop]');
  await row.waitFor(wait);
  const cells = await row.locator('td').allTextContents();
  expect(cells[1]).toMatch(/^Waiting: CrashLoopBackOff/);
  expect(cells[2]).toMatch(/^Terminated: Error, exit code 1/);
  expect(cells.slice(3)).toEqual(['no', '14']);
  await screenshot(page, 'drilldown-describe-crashloop');
});

test('anyKindsPanelOpensItsDescribePage_aPausedDeploymentSaysSo', async () => {
  await open('#/r/apps/v1/deployments?ns=troubleshooting&sel=troubleshooting/paused-web');
  await page.getByTestId('drill-describe').click();
  await page.waitForURL(/#\/describe\/apps\/v1\/deployments\?/);
  await until('the status', () => page.getByTestId('describe-status').textContent(), (t) => (t ?? '').startsWith('Paused'));
  // The paused Deployment's pods, from its page, are the filtered Pods view.
  await page.getByTestId('related-pods').getByTestId('drill-pods').click();
  await page.waitForURL(/owner=Deployment%2Fpaused-web/);
  const truth = objects('pods', 'troubleshooting').filter((p) => p.metadata.name.startsWith('paused-web-')).map((p) => `troubleshooting/${p.metadata.name}`);
  await rowsSettle('Pods', truth);
  await screenshot(page, 'drilldown-pods-of-workload');
});

/** axe-core's serious and critical findings on the page as it is (evaluated: the CSP allows no injected script tags). */
async function seriousViolations(): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof import('axe-core') }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

test('theDescribePageAndTheNarrowedPodsViewPassAxeLightAndDark', async () => {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await open('#/describe/apps/v1/deployments?sel=troubleshooting/stuck-rollout');
    await until('the conditions', () => page.locator('[data-testid=describe-conditions] tbody tr').count(), (n) => n > 0);
    await until('the events', () => page.getByTestId('object-events').getAttribute('data-count'), (n) => Number(n) >= 1);
    await screenshot(page, `drilldown-describe-${scheme}`);
    found.push(...(await seriousViolations()).map((v) => `describe ${scheme}: ${v}`));
    await open('#/pods?ns=troubleshooting&owner=Deployment/stuck-rollout&status=ImagePullBackOff');
    await rowsSettle('Pods', objects('pods', 'troubleshooting').filter((p) => p.metadata.name.startsWith('stuck-rollout-') && (p as unknown as { status: { phase: string } }).status.phase === 'Pending').map((p) => `troubleshooting/${p.metadata.name}`));
    await screenshot(page, `drilldown-narrowed-${scheme}`);
    found.push(...(await seriousViolations()).map((v) => `pods ${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(found).toEqual([]);
});

test('describeANodeUnderPressureShowsTheConditionAndItsPods', async () => {
  const node = objects('nodes').map((n) => n.metadata.name).filter((n) => n.startsWith('demo-worker-') && n !== 'demo-worker-lost').sort().at(-1)!;
  await open(`#/describe/core/v1/nodes?sel=${node}`);
  await until('the status', () => page.getByTestId('describe-status').textContent(), (t) => t === 'Ready · MemoryPressure');
  const pressure = page.locator('[data-testid=describe-conditions] tbody tr', { hasText: 'MemoryPressure' });
  await expect(pressure.locator('td').nth(1).getAttribute('class')).resolves.toBe('bad');
  const truth = objects('pods').filter((p) => p.spec?.nodeName === node).length;
  await until('the node pods link', () => page.getByTestId('related-pods').getByTestId('drill-pods').textContent(), (t) => t === `All ${truth} pods on ${node}`);
  await screenshot(page, 'drilldown-describe-node');
});

test('theDescribePageFitsA390pxPhoneWithoutSidewaysScroll', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await open('#/describe/core/v1/pods?sel=troubleshooting/crashloop');
    await page.locator('[data-testid=describe-containers] tr[data-container=crashloop]').waitFor(wait);
    await until('the conditions', () => page.locator('[data-testid=describe-conditions] tbody tr').count(), (n) => n > 0);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    await screenshot(page, 'drilldown-describe-390');
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});
