/**
 * A pod deleted while its panel is open, in a real Chromium against the demo cluster: the panel
 * stays on it, says it was deleted and when, keeps its last YAML, and keeps the Events about it,
 * the kubelet's Killing of each container included, as the cluster's own events API lists them.
 * When a pod of the same name is created again (a StatefulSet's ordinal), the panel moves to the
 * new pod (the route names namespace/name) and says it replaced the deleted one. The generic
 * view's panel, the Pods view's YAML panel and the Describe page, which share the code that holds
 * the object (hooks/useOpenObject.ts).
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/backend.js';
import { kubectlOfDemo, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

// No churn: it replaces random ReplicaSet pods, and one it picked first would be Terminating
// already when the test deletes it (a second delete stops nothing, so no Killing of ours).
useDashboard({ demo: { nodes: 3, pods: 60, churn: 0, seed: 13 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const wait = { timeout: 30_000 };
const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

const kubectl = (...args: string[]): Promise<string> => kubectlOfDemo(backend, ...args);

interface Pod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { containers: Array<{ name: string }> };
  status?: { phase?: string };
}

/** A running pod of `namespace` owned by a `kind`, not being deleted, and not one an earlier test took. */
const taken = new Set<string>();
function aRunningPod(namespace: string, kind: 'ReplicaSet' | 'StatefulSet'): Pod {
  const pod = (backend.demo!.listObjects('pods', namespace) as Pod[]).find(
    (p) => p.metadata.ownerReferences?.[0]?.kind === kind && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && !taken.has(p.metadata.name),
  );
  if (!pod) throw new Error(`no running ${kind} pod in ${namespace}`);
  taken.add(pod.metadata.name);
  return pod;
}

interface ClusterEvent {
  reason: string;
  message: string;
}

/** The Events about one object, as the cluster's events API lists them (by involvedObject.uid). */
async function clusterEventsAbout(namespace: string, uid: string): Promise<ClusterEvent[]> {
  const list = JSON.parse(await kubectl('get', 'events', '-n', namespace, '--field-selector', `involvedObject.uid=${uid}`, '-o', 'json')) as { items: ClusterEvent[] };
  return list.items.map((e) => ({ reason: e.reason, message: e.message }));
}

/** The Events the panel lists, as reason and message. */
function panelEvents(): Promise<ClusterEvent[]> {
  return page.getByTestId('object-event').evaluateAll((items) =>
    items.map((item) => ({ reason: item.querySelector('.event-head .strong')?.textContent ?? '', message: item.querySelector('.event-message')?.textContent ?? '' })),
  );
}

const key = (e: ClusterEvent) => `${e.reason}: ${e.message}`;

/** The uid of the pod the cluster has under this name now; null once it has none (kubectl: NotFound). */
async function uidInCluster(namespace: string, name: string): Promise<string | null> {
  try {
    return (await kubectl('get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.metadata.uid}')).trim();
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('NotFound')) return null;
    throw error;
  }
}

/** Waits for the open panel to show the YAML of the object with this uid. */
async function yamlOf(uid: string): Promise<void> {
  await until(`the YAML of ${uid}`, async () => ((await page.getByTestId('object-yaml').count()) ? ((await page.getByTestId('object-yaml').textContent()) ?? '') : ''), (text) => text.includes(`uid: ${uid}`));
}

/** `kubectl delete` with a grace period: the pod is Terminating for 2 s, then goes. */
async function deleteGracefully(pod: Pod): Promise<void> {
  await kubectl('delete', 'pod', pod.metadata.name, '-n', pod.metadata.namespace, '--grace-period=2', '--wait=false');
}

/**
 * Deletes the pod open in the panel and, once the cluster has no pod of that name, checks the
 * panel against the cluster: marked deleted, its last YAML, and every Event the cluster has about
 * it, the Killing of each container included.
 */
