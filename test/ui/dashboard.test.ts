/**
 * The dashboard in a real Chromium against a real backend on the demo cluster: views show the
 * cluster's rows, Cordon/Uncordon round-trips through the stream, Diagnostics tells the truth
 * about every active domain before, during and after a stream outage, and the metrics interval
 * setting reaches the machines. Screenshots of each view go to test-artifacts/.
 *
 * Nothing here asserts on time: every wait is for a condition, with a generous deadline.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { NodeRow } from '../../adapters/rows.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { clickRowUntilSelected, collectPageErrors, ensureUiBuilt, launchChromium, onAPodThatStays, quickConfig, screenshot, until as waitUntil, type LaunchedBrowser } from './browser.js';

const config = {
  ...quickConfig,
  // Short enough that an upstream stall shows within seconds; probes still fit three times over.
  freshnessBoundMs: 4000,
};

const wait = { timeout: 30_000 };

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

beforeAll(async () => {
  ensureUiBuilt();
  // One after the other, so a failed launch still leaves `backend` set for afterAll to stop.
  // A metrics sample every 3 s, not metrics-server's 15 s: the sparklines wait for a second one.
  backend = await startBackend({ demo: { nodes: 4, pods: 150, churn: 2, seed: 5, metricsResolutionMs: 3000 }, port: 0, allowFaults: true, config });
  chromium = await launchChromium();
  page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await chromium?.close();
  await backend?.stop();
});

afterEach(async () => {
  await fetch(`${backend.url}_debug/faults`, { method: 'DELETE' }).catch(() => undefined);
});

async function open(hash: string): Promise<void> {
  await page.goto(`${backend.url}${hash}`);
}

async function clickTab(name: 'nodes' | 'workloads' | 'pods' | 'diagnostics'): Promise<void> {
  await page.getByTestId(`tab-${name}`).click();
}

/** Table rows that carry data (the header row has no data-key). */
function dataRows(label: string) {
  return page.locator(`[role=grid][aria-label="${label}"] [role=row][data-key]`);
}

function clusterNodes(): NodeRow[] {
  return backend.demo!.listObjects('nodes') as unknown as NodeRow[];
}

async function badgeLevel(label: string): Promise<string | null> {
  return page.getByTestId(`freshness-${label}`).first().getAttribute('data-level');
}

/** The Diagnostics tab's rows as data, read from the attributes each row carries. */
async function diagnosticsRows(): Promise<Array<{ key: string; mode: string; health: string; reason: string; polling: string; metricsInterval: string }>> {
  return page.locator('[data-testid=diag-domains] tbody tr[data-key]').evaluateAll((rows) =>
    rows.map((r) => ({
      key: r.getAttribute('data-key') ?? '',
      mode: r.getAttribute('data-mode') ?? '',
      health: r.getAttribute('data-health') ?? '',
      reason: r.getAttribute('data-reason') ?? '',
      polling: r.getAttribute('data-polling') ?? '',
      metricsInterval: r.getAttribute('data-metrics-interval') ?? '',
    })),
  );
}

/** Polled by design: metrics, and discovery (the sidebar's list of kinds, a snapshot-only domain). */
const polledByDesign = (key: string) => key.startsWith('node-metrics:') || key.startsWith('pod-metrics:') || key.startsWith('api-resources:');
const streamed = (key: string) => !polledByDesign(key);

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = wait.timeout) => waitUntil(page, what, read, ready, timeoutMs);

function waitForDiagnostics(
  what: string,
  check: (rows: Awaited<ReturnType<typeof diagnosticsRows>>) => boolean,
  timeoutMs = 30_000,
): Promise<Awaited<ReturnType<typeof diagnosticsRows>>> {
  return until(`Diagnostics to show ${what}`, diagnosticsRows, (rows) => rows.length > 0 && check(rows), timeoutMs);
}

