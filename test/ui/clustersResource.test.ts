/**
 * The generic view across three demo clusters in a real Chromium: a Deployments list across the
 * three holds exactly each cluster's Deployments as kubectl lists them with that cluster's
 * context, and opening one of the second cluster shows that cluster's YAML (its uid is the second
 * cluster's object's, not the first's), and Describe of it reads the second cluster too.
 * Screenshots: test-artifacts/clusters-deployments.png, clusters-deployment-yaml.png.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { kubectl } from '../demo-cluster/client.js';
import { clickRowUntilSelected, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

let backend: Backend;
let page: Page;

jest.setTimeout(180_000);

useDashboard({ demo: { clusters: 3, nodes: 2, pods: 6, churn: 0, seed: 21 }, port: 0, config: quickConfig }, (d) => ({ backend, page } = d), { viewport: { width: 1440, height: 2200 } });

const clusters = ['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3'];

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs?: number) => waitUntil(page, what, read, ready, timeoutMs);

interface Truth {
  readonly row: string;
  readonly uid: string;
}

/** Every Deployment of one cluster as kubectl lists it with that cluster's context: `cluster|namespace/name` and its uid. */
async function deploymentsByKubectl(context: string): Promise<Truth[]> {
  const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', context, 'get', 'deployments', '-A', '-o', 'json']);
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout) as { items: { metadata: { namespace: string; name: string; uid: string } }[] };
  return list.items.map((d) => ({ row: `${context}|${d.metadata.namespace}/${d.metadata.name}`, uid: d.metadata.uid }));
}

function shownRows(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=clusters-resource] [data-testid=vt-body] [role=row]')].map((row) => {
      const cell = (col: string) => row.querySelector(`[data-col="${col}"]`)?.textContent?.trim() ?? '';
      return `${cell('cluster')}|${cell('Namespace')}/${cell('Name')}`;
    }),
  );
}

/** The open object's metadata.uid as the YAML panel prints it. */
async function panelUid(): Promise<string> {
  const yaml = (await page.getByTestId('object-yaml').textContent()) ?? '';
  return /^ {2}uid: "?([^"\n]+)"?$/m.exec(yaml)?.[1] ?? '';
}

