/**
 * The Pods view's Status filter counts pods per status (lib/pods.ts `statusCounts`, kept by
 * lib/statusTally.ts); those counts are the ones `kubectl get pods` gives when its STATUS column
 * is grouped, for every namespace and for one. The demo's troubleshooting namespace holds a pod
 * in each state kubectl prints (CrashLoopBackOff, Init:0/2, OOMKilled, Evicted, Completed,
 * ContainerCreating...), and the test deletes pods with a long grace period so some are
 * Terminating. The reference is the real kubectl binary's output, grouped here, never a count
 * made with kubelive's code.
 *
 * Statuses move on their own (a crash-looping container restarts), so kubectl is read before and
 * after the page, and a reading is compared only when both agree (as kubectlTop.test.ts does).
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { kubectl, kubectlPath, requireKubectlInCi } from '../demo-cluster/client.js';
import { quickConfig, screenshot, until, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

requireKubectlInCi();
const withKubectl = kubectlPath ? describe : describe.skip;

useDashboard({ demo: { nodes: 4, pods: 120, churn: 0, seed: 41, scenarios: true }, port: 0, config: quickConfig }, (dashboard) => ({ backend, page, errors } = dashboard));

type Counts = Record<string, number>;

/** `kubectl get pods` (every namespace, or one) grouped by its STATUS column. */
async function kubectlCounts(namespace: string): Promise<Counts> {
  const args = namespace === '' ? ['get', 'pods', '-A', '--no-headers'] : ['get', 'pods', '-n', namespace, '--no-headers'];
  const result = await kubectl(backend.demo!.kubeconfigPath, args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  const column = namespace === '' ? 3 : 2; // NAMESPACE NAME READY STATUS ..., or NAME READY STATUS ...
  const counts: Counts = {};
  for (const line of result.stdout.trim().split('\n')) {
    if (line.trim() === '') continue;
    const status = line.trim().split(/\s+/)[column]!;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

/** The Status filter's options as the page shows them ("CrashLoopBackOff (3)"); null while any says "so far". */
async function shownCounts(): Promise<Counts | null> {
  const options = await page.getByTestId('status-filter').locator('option').allTextContents();
  const counts: Counts = {};
  for (const text of options.slice(1)) {
    const match = /^(.+) \(([\d,]+)( so far)?\)$/.exec(text);
    if (!match) throw new Error(`a Status option reads "${text}"`);
    if (match[3]) return null;
    counts[match[1]!] = Number(match[2]!.replace(/,/g, ''));
  }
  return counts;
}

/** What differs between kubectl's counts and the page's, one line per status. */
function differences(cli: Counts, shown: Counts): string[] {
  const statuses = [...new Set([...Object.keys(cli), ...Object.keys(shown)])].sort();
  return statuses.filter((s) => cli[s] !== shown[s]).map((s) => `${s}: kubectl ${cli[s] ?? 0}, page ${shown[s] ?? 0}`);
}

/** Waits until the page's counts equal kubectl's, read before and after the page alike; returns kubectl's. */
async function agreesWithKubectl(namespace: string): Promise<Counts> {
  const reading = await until(
    page,
    `the Status filter to count what kubectl get pods ${namespace === '' ? '-A' : `-n ${namespace}`} prints`,
    async () => {
      const before = await kubectlCounts(namespace);
      const shown = await shownCounts();
      const after = await kubectlCounts(namespace);
      const steady = JSON.stringify(before) === JSON.stringify(after);
      return { cli: after, shown, differences: !steady ? ['kubectl read two samples'] : shown === null ? ['the page is still loading'] : differences(after, shown) };
    },
    (r) => r.differences.length === 0,
    60_000,
  );
  return reading.cli;
}

withKubectl('the Status filter counts what kubectl get pods prints', () => {
  test('everyNamespacesStatusCountsAreKubectlsStatusColumnGrouped', async () => {
    // Some pods Terminating for a while: deleted with a grace period longer than the test.
    const victims = (backend.demo!.listObjects('pods', 'shop') as Array<{ metadata: { name: string; deletionTimestamp?: string } }>).filter((p) => !p.metadata.deletionTimestamp).slice(0, 3);
    const deleted = await kubectl(backend.demo!.kubeconfigPath, ['delete', 'pod', '-n', 'shop', '--grace-period=300', '--wait=false', ...victims.map((p) => p.metadata.name)]);
    expect(deleted.code).toBe(0);
    await page.goto(`${backend.url}#/pods`);
    const cli = await agreesWithKubectl('');
    // The states the test is about are there to be counted.
    for (const status of ['Running', 'Terminating', 'CrashLoopBackOff', 'Completed']) expect(cli[status]).toBeGreaterThan(0);
    expect(Object.keys(cli).some((s) => s.startsWith('Init:'))).toBe(true);
    await screenshot(page, 'status-counts-all');
  });

  test('oneNamespacesStatusCountsAreKubectlsForThatNamespace', async () => {
    await page.goto(`${backend.url}#/pods?ns=troubleshooting`);
    const cli = await agreesWithKubectl('troubleshooting');
    expect(Object.keys(cli).length).toBeGreaterThan(4);
  });
});

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
