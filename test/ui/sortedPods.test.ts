/**
 * The Pods view sorted by CPU shows the cluster's own order, whole: every pod, biggest CPU first,
 * ties by namespace and name, as read from the demo cluster's metrics.k8s.io and its pod store
 * (not from the engine's store). It stays so across metrics samples (every pod's CPU moves) and
 * across pods replaced, deleted and created, in a real Chromium on a real backend.
 *
 * Nothing here asserts on time: every wait is for the page to agree with the cluster.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { startBackend, type Backend } from '../../server/backend.js';
import { formatCpu } from '../../ui/lib/format.js';
import { call } from '../demo-cluster/client.js';
import { quantityIn } from '../support/quantity.js';
import { collectPageErrors, ensureUiBuilt, launchChromium, quickConfig, screenshot, until, type LaunchedBrowser } from './browser.js';

jest.setTimeout(180_000);

let cluster: DemoCluster;
let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ensureUiBuilt();
  // A new sample every 3 s, read every second: the order is tested across several samples.
  cluster = await startDemoCluster({ nodes: 4, pods: 400, namespaces: 6, churn: 0, seed: 23, port: 0, metricsResolutionMs: 3000 });
  backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0, config: { ...quickConfig, metricsIntervalMs: 1000 } });
  chromium = await launchChromium();
  page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await chromium?.close();
  await backend?.stop();
  await cluster?.stop();
});

interface Listed {
  readonly key: string;
  readonly cpu: string;
}

/** The cluster's pods in the order the view must show them, with the CPU cell each must show; and the sample read. */
async function clusterOrder(): Promise<{ sample: string; rows: Listed[] }> {
  const reply = await call(cluster, '/apis/metrics.k8s.io/v1beta1/pods');
  expect(reply.status).toBe(200);
  const items = reply.json<{ items: { metadata: { namespace: string; name: string }; timestamp: string; containers: { usage: { cpu: string } }[] }[] }>().items;
  // Summed exactly over the containers (as kubectl top sorts), in millicores only at the end.
  const cpu = new Map(items.map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, Number(m.containers.reduce((sum, c) => sum + quantityIn(c.usage.cpu, 1_000_000_000n), 0n)) / 1e6]));
  const pods = (cluster.listObjects('pods') as { metadata: { namespace: string; name: string; uid: string } }[]).map((p) => ({ ...p.metadata, key: `${p.metadata.namespace}/${p.metadata.name}` }));
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  // A pod without a sample (not running) goes last, as a CPU of -1.
  const usage = (key: string) => cpu.get(key) ?? -1;
  pods.sort((a, b) => usage(b.key) - usage(a.key) || text(a.namespace, b.namespace) || text(a.name, b.name) || text(a.uid, b.uid));
  return { sample: [...new Set(items.map((m) => m.timestamp))].join(','), rows: pods.map((p) => ({ key: p.key, cpu: formatCpu(cpu.get(p.key)) })) };
}

/** Every row of the Pods table, top to bottom, read by scrolling it through (it renders only what is in view). */
function pageOrder(): Promise<Listed[]> {
  return page.evaluate(async () => {
    const body = document.querySelector<HTMLElement>('[role=grid][aria-label=Pods] [data-testid=vt-body]')!;
    const rows = new Map<number, { key: string; cpu: string }>();
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    for (let top = 0; ; top += body.clientHeight) {
      body.scrollTop = top;
      await frame();
      for (const row of body.querySelectorAll<HTMLElement>('[role=row][data-key]')) {
        rows.set(Number(row.getAttribute('aria-rowindex')), { key: row.dataset.key!, cpu: row.querySelector('[data-col=cpu]')?.textContent ?? '' });
      }
      if (top + body.clientHeight >= body.scrollHeight) break;
    }
    body.scrollTop = 0;
    return [...rows].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
  });
}

/** Waits until the page lists exactly the cluster's order, read before and after the page within one sample. */
async function agreesWithCluster(what: string): Promise<string> {
  let sample = '';
  await until(
    page,
    what,
    async () => {
      const before = await clusterOrder();
      const shown = await pageOrder();
      const after = await clusterOrder();
      sample = after.sample;
      const same = before.sample === after.sample && JSON.stringify(before.rows) === JSON.stringify(after.rows);
      return { same, expected: after.rows, shown };
    },
    ({ same, expected, shown }) => same && JSON.stringify(shown) === JSON.stringify(expected),
    60_000,
  );
  return sample;
}

test('podsSortedByCpuAreTheClustersOwnOrderAcrossSamplesAndWrites', async () => {
  await page.goto(`${backend.url}#/pods`);
  const header = page.locator('[role=grid][aria-label=Pods] [role=columnheader][data-col=cpu]');
  await header.getByRole('button').click();
  await expect(header.getAttribute('aria-sort')).resolves.toBe('descending');

  const first = await agreesWithCluster('the Pods view sorted by CPU to list the cluster\'s pods in its metrics\' order');
  await screenshot(page, 'pods-by-cpu');
  // Another sample moves every pod's CPU: the order follows it.
  await until(page, 'the cluster to take another metrics sample', () => clusterOrder().then((o) => o.sample), (sample) => sample !== first);
  const second = await agreesWithCluster('the order to follow the next metrics sample');
  expect(second).not.toBe(first);

  // Pods replaced, deleted and created, containers restarting: the sorted list takes them in.
  const before = new Set((cluster.listObjects('pods') as { metadata: { uid: string } }[]).map((p) => p.metadata.uid));
  cluster.churn(40);
  const after = (cluster.listObjects('pods') as { metadata: { uid: string } }[]).map((p) => p.metadata.uid);
  expect(after.some((uid) => !before.has(uid))).toBe(true);
  await agreesWithCluster('the sorted list to take in the pods written');
  expect(errors).toEqual([]);
});

test('theMetricsAnswersAreReadInAWorkerAndNotOnThePage', async () => {
  // 50,000 pods' samples are 8 MB of JSON: read and parsed on the page, each new sample was about
  // 110 ms of its main thread (bench row 9s). The numbers it shows are the cluster's own (above).
  await page.goto(`${backend.url}#/pods?sort=-cpu`);
  await page.locator('[role=grid][aria-label=Pods] [data-testid=vt-body]').waitFor();
  await agreesWithCluster('the Pods view sorted by CPU to show the cluster\'s pods and metrics');
  const metricsAnswers = (names: string[]) => names.filter((name) => new URL(name).pathname === '/api/v1/metrics/pod-metrics');
  const onThePage = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
  const inWorkers = await Promise.all(page.workers().map((worker) => worker.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name))));
  expect(metricsAnswers(onThePage)).toEqual([]);
  expect(metricsAnswers(inWorkers.flat()).length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