test('deploymentsAcrossThreeClustersHoldEachClustersTruthAndOpenFromTheirOwnCluster', async () => {
  const truths = await Promise.all(clusters.map(deploymentsByKubectl));
  const truth = truths.flat().map((t) => t.row).sort();
  expect(truths[1]!.length).toBeGreaterThan(0);

  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/r/apps/v1/deployments`);
  await page.getByTestId('clusters-resource').waitFor();
  expect(await page.locator('[data-testid=clusters-resource] [role=columnheader][data-col=cluster]').textContent()).toContain('Cluster');
  const shown = await until('every cluster’s deployments', async () => (await shownRows()).sort(), (rows) => JSON.stringify(rows) === JSON.stringify(truth));
  expect(shown).toEqual(truth);
  // The API server's own columns are there (kubectl get deployments prints Ready and Up-to-date).
  await until('the Ready column', () => page.locator('[data-testid=clusters-resource] [role=columnheader][data-col=Ready]').count(), (n) => n === 1);
  await until('three live badges', () => Promise.all(clusters.map(async (c) => (await page.getByTestId(`freshness-deployments · ${c}`).getAttribute('data-level')) ?? 'none')), (l) => l.every((x) => x === 'live'));

  // The filter narrows to one cluster by its name.
  await page.getByTestId('filter').fill(clusters[2]!);
  await until('only the third cluster’s rows', async () => (await shownRows()).sort(), (rows) => JSON.stringify(rows) === JSON.stringify(truth.filter((t) => t.startsWith(`${clusters[2]}|`))));
  await page.getByTestId('filter').fill('');
  await screenshot(page, 'clusters-deployments');

  // A Deployment of the second cluster, preferably one whose name the first cluster also has.
  const firstNames = new Set(truths[0]!.map((t) => t.row.split('|')[1]));
  const second = truths[1]!.find((t) => firstNames.has(t.row.split('|')[1])) ?? truths[1]![0]!;
  const [namespace, name] = second.row.split('|')[1]!.split('/') as [string, string];
  const sameInFirst = truths[0]!.find((t) => t.row.split('|')[1] === `${namespace}/${name}`);
  if (sameInFirst) expect(sameInFirst.uid).not.toBe(second.uid);

  await clickRowUntilSelected(page, page.locator(`[data-testid=clusters-resource] [role=row][data-key="${clusters[1]}/${second.uid}"]`), 'clusters-resource');
  await page.getByTestId('object-yaml').waitFor();
  expect(await page.getByTestId('panel-cluster').textContent()).toContain(clusters[1]);
  expect(await until('the second cluster’s YAML', panelUid, (uid) => uid === second.uid)).toBe(second.uid);
  expect(new URL(page.url()).hash).toContain(`in=${clusters[1]}`);
  await screenshot(page, 'clusters-deployment-yaml');

  // Describe of it reads the same cluster.
  await page.getByTestId('drill-describe').click();
  await until('Describe of the second cluster’s object', () => page.getByTestId('describe').getAttribute('data-uid'), (uid) => uid === second.uid);
  expect(new URL(page.url()).hash).toContain(`in=${clusters[1]}`);
});

/** Every event of one cluster as kubectl lists it with that cluster's context: `cluster|namespace|kind/name|reason`. */
async function eventsByKubectl(context: string): Promise<string[]> {
  const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', context, 'get', 'events', '-A', '-o', 'json']);
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout) as { items: { metadata: { namespace: string }; reason: string; involvedObject: { kind: string; name: string } }[] };
  return list.items.map((e) => `${context}|${e.metadata.namespace}|${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}|${e.reason}`);
}

test('eventsAcrossThreeClustersHoldEachClustersTruthAndOpenTheirObjectInItsCluster', async () => {
  const truth = (await Promise.all(clusters.map(eventsByKubectl))).flat().sort();
  expect(truth.some((t) => t.startsWith(`${clusters[1]}|`))).toBe(true);
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/events`);
  await page.getByTestId('clusters-events').waitFor();
  const read = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=clusters-events] [data-testid=vt-body] [role=row]')]
        .map((row) => ['cluster', 'namespace', 'object', 'reason'].map((col) => row.querySelector(`[data-col=${col}]`)?.textContent?.trim() ?? '').join('|'))
        .sort(),
    );
  expect(await until('every cluster’s events', read, (rows) => JSON.stringify(rows) === JSON.stringify(truth))).toEqual(truth);
  await screenshot(page, 'clusters-events');

  // An event of the second cluster opens its object in the generic view, read from that cluster.
  await page.locator(`[data-testid=clusters-events] [role=row][data-key^="${clusters[1]}/"]`).first().click();
  await page.getByTestId('clusters-resource').waitFor();
  expect(new URL(page.url()).hash).toContain(`in=${clusters[1]}`);
  await page.getByTestId('object-yaml').waitFor();
  expect(await page.getByTestId('panel-cluster').textContent()).toContain(clusters[1]);
});

