/**
 * The `lag-watches` fault from a client's side of the wire: every watch line, bookmarks
 * included, arrives the fault's `ms` late and in order; the watch's deadline is its own; clearing
 * the fault sends what waits at once; bad values are refused and change nothing; and past
 * `maxLaggingLines` waiting in the process a watch is closed rather than held.
 *
 * Only lower bounds on time are asserted (a line cannot arrive before it is due, however loaded
 * the machine), and the waits are generous.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { maxLaggingLines, waitingLagLines } from '../../demo-cluster/watch.js';
import { call, waitUntil, watch, type OpenWatch } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  // No churn, so every change is the test's own; a bookmark every second on watches that allow them.
  cluster = await startDemoCluster({ seed: 5, churn: 0, bookmarkIntervalMs: 1_000, metrics: false });
});
afterAll(() => cluster.stop());
/** Watches a test opened: closed after it, so a failed test leaves no lines waiting for the next. */
const opened: OpenWatch[] = [];
afterEach(() => {
  cluster.faults.clear();
  for (const w of opened.splice(0)) w.close();
});

const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

async function labelNode(value: string): Promise<void> {
  const r = await call(cluster, '/api/v1/nodes/demo-worker-1', { method: 'PATCH', body: JSON.stringify({ metadata: { labels: { lag: value } } }), headers: mergePatch });
  expect(r.status).toBe(200);
}