test('nodesViewShowsEveryDemoNodeWithUsage', async () => {
  await open('#/nodes');
  const nodes = clusterNodes();
  await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Nodes"] [role=row][data-key]').length === n, nodes.length, wait);
  const names = await dataRows('Nodes').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
  expect(names.sort()).toEqual((nodes as unknown as Array<{ metadata: { name: string } }>).map((n) => n.metadata.name).sort());
  // Usage arrives from node-metrics: a number, not a dash.
  await page.waitForFunction(() => /\d+m/.test(document.querySelector('[aria-label="Nodes"] [role=row][data-key] [data-col=cpu]')?.textContent ?? ''), null, wait);
  await page.waitForFunction(() => document.querySelector('[data-testid=freshness-nodes]')?.getAttribute('data-level') === 'live', null, wait);
  // Live means proven end to end, and the badge says how long ago.
  const badge = page.getByTestId('freshness-nodes');
  await expect(badge.getAttribute('data-age-basis')).resolves.toBe('proof');
  await expect(badge.locator('.badge-age').textContent()).resolves.toMatch(/^proven (just now|\d+s ago)$/);
  // Sparklines need two samples (a new one every 3 s here, read every 5 s): wait for a path to be drawn.
  await page.waitForSelector('[aria-label="Nodes"] [data-col=cpu] svg path', { timeout: 45_000 });
  await screenshot(page, 'nodes');
});

test('cordonFromTheUiArrivesBackThroughTheStreamThenUncordon', async () => {
  await open('#/nodes');
  const name = clusterNodes().map((n) => (n as unknown as { metadata: { name: string } }).metadata.name).sort()[0]!;
  const row = page.locator(`[aria-label="Nodes"] [role=row][data-key="${name}"]`);
  await row.waitFor(wait);
  await expect(row.locator('[data-col=scheduling]').textContent()).resolves.toBe('Schedulable');
  await confirmAction(`cordon-${name}`);
  await row.locator('[data-col=scheduling]', { hasText: 'Cordoned' }).waitFor(wait);
  const cordoned = backend.demo!.listObjects('nodes').find((n) => (n as { metadata: { name: string } }).metadata.name === name) as { spec?: { unschedulable?: boolean } };
  expect(cordoned.spec?.unschedulable).toBe(true);
  await expect(page.getByTestId(`cordon-${name}`).textContent()).resolves.toBe('Uncordon');
  await screenshot(page, 'nodes-cordoned');
  await confirmAction(`cordon-${name}`);
  await row.locator('[data-col=scheduling]', { hasText: 'Schedulable' }).waitFor(wait);
  await expect(page.getByTestId(`cordon-${name}`).textContent()).resolves.toBe('Cordon');
});

/** Clicks an action button, confirms in its dialog (which names the cluster), and closes it once the stream shows the change. */
async function confirmAction(testId: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByTestId('action-confirm').click();
  await page.locator('[data-testid=action-dialog][data-phase=done]').waitFor(wait);
  await page.getByTestId('action-close').click();
}

/** The object panel's YAML once it satisfies `ready` (it re-fetches as the row's resourceVersion moves). */
function objectYaml(ready: (yaml: string) => boolean, what: string): Promise<string> {
  return until(`the object panel to show ${what}`, async () => (await page.getByTestId('object-yaml').textContent().catch(() => null)) ?? '', ready);
}

