/**
 * Which list the backend makes, against the demo cluster over real sockets: a streaming list
 * where it can, and a paginated one whenever a streaming list could stall with the cluster's
 * watches: when one went silent (replaced at once), for a while after that (the suspicion), after
 * the upstream's watch lapsed, when a fresh read is waiting on it, and when the server never ends
 * the initial events (a server that ignores sendInitialEvents). Each answer holds what the
 * cluster holds and says why it was not streamed.
 */
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { listAll, listCollection, objectCollection, tableCollection, tablesPagedBecause, type ListCollectionOptions } from '../../../adapters/kube/listWatch.js';
import { nodeRow, podRow } from '../../../adapters/kube/rows.js';
import type { RowBase } from '../../../adapters/rows.js';
import { GiveWaySignal, StreamingListSuspects, streamList, suspectForMs } from '../../../adapters/kube/streamingList.js';
import { tableAccept } from '../../../adapters/kube/tableRows.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';
import { call, waitUntil } from '../../demo-cluster/client.js';

const pods = objectCollection('/api/v1/pods', podRow);
const nodes = objectCollection('/api/v1/nodes', nodeRow);
/** Longer than any test here runs: a streaming list that waited out its silence would fail the test by timing out. */
const neverSilentMs = 120_000;

let cluster: DemoCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 31, nodes: 3, pods: 300, churn: 0 });
  client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
});
afterAll(async () => {
  client.close();
  await cluster.stop();
});
afterEach(() => cluster.faults.clear());

/** A clock the suspicions read, moved by hand. */
function handClock(): { now: () => number; advance: (ms: number) => void } {
  let at = Date.parse('2026-11-30T12:00:00Z');
  return { now: () => at, advance: (ms) => void (at += ms) };
}

const podCount = () => cluster.listObjects('pods').length;
/** Rows or objects as sorted `uid@resourceVersion`: equal when they hold the same objects at the same versions. */
const versionsOf = (rows: readonly unknown[]): string[] => (rows as readonly Pick<RowBase, 'uid' | 'resourceVersion'>[]).map((r) => `${r.uid}@${r.resourceVersion}`).sort();
const podLists = () => cluster.requestCounts()['GET /api/v1/pods'] ?? 0;

test('streamsWhereTheClusterServesIt', async () => {
  const listed = await listCollection(client, pods, { streamSilenceMs: neverSilentMs, suspects: new StreamingListSuspects() });
  expect({ mode: listed.mode, pagedBecause: listed.pagedBecause, rows: listed.rows.length }).toEqual({ mode: 'streaming', pagedBecause: null, rows: podCount() });
});

const clusterVersions = (resource: string) => versionsOf((cluster.listObjects(resource) as { metadata: { uid: string; resourceVersion: string } }[]).map((o) => o.metadata));
/** The column names the API server prints a collection under, read from it directly. */
async function printedColumns(path: string): Promise<string[]> {
  const table = (await call(cluster, `${path}?limit=1`, { headers: { Accept: tableAccept } })).json<{ columnDefinitions: { name: string }[] }>();
  return table.columnDefinitions.map((c) => c.name);
}

test('aTableCollectionListsInPagesWithoutOpeningAStreamingList', async () => {
  const lists = () => cluster.requestCounts()['GET /api/v1/configmaps'] ?? 0;
  const before = lists();
  const listed = await listCollection(client, tableCollection('/api/v1/configmaps'), { streamSilenceMs: neverSilentMs, suspects: new StreamingListSuspects() });
  expect({ mode: listed.mode, pagedBecause: listed.pagedBecause }).toEqual({ mode: 'paginated', pagedBecause: tablesPagedBecause });
  // One page holds them all: no watch was opened before it.
  expect(lists() - before).toBe(1);
  expect(versionsOf(listed.rows as unknown as { uid: string; resourceVersion: string }[])).toEqual(clusterVersions('configmaps'));
  expect(listed.columns?.map((c) => c.name)).toEqual(await printedColumns('/api/v1/configmaps'));
});

