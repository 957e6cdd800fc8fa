/**
 * Several clusters in a real Chromium, against a backend whose kubeconfig holds three demo
 * clusters of different sizes (`demo: { clusters: 3 }`): the picker lists them with their
 * health, the Pods view across the three holds exactly each cluster's pods as kubectl lists them
 * with that cluster's context, with a Cluster column (and the Nodes view likewise), and stalling one cluster's watches turns
 * its own badge and leaves the other two live. Screenshots: test-artifacts/clusters-picker.png,
 * clusters-pods.png, clusters-one-stalled.png, clusters-unknown.png.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { kubectl } from '../demo-cluster/client.js';
import { quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

let backend: Backend;
let page: Page;
let errors: string[];

jest.setTimeout(180_000);

// Small clusters, so every row of the list is on screen at once (the table renders what is in view).
useDashboard({ demo: { clusters: 3, nodes: 2, pods: 6, churn: 0, seed: 21 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d), { viewport: { width: 1440, height: 2200 } });

/** The three clusters' admin contexts, as the demo names them in its kubeconfig. */
const clusters = ['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3'];

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs?: number) => waitUntil(page, what, read, ready, timeoutMs);

/** The truth: every pod of one cluster as kubectl lists it with that cluster's own context, `cluster|namespace/name`. */
async function podsByKubectl(context: string): Promise<string[]> {
  const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', context, 'get', 'pods', '-A', '-o', 'json']);
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout) as { items: { metadata: { namespace: string; name: string } }[] };
  return list.items.map((p) => `${context}|${p.metadata.namespace}/${p.metadata.name}`);
}

/** What the cross-cluster table shows: each row's cluster, namespace and name. */
function shownRows(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=clusters-pods] [data-testid=vt-body] [role=row]')].map((row) => {
      const cell = (col: string) => row.querySelector(`[data-col=${col}]`)?.textContent?.trim() ?? '';
      return `${cell('cluster')}|${cell('namespace')}/${cell('name')}`;
    }),
  );
}

const badge = (cluster: string) => page.getByTestId(`freshness-pods · ${cluster}`);
const levels = () => Promise.all(clusters.map(async (c) => (await badge(c).getAttribute('data-level')) ?? 'none'));

test('thePickerListsEveryClusterWithItsHealth', async () => {
  await page.goto(`${backend.url}#/pods`);
  await page.getByTestId('cluster-button').click();
  for (const name of clusters) {
    const option = page.getByTestId(`cluster-option-${name}`);
    await option.waitFor();
    expect(['healthy', 'degraded', 'unreachable', 'idle', 'unknown']).toContain(await option.getAttribute('data-health'));
    expect((await page.getByTestId(`cluster-health-${name}`).textContent())?.trim()).not.toBe('');
    expect(await page.getByTestId(`cluster-pick-${name}`).getAttribute('title')).toContain(name);
  }
  // The cluster the page shows (the default) is judged by its own engine, once it is live.
  await until('the default cluster judged live by its engine', () => page.getByTestId(`cluster-option-${clusters[0]}`).getAttribute('data-dot'), (dot) => dot === 'live');
  expect(await page.getByTestId(`cluster-option-${clusters[0]}`).getAttribute('data-judged-by')).toBe('engine');
  await screenshot(page, 'clusters-picker');
});

test('podsAcrossThreeClustersHoldEachClustersTruthWithAClusterColumn', async () => {
  await page.goto(`${backend.url}#/pods`);
  await page.getByTestId('cluster-button').click();
  // Tick the other two: the address says all three, and the one list shows.
  await page.getByTestId(`cluster-check-${clusters[1]}`).check();
  await page.getByTestId(`cluster-check-${clusters[2]}`).check();
  await page.keyboard.press('Escape');
  expect(new URL(page.url()).searchParams.get('clusters')).toBe(clusters.join(','));
  await page.getByTestId('clusters-pods').waitFor();
  expect(await page.locator('[data-testid=clusters-pods] [role=columnheader][data-col=cluster]').textContent()).toContain('Cluster');

  const truth = (await Promise.all(clusters.map(podsByKubectl))).flat().sort();
  expect(new Set(truth.map((t) => t.split('|')[0])).size).toBe(3); // every cluster has pods
  const shown = await until('the list to hold every cluster’s pods', async () => (await shownRows()).sort(), (rows) => JSON.stringify(rows) === JSON.stringify(truth));
  expect(shown).toEqual(truth);
  // The clusters differ in size, so a list of one cluster's pods thrice could not pass.
  const perCluster = clusters.map((c) => truth.filter((t) => t.startsWith(`${c}|`)).length);
  expect(new Set(perCluster).size).toBeGreaterThan(1);
  await until('three live badges', levels, (l) => l.every((x) => x === 'live'));
  // One identity per cluster in the header.
  expect(await page.locator('[data-testid=identity]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster')))).toEqual(clusters);

  // A reload keeps the clusters; the filter finds one cluster's rows by its name.
  await page.reload();
  await page.getByTestId('clusters-pods').waitFor();
  await page.getByTestId('filter').fill(clusters[2]!);
  const third = await until('only the third cluster’s rows', async () => (await shownRows()).sort(), (rows) => rows.length > 0 && rows.every((r) => r.startsWith(`${clusters[2]}|`)));
  expect(third).toEqual(truth.filter((t) => t.startsWith(`${clusters[2]}|`)));
  await page.getByTestId('filter').fill('');
  await screenshot(page, 'clusters-pods');
  // Back returns to the one cluster shown before the boxes were ticked.
  await page.goBack();
  await page.goBack();
  await until('back to one cluster', async () => page.locator('[data-testid=clusters-pods]').count(), (n) => n === 0);
});