test('aNodesYamlOpensFromItsRowAndFollowsACordon', async () => {
  await open('#/nodes');
  const name = clusterNodes().map((n) => (n as unknown as { metadata: { name: string } }).metadata.name).sort()[1]!;
  const row = page.locator(`[aria-label="Nodes"] [role=row][data-key="${name}"]`);
  await row.locator('[data-col=name]').click();
  await objectYaml((y) => y.includes('kind: Node') && y.includes(`name: ${name}`) && !y.includes('unschedulable: true'), `node ${name}, schedulable`);
  const before = await page.getByTestId('object-panel').getAttribute('data-resource-version');
  // The cordon button does not open the panel (it stops the row's click); the panel follows the
  // change because the row's resourceVersion moves, with no refresh asked for.
  await confirmAction(`cordon-${name}`);
  await objectYaml((y) => y.includes('unschedulable: true'), 'spec.unschedulable: true after the cordon');
  expect(await page.getByTestId('object-panel').getAttribute('data-resource-version')).not.toBe(before);
  await screenshot(page, 'nodes-yaml');
  await confirmAction(`cordon-${name}`);
  await objectYaml((y) => !y.includes('unschedulable: true') && y.includes(`name: ${name}`), 'the node schedulable again');
  await page.getByRole('button', { name: 'Close YAML' }).click();
  await expect(page.getByTestId('object-panel').count()).resolves.toBe(0);
  // From the keyboard: focus the row, Enter opens the same panel.
  await row.focus();
  await page.keyboard.press('Enter');
  await objectYaml((y) => y.includes(`name: ${name}`), `node ${name} opened with Enter`);
  await page.getByRole('button', { name: 'Close YAML' }).click();
});

test('podsViewScopesByNamespaceAndFollowsAPodsLogs', async () => {
  await open('#/pods');
  await dataRows('Pods').first().waitFor(wait);
  const pods = backend.demo!.listObjects('pods') as Array<{ metadata: { name: string; namespace: string; uid: string }; status?: { phase?: string } }>;
  // The header says how many the store holds: every pod of the cluster. The cluster churns (a
  // replaced pod counts twice until its grace ends, workloads scale), so the count shown is
  // compared with the cluster's at each look, not with the one read above.
  await until(
    'the Pods count to say every pod of the cluster',
    async () => ({ shown: (await page.locator('.toolbar .count').first().textContent()) ?? '', cluster: backend.demo!.listObjects('pods').length }),
    ({ shown, cluster }) => shown.includes(`of ${cluster}`),
  );

  type Pod = (typeof pods)[number];
  const namespace = (pods.find((p) => p.status?.phase === 'Running' && p.metadata.namespace !== 'kube-system') ?? pods[0]!).metadata.namespace;
  await page.getByTestId('namespace-select').selectOption(namespace);
  // The cluster churns (pods replaced, workloads scaled): the count shown is compared with the
  // cluster's at each look, not with a count taken before.
  const podsNow = () => (backend.demo!.listObjects('pods') as Pod[]).filter((p) => p.metadata.namespace === namespace);
  const countShown = page.locator('.toolbar .count').first();
  let shown = '';
  for (const until = Date.now() + wait.timeout; !(shown = (await countShown.textContent()) ?? '').includes(`of ${podsNow().length}`); ) {
    if (Date.now() > until) throw new Error(`the Pods count says "${shown}" where the cluster has ${podsNow().length} pods in ${namespace}`);
    await page.waitForTimeout(100);
  }
  expect(page.url()).toContain(`ns=${namespace}`);

  // A Running pod the table shows now (one picked before could have been replaced since). Churn
  // can still replace it while its log is watched (onAPodThatStays).
  const logs = page.getByTestId('logs-panel');
  await onAPodThatStays(
    backend,
    async () => {
      const keys = await page.locator('[aria-label="Pods"] [role=row][data-key]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
      const candidate = podsNow().find((p) => p.status?.phase === 'Running' && keys.includes(`${p.metadata.namespace}/${p.metadata.name}`));
      if (!candidate) throw new Error(`none of the rows shown (${keys.join(', ')}) is a Running pod of ${namespace} in the cluster`);
      return candidate;
    },
    async (running) => {
      const { name, namespace: podNamespace } = running.metadata;
      await clickRowUntilSelected(page, page.locator(`[aria-label="Pods"] [role=row][data-key="${podNamespace}/${name}"]`), 'pods-logs');
      // The logs, also after an earlier pod's check left its YAML open.
      await page.getByTestId('panel-logs').click(wait);
      await logs.waitFor(wait);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=log-lines] .log-line').length > 0, null, wait);
      const before = await page.locator('[data-testid=log-lines] .log-line').count();
      // The demo's containers keep logging: following shows new lines without a reload.
      await page.waitForFunction(
        (n) => {
          const lines = document.querySelectorAll('[data-testid=log-lines] .log-line');
          return lines.length > n || (lines.length >= 500 && lines[lines.length - 1]?.textContent !== null);
        },
        before,
        { timeout: 45_000 },
      );
      await page.waitForFunction(() => document.querySelector('[data-testid=freshness-logs]')?.getAttribute('data-level') === 'live', null, wait);
      await screenshot(page, 'pods-logs');

      // Beside the logs, the pod's whole object (a deleted pod's cannot be read any more).
      await page.getByTestId('panel-yaml').click();
      await objectYaml((y) => y.includes('kind: Pod') && y.includes(`name: ${name}`) && y.includes(`namespace: ${podNamespace}`), `pod ${name}`);
      await screenshot(page, 'pods-yaml');
      await page.getByTestId('panel-logs').click();
      await logs.waitFor(wait);
    },
  );
});