test('aTableWatchStreamsTheRowsAndColumnsTheClusterHolds', async () => {
  // Table collections list in pages, but a Table watch still reads as a streaming list where one is asked for.
  const streamed = await streamList(client, tableCollection('/api/v1/configmaps'), neverSilentMs);
  expect(streamed?.mode).toBe('streaming');
  expect(streamed!.rows.length).toBeGreaterThan(0);
  expect(versionsOf(streamed!.rows as unknown as { uid: string; resourceVersion: string }[])).toEqual(clusterVersions('configmaps'));
  expect(streamed!.columns?.map((c) => c.name)).toEqual(await printedColumns('/api/v1/configmaps'));
});

/**
 * A server that sends initial events for ever would fill the backend's memory: the list fails
 * once it passes its row bound. The real bound is a million rows; a smaller one asked of the same
 * code shows the cut without a million events.
 */
test('aStreamingListPastItsRowBoundFailsSayingSo', async () => {
  const bound = Math.floor(podCount() / 3);
  expect(bound).toBeGreaterThan(0);
  await expect(streamList(client, pods, neverSilentMs, { rowBound: bound })).rejects.toThrow(`the streaming list of /api/v1/pods passed ${bound} rows, the most kubelive holds for one collection`);
  // At exactly the cluster's count it is within the bound and lists every pod.
  const whole = await streamList(client, pods, neverSilentMs, { rowBound: podCount() });
  expect(whole?.rows).toHaveLength(podCount());
});

test('anEmptyTableCollectionTakesItsColumnsFromTheEndBookmark', async () => {
  const none = tableCollection('/api/v1/namespaces/no-such-namespace/configmaps');
  const streamed = (await streamList(client, none, neverSilentMs))!;
  expect(streamed.mode).toBe('streaming');
  expect(streamed.rows).toEqual([]);
  expect(streamed.columns).toEqual((await listAll(client, none)).columns);
  expect(streamed.columns?.length ?? 0).toBeGreaterThan(0);
});

test('aSilentStreamingListIsReplacedByPagesAndItsCollectionIsSuspectUntilTheSuspicionExpires', async () => {
  const clock = handClock();
  const suspects = new StreamingListSuspects(clock.now);
  const told: string[] = [];
  const pieces: Array<{ rows: number; restarted: boolean }> = [];
  const options: ListCollectionOptions = {
    streamSilenceMs: 300,
    suspects,
    onStreamingFailed: (message) => told.push(message),
    onPage: (rows, restarted) => pieces.push({ rows: rows.length, restarted }),
  };
  cluster.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const replaced = await listCollection(client, pods, options);
  expect(replaced.mode).toBe('paginated after streaming failed');
  expect(replaced.pagedBecause).toMatch(/sent nothing for 300 ms/);
  expect(replaced.rows).toHaveLength(podCount());
  // Told before the pages, which start over from nothing.
  expect(told).toEqual([expect.stringMatching(/^streaming list failed, listing in pages instead: .*sent nothing for 300 ms/)]);
  expect(pieces[0]).toEqual({ rows: 0, restarted: true });

  // Watches answer again, but this collection is still suspect: pages, saying why and until when.
  cluster.faults.clear();
  const before = podLists();
  const suspect = await listCollection(client, pods, options);
  expect(suspect.mode).toBe('paginated');
  expect(suspect.pagedBecause).toContain('a streaming list of this collection failed at 2026-11-30T12:00:00.000Z');
  expect(suspect.pagedBecause).toContain(`in pages until ${new Date(clock.now() + suspectForMs).toISOString()}`);
  // One page of 300 pods: no streaming list was opened first.
  expect(podLists() - before).toBe(1);
  // Another collection of the same cluster is not suspect.
  expect((await listCollection(client, nodes, options)).mode).toBe('streaming');

  clock.advance(suspectForMs);
  expect((await listCollection(client, pods, options)).mode).toBe('streaming');
  expect(told).toHaveLength(1);
});