async function expectDeletedPodKeptInThePanel(pod: Pod, shot: string): Promise<void> {
  const { name, namespace, uid } = pod.metadata;
  await deleteGracefully(pod);
  await until(`${name} to be gone from the cluster`, () => uidInCluster(namespace, name), (now) => now === null);
  const truth = await clusterEventsAbout(namespace, uid);
  expect(truth.filter((e) => e.reason === 'Killing').map((e) => e.message).sort()).toEqual(pod.spec.containers.map((c) => `Stopping container ${c.name}`).sort());

  // Still open, on the deleted object: its last known state, the Terminating one.
  await page.getByTestId('object-deleted').waitFor(wait);
  const yaml = (await page.getByTestId('object-yaml').textContent())!;
  expect(yaml).toContain(`uid: ${uid}`);
  expect(yaml).toContain('deletionTimestamp:');
  await until(`the panel to list the cluster's ${truth.length} events about the deleted ${name}`, panelEvents, (shown) => truth.every((e) => shown.map(key).includes(key(e))));
  expect((await panelEvents()).filter((e) => e.reason === 'Killing')).toHaveLength(pod.spec.containers.length);
  // Marked deleted, with the time it went.
  expect(await page.getByTestId('object-deleted').textContent()).toMatch(new RegExp(`^Deleted from the cluster at \\d\\d:\\d\\d:\\d\\d \\(\\d+s ago\\)\\. What is shown of ${namespace}/${name} is its last known state \\(resourceVersion \\S+\\)`));
  expect(await page.getByTestId('object-panel').getAttribute('data-uid')).toBe(uid);
  expect(await page.locator('[role=alert]').count()).toBe(0);
  await screenshot(page, shot);
}

test('aPodDeletedWhileItsPanelIsOpenStaysMarkedDeletedWithItsLastYamlAndItsEventsKillingIncluded', async () => {
  const pod = aRunningPod('shop', 'ReplicaSet');
  await page.goto(`${backend.url}#/r/core/v1/pods?ns=shop&sel=shop/${pod.metadata.name}`);
  await yamlOf(pod.metadata.uid);
  await page.getByTestId('object-events').waitFor(wait);
  await expectDeletedPodKeptInThePanel(pod, 'deleted-object-resource');
});

test('thePodsViewsYamlPanelKeepsADeletedPodTheSameWay', async () => {
  const pod = aRunningPod('shop', 'ReplicaSet');
  await page.goto(`${backend.url}#/pods?ns=shop&sel=shop/${pod.metadata.name}`);
  await page.getByTestId('panel-yaml').click(wait);
  await yamlOf(pod.metadata.uid);
  await expectDeletedPodKeptInThePanel(pod, 'deleted-object-pods');
});

test('aDescribePageOfAPodDeletedWhileOpenStaysOnItMarkedDeletedWithItsEvents', async () => {
  const pod = aRunningPod('shop', 'ReplicaSet');
  const { name, namespace, uid } = pod.metadata;
  await page.goto(`${backend.url}#/describe/core/v1/pods?sel=${namespace}/${name}`);
  await until('the Describe page of the pod', () => page.getByTestId('describe').getAttribute('data-uid'), (shown) => shown === uid);
  await page.getByTestId('describe-containers').waitFor(wait);
  await deleteGracefully(pod);
  await until(`${name} to be gone from the cluster`, () => uidInCluster(namespace, name), (now) => now === null);
  const truth = await clusterEventsAbout(namespace, uid);
  expect(truth.some((e) => e.reason === 'Killing')).toBe(true);
  await page.getByTestId('object-deleted').waitFor(wait);
  // Still the deleted pod, as last read, with every Event the cluster has about it.
  expect(await page.getByTestId('describe').getAttribute('data-uid')).toBe(uid);
  expect(await page.getByTestId('describe-containers').count()).toBe(1);
  // Not said to be Running: deleted, with what it was last seen as; its owner still named.
  expect(await page.getByTestId('describe-status').textContent()).toMatch(/^Deleted · last seen /);
  expect(await page.getByTestId('describe-owner').textContent()).toBe(`ReplicaSet/${pod.metadata.ownerReferences![0]!.name}`);
  await until(`the ${truth.length} events about the deleted ${name}`, panelEvents, (shown) => truth.every((e) => shown.map(key).includes(key(e))));
  expect(await page.locator('[role=alert]').count()).toBe(0);
  await screenshot(page, 'deleted-object-describe');
});