test('podsSortByAColumnFromItsHeader', async () => {
  await open('#/pods');
  await dataRows('Pods').first().waitFor(wait);
  const header = page.locator('[aria-label="Pods"] [role=columnheader][data-col=restarts]');
  await expect(header.getAttribute('aria-sort')).resolves.toBe('none');
  // Restarts read biggest first: the crash-looping pods on top.
  await header.getByRole('button').click();
  await expect(header.getAttribute('aria-sort')).resolves.toBe('descending');
  const restartsShown = () => page.locator('[aria-label="Pods"] [role=row][data-key] [data-col=restarts]').allTextContents().then((cells) => cells.map((c) => parseInt(c, 10))); // "14 (5m ago)", as kubectl prints it
  const mostRestarts = () =>
    Math.max(
      ...(backend.demo!.listObjects('pods') as Array<{ status?: { containerStatuses?: Array<{ restartCount?: number }> } }>).map((p) =>
        (p.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
      ),
    );
  // The cluster churns; the order is the truth once the stream has brought the last change, so wait for it.
  await until('the pod with the most restarts first, and the rows in view in descending order', restartsShown, (shown) => shown[0] === mostRestarts() && shown.every((n, i) => i === 0 || n <= shown[i - 1]!));
  await screenshot(page, 'pods-by-restarts');
  await header.getByRole('button').click();
  await expect(header.getAttribute('aria-sort')).resolves.toBe('ascending');
  await until('the rows in view in ascending order of restarts', restartsShown, (shown) => shown.length > 0 && shown.every((n, i) => i === 0 || n >= shown[i - 1]!));
  // Name sorted descending is the list's own order reversed.
  await page.locator('[aria-label="Pods"] [role=columnheader][data-col=name]').getByRole('button').click();
  await page.locator('[aria-label="Pods"] [role=columnheader][data-col=name]').getByRole('button').click();
  const names = await page.locator('[aria-label="Pods"] [role=row][data-key]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')!));
  expect(names).toEqual([...names].sort().reverse());
});

test('workloadsViewListsControllersWithSummedUsageButNoReplicaSets', async () => {
  await open('#/workloads');
  await dataRows('Workloads').first().waitFor(wait);
  const kinds = await page.locator('[aria-label="Workloads"] [role=row][data-key] [data-col=kind]').allTextContents();
  expect(kinds).toContain('Deployment');
  expect(kinds).not.toContain('ReplicaSet');
  // Some Deployment sums its pods' usage (pod → ReplicaSet → Deployment).
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[aria-label="Workloads"] [role=row][data-key]')].some(
        (r) => r.querySelector('[data-col=kind]')?.textContent === 'Deployment' && /\d+m/.test(r.querySelector('[data-col=cpu]')?.textContent ?? ''),
      ),
    null,
    wait,
  );
  await page.waitForFunction(() => document.querySelector('[data-testid=freshness-workloads]')?.getAttribute('data-level') === 'live', null, wait);
  await screenshot(page, 'workloads');

  // A workload's row opens its whole object, fetched from its own API group.
  const deployment = page.locator('[aria-label="Workloads"] [role=row][data-key]', { has: page.locator('[data-col=kind]', { hasText: 'Deployment' }) }).first();
  const deploymentName = (await deployment.locator('[data-col=name]').textContent())!;
  await deployment.click();
  await objectYaml((y) => y.includes('kind: Deployment') && y.includes('apiVersion: apps/v1') && y.includes(`name: ${deploymentName}`), `deployment ${deploymentName}`);
});