test('aStreamingListThatNeverStartsIsReportedAndReplacedByPages', async () => {
  const told: string[] = [];
  const slowStart = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }), { timeouts: () => ({ readMs: 5_000, writeMs: 5_000, watchStartMs: 300 }) });
  try {
    cluster.faults.set({ fault: 'blackhole-watches', resource: 'pods' });
    const listed = await listCollection(slowStart, pods, { streamSilenceMs: neverSilentMs, suspects: new StreamingListSuspects(), onStreamingFailed: (message) => told.push(message) });
    expect(listed.mode).toBe('paginated after streaming failed');
    expect(listed.rows).toHaveLength(podCount());
    expect(told).toEqual([expect.stringMatching(/did not start answering within 300 ms/)]);
    expect(slowStart.timedOut.watchStart).toBe(1);
  } finally {
    slowStart.close();
  }
});

test('afterTheWatchLapsedItListsInPagesWithoutTryingAStreamingList', async () => {
  cluster.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const before = podLists();
  const listed = await listCollection(client, pods, { streamSilenceMs: neverSilentMs, suspects: new StreamingListSuspects(), watchLapsed: true });
  expect(listed.mode).toBe('paginated');
  expect(listed.pagedBecause).toMatch(/last watch lapsed/);
  expect(listed.rows).toHaveLength(podCount());
  expect(podLists() - before).toBe(1);
});

test('aStreamingListGivesWayToPagesWhenAFreshReadIsWaitingAndIsNotHeldAgainstItsCollection', async () => {
  const suspects = new StreamingListSuspects();
  const giveWay = new GiveWaySignal();
  cluster.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const listing = listCollection(client, pods, { streamSilenceMs: neverSilentMs, suspects, giveWay });
  await waitUntil(() => cluster.openWatches() > 0, 'the streaming list to open');
  giveWay.fire();
  const listed = await listing;
  expect(listed.mode).toBe('paginated');
  expect(listed.pagedBecause).toMatch(/fresh read was waiting/);
  expect(listed.rows).toHaveLength(podCount());
  // The stream ended because of us, not the cluster: the collection is not suspect.
  expect(suspects.size(client)).toBe(0);
  // A signal fired with no streaming list in flight changes nothing.
  giveWay.fire();
  cluster.faults.clear();
  expect((await listCollection(client, pods, { streamSilenceMs: neverSilentMs, suspects, giveWay })).mode).toBe('streaming');
});

test('suspicionsAreBoundedPerClusterAndTheOldestGoesFirst', () => {
  const suspects = new StreamingListSuspects(Date.now, suspectForMs, 3);
  const collection = (n: number) => objectCollection(`/api/v1/namespaces/ns-${n}/pods`, podRow);
  for (let n = 0; n < 5; n++) suspects.mark(client, collection(n), `cut ${n}`);
  expect(suspects.size(client)).toBe(3);
  expect(suspects.suspicion(client, collection(0))).toBeNull();
  expect(suspects.suspicion(client, collection(1))).toBeNull();
  expect(suspects.suspicion(client, collection(4))?.reason).toBe('cut 4');
  // Marked again, a suspicion is the newest: the next one to go is another's.
  suspects.mark(client, collection(2), 'cut again');
  suspects.mark(client, collection(5), 'cut 5');
  expect(suspects.suspicion(client, collection(2))?.reason).toBe('cut again');
  expect(suspects.suspicion(client, collection(3))).toBeNull();
});

/**
 * A server that does not know streaming lists (the demo's `ignore-initial-events` fault): it
 * serves the plain watch, every current object as ADDED and then the changes, and never the
 * initial-events-end bookmark. Its periodic bookmarks still come, here every second: more often
 * than the silence bound, as a server bookmarking more often than kube-apiserver's once a minute
 * would send them.
 */