test('sidebarCountsAreSummedOverTheChosenClustersWithEachClustersCountOnHover', async () => {
  const each = await Promise.all(
    clusters.map(async (context) => {
      const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', context, 'get', 'pods', '-A', '-o', 'json']);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { items: unknown[] }).items.length;
    }),
  );
  // The clusters differ in size, so the first cluster's count thrice could not pass.
  expect(new Set(each).size).toBeGreaterThan(1);
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/nodes`);
  const count = page.getByTestId('count-pods');
  const total = each.reduce((a, b) => a + b, 0);
  await until('the summed Pods count', async () => (await count.textContent())?.trim(), (text) => text === total.toLocaleString());
  expect(await count.getAttribute('title')).toBe(clusters.map((c, i) => `${c}: ${each[i]!.toLocaleString()}`).join(' · '));
});

test('workloadsAcrossThreeClustersHoldEachClustersDeploymentsAndOpenFromTheirOwnCluster', async () => {
  const truths = await Promise.all(clusters.map(deploymentsByKubectl));
  const truth = truths.flat().map((t) => t.row).sort();
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/workloads`);
  await page.getByTestId('clusters-workloads').waitFor();
  await page.getByTestId('kind-Deployment').click();
  const read = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=clusters-workloads] [data-testid=vt-body] [role=row]')]
        .map((row) => `${row.querySelector('[data-col=cluster]')?.textContent?.trim()}|${row.querySelector('[data-col=namespace]')?.textContent?.trim()}/${row.querySelector('[data-col=name]')?.textContent?.trim()}`)
        .sort(),
    );
  expect(await until('every cluster’s deployments', read, (rows) => JSON.stringify(rows) === JSON.stringify(truth))).toEqual(truth);
  const second = truths[1]![0]!;
  await clickRowUntilSelected(page, page.locator(`[data-testid=clusters-workloads] [role=row][data-key="${clusters[1]}/${second.uid}"]`), 'clusters-workloads');
  await page.getByTestId('object-yaml').waitFor();
  expect(await until('the second cluster’s YAML', panelUid, (uid) => uid === second.uid)).toBe(second.uid);
  await screenshot(page, 'clusters-workloads');
});

test('aDeploymentDeletedInOneClusterWhileOpenAcrossClustersStaysOpenMarkedDeletedWithItsEvents', async () => {
  // The second cluster's Deployment with the most Events about it, as that cluster lists them.
  const truths = await deploymentsByKubectl(clusters[1]!);
  const eventsAbout = async (uid: string): Promise<string[]> => {
    const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', clusters[1]!, 'get', 'events', '-A', '--field-selector', `involvedObject.uid=${uid}`, '-o', 'json']);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { items: { reason: string; message: string }[] }).items.map((e) => `${e.reason}|${e.message}`);
  };
  const counted = await Promise.all(truths.map(async (t) => ({ ...t, events: await eventsAbout(t.uid) })));
  const doomed = counted.sort((a, b) => b.events.length - a.events.length)[0]!;
  const [namespace, name] = doomed.row.split('|')[1]!.split('/') as [string, string];
  await page.goto(`${backend.url}?clusters=${clusters.join(',')}#/r/apps/v1/deployments`);
  await clickRowUntilSelected(page, page.locator(`[data-testid=clusters-resource] [role=row][data-key="${clusters[1]}/${doomed.uid}"]`), 'clusters-doomed');
  await until('its YAML', panelUid, (uid) => uid === doomed.uid);

  const r = await kubectl(backend.demo!.kubeconfigPath, ['--context', clusters[1]!, 'delete', 'deployment', name, '-n', namespace, '--wait=false']);
  expect(r.code).toBe(0);
  const gone = await kubectl(backend.demo!.kubeconfigPath, ['--context', clusters[1]!, 'get', 'deployment', name, '-n', namespace]);
  expect(gone.stderr).toContain('NotFound');
  await page.getByTestId('object-deleted').waitFor();
  // Still the deleted Deployment of the second cluster, with every Event that cluster has about it.
  expect(await panelUid()).toBe(doomed.uid);
  expect(await page.getByTestId('panel-cluster').textContent()).toContain(clusters[1]);
  const truth = await eventsAbout(doomed.uid);
  const shown = () => page.getByTestId('object-event').evaluateAll((items) => items.map((i) => `${i.querySelector('.event-head .strong')?.textContent}|${i.querySelector('.event-message')?.textContent}`));
  await until(`the ${truth.length} events about it`, shown, (s) => truth.every((e) => s.includes(e)));
  expect(await page.getByTestId('object-events').count()).toBe(1);
  await screenshot(page, 'clusters-deployment-deleted');
});