test('nodesAcrossThreeClustersHoldEachClustersTruth', async () => {
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/nodes`);
  await page.getByTestId('clusters-nodes').waitFor();
  const truth = (
    await Promise.all(
      clusters.map(async (context) => {
        const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', context, 'get', 'nodes', '-o', 'json']);
        expect(r.code).toBe(0);
        return (JSON.parse(r.stdout) as { items: { metadata: { name: string } }[] }).items.map((n) => `${context}|${n.metadata.name}`);
      }),
    )
  )
    .flat()
    .sort();
  const read = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=clusters-nodes] [data-testid=vt-body] [role=row]')]
        .map((row) => `${row.querySelector('[data-col=cluster]')?.textContent?.trim()}|${row.querySelector('[data-col=name]')?.textContent?.trim()}`)
        .sort(),
    );
  expect(await until('every cluster’s nodes', read, (rows) => JSON.stringify(rows) === JSON.stringify(truth))).toEqual(truth);
});

test('aStalledClusterTurnsItsOwnBadgeAndLeavesTheOthersLive', async () => {
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/pods`);
  await until('three live badges', levels, (l) => l.every((x) => x === 'live'));
  // The first demo cluster's watches stop delivering (its API server keeps answering lists).
  backend.demo!.faults.set({ fault: 'stall-watches' });
  try {
    // Once the backend calls its upstream stalled, the view polls fresh reads from the API server.
    const stalled = await until('the stalled cluster’s view to fall back to polling', levels, (l) => l[0] === 'polling', 60_000);
    expect(stalled.slice(1)).toEqual(['live', 'live']);
    // And it stays that way: the others are not painted by the stalled one.
    for (let i = 0; i < 5; i++) {
      await page.waitForTimeout(500);
      const now = await levels();
      expect(now[0]).not.toBe('live');
      expect(now.slice(1)).toEqual(['live', 'live']);
    }
    await screenshot(page, 'clusters-one-stalled');
  } finally {
    backend.demo!.faults.clear();
  }
  // Back to streaming once the backend's watch delivers again. (Its badge may stay stale rather
  // than live on this quiet cluster: the rows it holds were read from the API server, newer than
  // anything the stream has sent, and with no change there is no heartbeat to agree with them;
  // docs/engine.md, "Heartbeat comparison".)
  const modes = () => Promise.all(clusters.map(async (c) => (await badge(c).getAttribute('data-mode')) ?? 'none'));
  await until('the stalled cluster streaming again', modes, (m) => m.every((x) => x === 'streaming'), 60_000);
  expect((await levels()).slice(1)).toEqual(['live', 'live']);
});

test('anUnknownClusterInTheAddressSaysSoInsteadOfAnEmptyList', async () => {
  await page.goto(`${backend.url}?cluster=nope#/pods`);
  const notice = page.getByTestId('unknown-cluster');
  await notice.waitFor();
  expect(await notice.textContent()).toContain('“nope”');
  expect(await page.locator('[data-testid=vt-body]').count()).toBe(0);
  await screenshot(page, 'clusters-unknown');
  // It offers the clusters there are; picking one shows its pods.
  await page.getByTestId(`unknown-pick-${clusters[1]}`).click();
  expect(new URL(page.url()).searchParams.get('cluster')).toBe(clusters[1]);
  await notice.waitFor({ state: 'detached' });
  // The unknown cluster's own requests were answered 404 (unknown-cluster), which the console logs; nothing else may be.
  expect(errors.filter((e) => !/status of 404.*cluster=nope/.test(e))).toEqual([]);
});