describe('a server that ignores sendInitialEvents', () => {
  let ignoring: DemoCluster;
  let ignoringClient: KubeClient;
  beforeAll(async () => {
    ignoring = await startDemoCluster({ seed: 32, nodes: 3, pods: 300, churn: 0, bookmarkIntervalMs: 1000 });
    ignoringClient = new KubeClient(loadKubeConfig({ kubeconfigYaml: ignoring.kubeconfigYaml }));
  });
  afterAll(async () => {
    ignoringClient.close();
    await ignoring.stop();
  });
  afterEach(() => ignoring.faults.clear());

  /**
   * GETs of a collection the cluster has taken. The one a streaming list makes is answered in the
   * turn it is counted: the watch is open and every ADDED written before the test looks again.
   */
  const requestsFor = (path: string) => ignoring.requestCounts()[`GET ${path}`] ?? 0;
  /** What the cluster itself holds, as the uid and resourceVersion pairs rows carry. */
  const clusterVersions = (resource: string) => versionsOf((ignoring.listObjects(resource) as { metadata: RowBase }[]).map((o) => o.metadata));

  test('aQuietClusterIsCaughtBySilenceDespiteItsBookmarksAndListedInPages', async () => {
    const suspects = new StreamingListSuspects();
    const told: string[] = [];
    ignoring.faults.set({ fault: 'ignore-initial-events', resource: 'pods' });
    const listed = await listCollection(ignoringClient, pods, { streamSilenceMs: 1500, suspects, onStreamingFailed: (message) => told.push(message) });
    expect(listed.mode).toBe('paginated after streaming failed');
    expect(listed.pagedBecause).toBe('the streaming list sent nothing for 1500 ms but bookmarks without the initial-events-end annotation, as a server that ignores sendInitialEvents does');
    expect(told).toEqual([`streaming list failed, listing in pages instead: ${listed.pagedBecause}`]);
    expect(versionsOf(listed.rows)).toEqual(clusterVersions('pods'));
    expect(suspects.suspicion(ignoringClient, pods)?.reason).toBe(listed.pagedBecause);
  }, 30_000);

  test('aChangeBeforeTheEndBookmarkFailsTheStreamAtOnceAndThePagesHoldTheChange', async () => {
    const suspects = new StreamingListSuspects();
    // Nodes, as whole objects (a Table collection lists in pages and never streams); a node can be patched.
    ignoring.faults.set({ fault: 'ignore-initial-events', resource: 'nodes' });
    const started = Date.now();
    // A silence bound the test outlasts: only the change can end this stream in time.
    const before = requestsFor('/api/v1/nodes');
    const listing = listCollection(ignoringClient, nodes, { streamSilenceMs: 30_000, suspects });
    await waitUntil(() => requestsFor('/api/v1/nodes') > before, 'the streaming list to open');
    // The change comes after the ADDEDs on the stream.
    const [first] = ignoring.listObjects('nodes') as { metadata: { name: string } }[];
    const patched = await call(ignoring, `/api/v1/nodes/${first!.metadata.name}`, {
      method: 'PATCH',
      body: '{"metadata":{"annotations":{"probe":"before-the-end-bookmark"}}}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    const listed = await listing;
    expect(listed.mode).toBe('paginated after streaming failed');
    expect(listed.pagedBecause).toBe('the streaming list sent MODIFIED before its initial-events-end bookmark');
    // Generous: the silence bound is twice this.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(suspects.suspicion(ignoringClient, nodes)?.reason).toBe(listed.pagedBecause);
    // The pages were read after the change, which they hold.
    expect(versionsOf(listed.rows)).toEqual(clusterVersions('nodes'));
    expect(versionsOf(listed.rows)).toContain(`${patched.json().metadata.uid}@${patched.json().metadata.resourceVersion}`);
  }, 60_000);

  test('aStreamThatEndsBeforeTheEndBookmarkIsNotTakenForAList', async () => {
    const suspects = new StreamingListSuspects();
    ignoring.faults.set({ fault: 'ignore-initial-events', resource: 'pods' });
    const before = requestsFor('/api/v1/pods');
    const listing = listCollection(ignoringClient, pods, { streamSilenceMs: 30_000, suspects });
    await waitUntil(() => requestsFor('/api/v1/pods') > before, 'the streaming list to open');
    // The server ends the watch, as a real one does at its timeout, and no end bookmark came.
    ignoring.faults.set({ fault: 'drop-watches', resource: 'pods' });
    const listed = await listing;
    expect(listed.mode).toBe('paginated after streaming failed');
    expect(listed.pagedBecause).toBe('the streaming list ended before its initial-events-end bookmark');
    expect(versionsOf(listed.rows)).toEqual(clusterVersions('pods'));
    expect(suspects.suspicion(ignoringClient, pods)?.reason).toBe(listed.pagedBecause);
  }, 60_000);
});