test('anUpstreamWatchGoneSilentShowsUpstreamStalledAndItsProofUntilItIsProvenAgain', async () => {
  await open('#/pods');
  await dataRows('Pods').first().waitFor(wait);
  await clickTab('diagnostics');
  await waitForDiagnostics('pods streaming and healthy', (rows) => rows.some((r) => r.key === 'pods:' && r.health === 'healthy' && r.polling === 'paused'));
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-level') === 'live', null, wait);
  // The stream to the browser stays perfectly healthy: only the backend's proof can tell.
  backend.demo!.faults.set({ fault: 'stall-watches', resource: 'pods' });
  try {
    await waitForDiagnostics('pods falling back with reason upstream stalled', (rows) =>
      rows.some((r) => r.key === 'pods:' && r.reason === 'upstream stalled' && r.polling === 'enabled' && r.health !== 'healthy'),
    );
    // The header's dot leaves green (it redraws on its own tick, so wait for it).
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-level') === 'unproven', null, wait);
    const proof = page.getByTestId('upstream-proof-pods');
    // A lapse, counted (on a busy machine it can come before any probe has reported failing).
    await proof.filter({ hasText: /lapses [1-9]/ }).waitFor(wait);
    await screenshot(page, 'diagnostics-upstream-stalled');
    await clickTab('pods');
    await page.locator('.problem', { hasText: 'freshness bound' }).first().waitFor(wait);
    await screenshot(page, 'pods-upstream-stalled');
    await clickTab('diagnostics');
  } finally {
    backend.demo!.faults.clear();
  }
  await waitForDiagnostics('pods healthy again once a probe passes', (rows) => rows.some((r) => r.key === 'pods:' && r.health === 'healthy' && r.polling === 'paused'));
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-level') === 'live', null, wait);
});

