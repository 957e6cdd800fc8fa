/**
 * A previous run shown in the logs panel of a pod that is then deleted, in a real Chromium
 * against the demo cluster. The lines stay while the box stays ticked; unticking it puts them away
 * for good, since the kubelet deleted the pod's logs with it and nothing can be read again. The
 * toggle's title warns before, the panel says why after, and nothing is asked of the deleted pod.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/backend.js';
import { kubectlOfDemo, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

// No churn: a restarted pod stays as generated until the test deletes it.
useDashboard({ demo: { nodes: 3, pods: 120, churn: 0, seed: 11 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const wait = { timeout: 30_000 };
const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

interface DemoPod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string; containerStatuses?: { name: string; restartCount?: number; state?: { running?: unknown }; lastState?: { terminated?: unknown } }[] };
}

/** A running ReplicaSet pod of one container that restarted: it has a previous run, and deleting it is routine. */
function aRestartedPod(): DemoPod {
  const pod = (backend.demo!.listObjects('pods') as DemoPod[]).find(
    (p) =>
      p.spec.containers.length === 1 &&
      p.status.phase === 'Running' &&
      !p.metadata.deletionTimestamp &&
      p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' &&
      (p.status.containerStatuses ?? []).every((c) => c.state?.running && (c.restartCount ?? 0) > 0 && c.lastState?.terminated),
  );
  if (!pod) throw new Error('the demo cluster generated no running ReplicaSet pod whose container restarted');
  return pod;
}

/** The runs of the lines the panel shows ('previous' or 'current'), in order. */
function shownRuns(): Promise<string[]> {
  return page.locator('[data-testid=log-lines] .log-line').evaluateAll((lines) => lines.map((l) => (l as HTMLElement).dataset.run ?? ''));
}

/** The pod the cluster has under this name now, or null once it has none (kubectl: NotFound). */
async function inCluster(namespace: string, name: string): Promise<string | null> {
  try {
    return (await kubectlOfDemo(backend, 'get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.metadata.uid}')).trim();
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('NotFound')) return null;
    throw error;
  }
}

test('untickingPreviousRunOnADeletedPodDropsItsLinesForGoodAndSaysWhy', async () => {
  const pod = aRestartedPod();
  const { name, namespace } = pod.metadata;
  const container = pod.spec.containers[0]!.name;
  // Every request the page makes about this pod: its object, its logs, its previous run.
  const reads: string[] = [];
  const listener = (request: { url(): string }) => {
    const url = decodeURIComponent(request.url());
    if (url.includes(`${namespace}/${name}`) || url.includes(`pod=${name}`)) reads.push(url);
  };
  page.on('request', listener);
  try {
    await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
    await page.getByTestId('logs-panel').waitFor(wait);
    await page.getByTestId('log-previous').check(wait);
    await until('the previous run shown above the current one', shownRuns, (runs) => runs.includes('previous') && runs.includes('current'));
    const previousLines = (await shownRuns()).filter((r) => r === 'previous').length;

    await kubectlOfDemo(backend, 'delete', 'pod', name, '-n', namespace, '--grace-period=2', '--wait=false');
    await until(`${name} to be gone from the cluster`, () => inCluster(namespace, name), (uid) => uid === null);
    await page.getByTestId('logs-ended').waitFor(wait);
    const readsWhileLive = reads.length;

    // Still ticked: the previous run stays, as held, and the toggle warns what unticking does.
    expect((await shownRuns()).filter((r) => r === 'previous')).toHaveLength(previousLines);
    expect(await page.getByTestId('log-previous').isChecked()).toBe(true);
    expect(await page.locator('label.toggle', { has: page.getByTestId('log-previous') }).getAttribute('title')).toBe(
      'Unticked, the previous run goes for good: the pod was deleted, and its logs with it, so it cannot be read again',
    );
    await screenshot(page, 'deleted-pod-previous-run-kept');

    // A click, not uncheck(): uncheck() waits to see the box unticked, and the box goes with the run.
    await page.getByTestId('log-previous').click();
    // Gone, and the toggle with it: there is nothing to tick again.
    await until('the previous run to go', shownRuns, (runs) => runs.length > 0 && runs.every((r) => r === 'current'));
    expect(await page.getByTestId('log-previous').count()).toBe(0);
    expect(await page.getByTestId('log-divider').count()).toBe(0);
    // Said why.
    expect(await page.getByTestId('log-previous-dropped').textContent()).toBe(
      `The previous run of ${container} is no longer shown, and cannot be shown again: ${namespace}/${name} was deleted, and the kubelet deleted its logs with it.`,
    );
    await screenshot(page, 'deleted-pod-previous-run-dropped');

    // Nothing asked of the deleted pod. Any read the untick started is issued in the effects of
    // the render that drew the note, before the second frame after it; the page's request events
    // then reach this process a little later, so they are read after a second.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.waitForTimeout(1000);
    expect(reads.slice(readsWhileLive)).toEqual([]);
  } finally {
    page.off('request', listener);
  }
});

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