test('aPodCreatedAgainUnderTheOpenNameIsShownAsTheNewObjectWithItsOwnEvents', async () => {
  // A StatefulSet brings its ordinal back under the same name, with a new uid, once the old pod is gone.
  const pod = aRunningPod('data', 'StatefulSet');
  const { name, namespace, uid } = pod.metadata;
  await page.goto(`${backend.url}#/r/core/v1/pods?ns=${namespace}&sel=${namespace}/${name}`);
  await yamlOf(uid);
  await deleteGracefully(pod);
  const recreated = await until(`${name} to be created again`, () => uidInCluster(namespace, name), (now) => now !== null && now !== uid);
  await yamlOf(recreated!);
  // Its own Events, as the cluster lists them, and none of the deleted one's (its Killing).
  await until(
    `the panel to list the events about the new ${name}, and only those`,
    async () => ({ shown: (await panelEvents()).map(key).sort(), truth: (await clusterEventsAbout(namespace, recreated!)).map(key).sort() }),
    (v) => v.truth.length > 0 && JSON.stringify(v.shown) === JSON.stringify(v.truth),
  );
  expect((await clusterEventsAbout(namespace, uid)).some((e) => e.reason === 'Killing')).toBe(true);
  expect((await panelEvents()).some((e) => e.reason === 'Killing')).toBe(false);
  // Not marked deleted: said to be a new object that took the name of the deleted one.
  expect(await page.getByTestId('object-deleted').count()).toBe(0);
  expect(await page.getByTestId('object-panel').getAttribute('data-uid')).toBe(recreated);
  const replaced = page.getByTestId('object-replaced');
  expect(await replaced.getAttribute('data-replaced')).toBe(uid);
  expect(await replaced.getAttribute('data-uid')).toBe(recreated);
  await screenshot(page, 'deleted-object-recreated');
});

test('aDeletedPodsLogsPanelAsksNothingMoreOfThePod', async () => {
  // The views drop a deleted pod's restarts (no longer known); the logs panel read the pod object
  // again for its container runs when they went, and the cluster answered 404: a console error,
  // and a request for an object the panel already said was gone.
  const pod = aRunningPod('shop', 'ReplicaSet');
  const { name, namespace } = pod.metadata;
  const objectPath = `/api/v1/object/pods/${namespace}/${name}`;
  const reads: { url: string; at: number }[] = [];
  const listener = (request: { url(): string }) => {
    const url = request.url();
    if (url.includes(objectPath) || url.includes('/api/v1/logs/previous')) reads.push({ url, at: Date.now() });
  };
  page.on('request', listener);
  try {
    await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
    await page.getByTestId('logs-panel').waitFor(wait);
    const heldLines = async () => page.locator('[data-testid=log-lines] .log-line').count();
    await until(`${name}'s log lines`, heldLines, (count) => count > 0);
    const errorsBefore = errors.length;

    await deleteGracefully(pod);
    await until(`${name} to be gone from the cluster`, () => uidInCluster(namespace, name), (now) => now === null);
    await page.getByTestId('logs-ended').waitFor(wait);
    const endedAt = Date.now();
    // Past any read the deletion would have started, and the page's events reaching this process.
    await page.waitForTimeout(3000);
    expect(reads.filter((r) => r.at >= endedAt - 1000).map((r) => r.url)).toEqual([]);
    expect(errors.slice(errorsBefore).filter((e) => e.includes(objectPath))).toEqual([]);
    // Still the lines it held, and no previous run offered that could no longer be read.
    expect(await heldLines()).toBeGreaterThan(0);
    expect(await page.getByTestId('log-previous').count()).toBe(0);
  } finally {
    page.off('request', listener);
  }
});

test('aLogsAddressForAPodTheClusterDoesNotHaveSaysSoAndAsksNothingOfIt', async () => {
  // Opened by address after the pod went, or for one that never was: nothing to hold, so no panel,
  // but the address still names it; the page says so rather than showing the list as if nothing was asked.
  const namespace = 'shop';
  const name = 'cart-0000000000-gone1';
  expect(await uidInCluster(namespace, name)).toBeNull();
  const reads: string[] = [];
  const listener = (request: { url(): string }) => {
    if (request.url().includes(name)) reads.push(request.url());
  };
  page.on('request', listener);
  try {
    await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
    await page.getByTestId('pod-missing').waitFor(wait);
    expect(await page.getByTestId('pod-missing').textContent()).toContain(`${namespace}/${name} is not among the pods in ${namespace}`);
    expect(await page.getByTestId('logs-panel').count()).toBe(0);
    await page.waitForTimeout(2000);
    expect(reads).toEqual([]);
    await screenshot(page, 'pod-missing');
    // Closing it clears the address's selection, as closing a panel does.
    await page.getByTestId('pod-missing').getByRole('button', { name: 'Close' }).click();
    await until('the note to go', () => page.getByTestId('pod-missing').count(), (n) => n === 0);
    expect(page.url()).not.toContain(name);
  } finally {
    page.off('request', listener);
  }
});

test('thePageThrewNothing', () => {
  // Not even a 404 for the logs of the pod deleted under its panel: the backend's follower takes
  // the pod's 404 as the end of its log (the kubelet deleted it), not as trouble that would make
  // the page read the log itself (adapters/kube/logs.ts).
  expect(errors).toEqual([]);
});