test('diagnosticsShowStreamingThenPollingOnDisconnectThenHealthyAgain', async () => {
  await open('#/pods');
  await dataRows('Pods').first().waitFor(wait);
  await clickTab('diagnostics');
  const healthy = await waitForDiagnostics('every streamed domain streaming, healthy, polling paused', (rows) =>
    rows.every((r) => (streamed(r.key) ? r.mode === 'streaming' && r.health === 'healthy' && r.polling === 'paused' : (r.mode === 'metrics-only' || r.mode === 'polling') && r.health === 'healthy')),
  );
  // What the Pods view mounts is there (earlier tests may leave a namespace or a log panel open).
  expect(healthy.map((r) => r.key)).toEqual(expect.arrayContaining(['namespaces:', 'pod-metrics:', 'pods:']));
  await page.getByTestId('backend-upstreams').locator('tbody tr').first().waitFor(wait);
  await screenshot(page, 'diagnostics');

  const closed = await fetch(`${backend.url}_debug/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'close-streams' }) });
  expect(closed.status).toBe(200);
  await waitForDiagnostics(
    'polling with reason disconnect',
    (rows) => rows.filter((r) => streamed(r.key)).every((r) => r.mode === 'polling' && r.reason === 'disconnect' && r.polling === 'enabled'),
    10_000,
  );
  await page.getByTestId('disconnected').waitFor(wait);
  // The header's dot is not green while the backend's stream is unreachable.
  await expect(page.getByTestId('connection').getAttribute('data-level')).resolves.not.toBe('live');
  await screenshot(page, 'diagnostics-disconnected');
  await clickTab('pods');
  await page.locator('.problem', { hasText: 'Disconnected' }).first().waitFor(wait);
  await page.waitForFunction(() => document.querySelector('[data-testid=freshness-pods]')?.getAttribute('data-mode') === 'polling', null, wait);
  await screenshot(page, 'pods-disconnected');
  await clickTab('diagnostics');

  await fetch(`${backend.url}_debug/faults`, { method: 'DELETE' });
  await waitForDiagnostics('healthy again after the stream is restored', (rows) =>
    rows.filter((r) => streamed(r.key)).every((r) => r.mode === 'streaming' && r.health === 'healthy' && r.polling === 'paused'),
  );
  await page.getByTestId('disconnected').waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-level') === 'live', null, wait);
});

test('theMetricsIntervalSettingReachesTheMachinesAndSurvivesAReload', async () => {
  await open('#/nodes');
  await dataRows('Nodes').first().waitFor(wait);
  await clickTab('diagnostics');
  await waitForDiagnostics('the default metrics interval', (rows) => rows.some((r) => r.key === 'node-metrics:' && r.metricsInterval === '5000'));
  await page.getByTestId('metrics-interval').selectOption('2000');
  await waitForDiagnostics('the new metrics interval', (rows) => rows.some((r) => r.key === 'node-metrics:' && r.metricsInterval === '2000'));
  await page.reload();
  await expect(page.getByTestId('metrics-interval').inputValue()).resolves.toBe('2000');
  await clickTab('nodes');
  await dataRows('Nodes').first().waitFor(wait);
  await clickTab('diagnostics');
  await waitForDiagnostics('the kept metrics interval after a reload', (rows) => rows.some((r) => r.key === 'node-metrics:' && r.metricsInterval === '2000'));
  await page.evaluate(() => window.localStorage.clear());
});

/**
 * `?inspect` through the real @statelyai/inspect: it opens the Stately inspector in a new window
 * and posts inspection events there once that window says it is connected. stately.ai cannot be
 * reached from here, so the context serves a receiver page of ours at its address; the page does
 * what the inspector does first (post `@statelyai.connected` to its opener) and keeps what
 * arrives.
 */
test('inspectConnectsTheStatelyInspectorToTheLiveActors', async () => {
  const context = await chromium.browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    await context.route('https://stately.ai/inspect**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><title>inspector stand-in</title><script>
          window.received = [];
          window.addEventListener('message', (e) => window.received.push(e.data));
          window.opener.postMessage({ type: '@statelyai.connected' }, '*');
        </script>`,
      }),
    );
    const dashboard = await context.newPage();
    const inspectorOpened = context.waitForEvent('page', wait);
    await dashboard.goto(`${backend.url}?inspect#/nodes`);
    const inspector = await inspectorOpened;
    expect(inspector.url()).toMatch(/^https:\/\/stately\.ai\/inspect/);
    await dashboard.locator('[role=grid][aria-label="Nodes"] [role=row][data-key]').first().waitFor(wait);
    // The subscription actors reach the inspector, with their state as it moves: a nodes
    // subscription is seen streaming and healthy.
    const healthy = await inspector.waitForFunction(
      () =>
        (window as unknown as { received: Array<{ type?: string; _version?: string; snapshot?: { value?: unknown } }> }).received.some(
          (e) => typeof e._version === 'string' && e.type === '@xstate.snapshot' && JSON.stringify(e.snapshot?.value ?? null).includes('streamingHealthy'),
        ),
      undefined,
      wait,
    );
    await healthy.dispose();
    const kinds = await inspector.evaluate(() => [...new Set((window as unknown as { received: Array<{ type?: string }> }).received.map((e) => e.type))]);
    expect(kinds).toEqual(expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot']));
  } finally {
    await context.close();
  }
});

test('thePageThrewNothing', () => {
  expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
});