async function nodesWatch(query = ''): Promise<OpenWatch> {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  const w = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true${query}`);
  opened.push(w);
  return w;
}

async function setFault(body: object): Promise<{ status: number; message?: string }> {
  const r = await call(cluster, '/_demo/faults', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, token: null });
  return { status: r.status, message: (r.json() as { message?: string }).message };
}

test('lagWatchesSendsEveryLineItsLagLateAndInOrderBookmarksIncluded', async () => {
  const lag = 2_500;
  const lagged = await nodesWatch();
  const deployments = (await call(cluster, '/apis/apps/v1/deployments')).json();
  const prompt = await watch(cluster, `/apis/apps/v1/deployments?watch=true&resourceVersion=${deployments.metadata.resourceVersion}`);
  opened.push(prompt);
  const { namespace, name } = deployments.items[0].metadata as { namespace: string; name: string };
  // Bookmarks flow before the fault: this watch gets the periodic ones.
  await lagged.waitFor((e) => e.type === 'BOOKMARK');
  const before = lagged.events.length;
  const t0 = performance.now();
  expect((await setFault({ fault: 'lag-watches', resource: 'nodes', ms: lag })).status).toBe(200);
  for (let i = 1; i <= 5; i++) await labelNode(`step-${i}`);
  // A resource out of the fault's scope still delivers.
  const unscoped = await call(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, { method: 'PATCH', body: '{"metadata":{"labels":{"lag":"unscoped"}}}', headers: mergePatch });
  expect(unscoped.status).toBe(200);
  await prompt.waitFor((e) => e.object.metadata?.labels?.lag === 'unscoped');
  // The fifth change, and a bookmark written after the fault was set.
  await lagged.waitFor((e) => e.object.metadata?.labels?.lag === 'step-5');
  await lagged.waitFor((e) => e.type === 'BOOKMARK' && lagged.events.indexOf(e) >= before);
  const after = lagged.events.slice(before);
  const arrivals = lagged.arrivals.slice(before);
  // Nothing written after the fault was set arrived before its lag had passed ...
  expect(Math.min(...arrivals) - t0).toBeGreaterThanOrEqual(lag);
  // ... and it arrived in the order it was written: the changes in sequence, the bookmarks in
  // place (the demo's resourceVersions are its own counter, so the test may read them as numbers).
  const steps = after.filter((e) => e.type === 'MODIFIED').map((e) => e.object.metadata.labels.lag);
  expect(steps).toEqual(['step-1', 'step-2', 'step-3', 'step-4', 'step-5']);
  const versions = after.map((e) => Number(e.object.metadata.resourceVersion));
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(after.some((e) => e.type === 'BOOKMARK')).toBe(true);
  lagged.close();
  prompt.close();
});

test('aLaggingWatchEndsAtItsOwnDeadlineAndWhatWaitedIsDropped', async () => {
  const lag = 10_000;
  cluster.faults.set({ fault: 'lag-watches', resource: 'nodes', ms: lag });
  const opened = performance.now();
  const lagged = await nodesWatch('&timeoutSeconds=1');
  await labelNode('before-deadline');
  await waitUntil(() => waitingLagLines() > 0, 'the change waits out its lag');
  await lagged.ended;
  // Ended at its one-second deadline, well before the lag: the deadline was not delayed ...
  expect(performance.now() - opened).toBeLessThan(lag);
  // ... and what still waited was dropped with it, and left the process's budget.
  expect(lagged.events).toEqual([]);
  expect(waitingLagLines()).toBe(0);
});

test('clearingTheFaultSendsWhatWaitsAtOnceAndInOrder', async () => {
  const lagged = await nodesWatch();
  cluster.faults.set({ fault: 'lag-watches', resource: 'nodes', ms: 60_000 });
  await labelNode('cleared-1');
  await labelNode('cleared-2');
  await waitUntil(() => waitingLagLines() >= 2, 'both changes wait out their lag');
  expect(lagged.events.filter((e) => e.type === 'MODIFIED')).toEqual([]);
  cluster.faults.clear();
  // Far sooner than the minute they were due in: sent when the fault was cleared.
  await lagged.waitFor((e) => e.object.metadata?.labels?.lag === 'cleared-2', 10_000);
  expect(lagged.events.filter((e) => e.type === 'MODIFIED').map((e) => e.object.metadata.labels.lag)).toEqual(['cleared-1', 'cleared-2']);
  expect(waitingLagLines()).toBe(0);
  // Lines written after the fault is gone go out at once again.
  await labelNode('cleared-3');
  await lagged.waitFor((e) => e.object.metadata?.labels?.lag === 'cleared-3', 10_000);
  lagged.close();
});

test('badLagValuesAreRefusedWithTheReasonAndChangeNothing', async () => {
  expect((await setFault({ fault: 'lag-watches', resource: 'pods', ms: 250 })).status).toBe(200);
  const cases: [object, string][] = [
    [{ fault: 'lag-watches' }, 'the lag-watches fault needs "ms", the lag in milliseconds from 1 to 60000'],
    [{ fault: 'lag-watches', ms: 0 }, 'ms must be a whole number from 1 to 60000'],
    [{ fault: 'lag-watches', ms: 60_001 }, 'ms must be a whole number from 1 to 60000'],
    [{ fault: 'lag-watches', ms: 1.5 }, 'ms must be a whole number from 1 to 60000'],
    [{ fault: 'lag-watches', ms: '500' }, 'ms must be a whole number from 1 to 60000'],
    [{ fault: 'lag-watches', resource: 'pods', ms: -1 }, 'ms must be a whole number from 1 to 60000'],
  ];
  for (const [body, message] of cases) {
    const r = await setFault(body);
    expect({ body, status: r.status, message: r.message }).toEqual({ body, status: 400, message });
  }
  // The one good fault is still the only one, with its lag.
  expect((await call(cluster, '/_demo/faults', { token: null })).json().faults).toEqual([{ fault: 'lag-watches', resource: 'pods', ms: 250, since: expect.any(String) }]);
  // The in-process switch checks the same way.
  expect(() => cluster.faults.set({ fault: 'lag-watches', ms: 0 })).toThrow('ms must be a whole number from 1 to 60000');
  expect(cluster.faults.list()).toHaveLength(1);
  // The edges are accepted.
  expect((await setFault({ fault: 'lag-watches', ms: 1 })).status).toBe(200);
  expect((await setFault({ fault: 'lag-watches', ms: 60_000 })).status).toBe(200);
});

describe('the process-wide cap', () => {
  let big: DemoCluster;
  beforeAll(async () => {
    big = await startDemoCluster({ seed: 6, pods: 30_000, churn: 0, metrics: false });
  });
  afterAll(() => big.stop());

  /** Every pod of the cluster as ADDED (no resourceVersion), metadata only to spare memory. */
  const podsWatch = () => watch(big, '/api/v1/pods?watch=true', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');

  test('aWatchWhoseLinesWouldPassTheCapIsClosedCleanlyAndTheOthersKeepTheirs', async () => {
    const pods = big.listObjects('pods').length;
    expect(pods).toBeGreaterThan(maxLaggingLines / 2);
    expect(2 * pods).toBeGreaterThan(maxLaggingLines);
    big.faults.set({ fault: 'lag-watches', resource: 'pods', ms: 60_000 });
    const first = await podsWatch();
    opened.push(first);
    await waitUntil(() => waitingLagLines() === pods, 'the first watch has every pod waiting', 30_000);
    // The second would take the process past the cap: it is closed, with nothing sent ...
    const second = await podsWatch();
    await second.ended;
    expect(second.status).toBe(200);
    expect(second.events).toEqual([]);
    // ... its waiting lines gone with it, the first's untouched and still waiting, never over the cap.
    expect(waitingLagLines()).toBe(pods);
    expect(first.isEnded()).toBe(false);
    expect(first.events).toEqual([]);
    // Cleared: the first watch gets every pod, in the order it was written.
    big.faults.clear();
    await first.waitFor(() => first.events.length >= pods, 30_000);
    expect(first.events.every((e) => e.type === 'ADDED')).toBe(true);
    const names = (big.listObjects('pods') as { metadata: { namespace: string; name: string } }[]).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(first.events.map((e) => `${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual(names);
    expect(waitingLagLines()).toBe(0);
    first.close();
  }, 90_000);
});
