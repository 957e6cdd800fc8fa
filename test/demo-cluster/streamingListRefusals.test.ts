/**
 * Streaming lists as kube-apiserver serves them (the API concepts page, "Streaming lists"): the
 * initial events end with the annotated bookmark only when bookmarks were allowed, the options a
 * real server refuses are refused with 422 Invalid, and a cluster started without the WatchList
 * feature refuses every streaming list while plain watches and lists still work. A server that
 * does not know the options at all (the `ignore-initial-events` fault) refuses nothing.
 */
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { call, watch } from './client.js';

let cluster: DemoCluster;
let withoutWatchList: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21, bookmarkIntervalMs: 1000 });
  withoutWatchList = await startDemoCluster({ seed: 21, bookmarkIntervalMs: 1000, watchList: false });
});
afterAll(async () => {
  await cluster.stop();
  await withoutWatchList.stop();
});

const streaming = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan';

test('sendInitialEventsWithoutNotOlderThanIsInvalid', async () => {
  for (const query of ['watch=true&sendInitialEvents=true', 'watch=true&sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=1']) {
    const reply = await call(cluster, `/api/v1/nodes?${query}`);
    expect(reply.status).toBe(422);
    expect(reply.json()).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  }
});

test('resourceVersionMatchOnAWatchWithoutSendInitialEventsIsInvalid', async () => {
  const reply = await call(cluster, '/api/v1/nodes?watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=1');
  expect(reply.status).toBe(422);
});

test('sendInitialEventsOnAPlainListIsRefused', async () => {
  const reply = await call(cluster, '/api/v1/nodes?sendInitialEvents=true');
  expect(reply.status).toBe(400);
});

test('theInitialEventsEndIsNotSentWhenBookmarksWereNotAllowed', async () => {
  const w = await watch(cluster, `/api/v1/nodes?${streaming}`);
  const count = cluster.listObjects('nodes').length;
  await w.waitFor(() => w.events.length >= count);
  // Another turn or two for a bookmark that should not come.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(w.events.map((e) => e.type)).toEqual(new Array(count).fill('ADDED'));
  w.close();
});

test('aStreamingListFromAResourceVersionSendsTheCurrentObjectsAndAnEndNoOlder', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion as string;
  const w = await watch(cluster, `/api/v1/nodes?${streaming}&allowWatchBookmarks=true&resourceVersion=${rv}`);
  const end = await w.waitFor((e) => e.type === 'BOOKMARK');
  expect(end.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  expect(Number(end.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  expect(w.events.indexOf(end)).toBe(cluster.listObjects('nodes').length);
  w.close();
  // A version the server has not reached yet is refused, never waited on for ever.
  const tooNew = await call(cluster, `/api/v1/nodes?${streaming}&allowWatchBookmarks=true&resourceVersion=${Number(rv) + 1_000_000}`);
  expect(tooNew.status).toBe(504);
});

test('withoutTheWatchListFeatureStreamingListsAreRefusedAndPlainReadsStillServed', async () => {
  const refused = await call(withoutWatchList, `/api/v1/pods?${streaming}&allowWatchBookmarks=true`);
  expect(refused.status).toBe(422);
  expect(refused.json().message).toContain('WatchList');
  const list = await call(withoutWatchList, '/api/v1/nodes');
  expect(list.status).toBe(200);
  const w = await watch(withoutWatchList, '/api/v1/nodes?watch=true');
  await w.waitFor(() => w.events.length >= withoutWatchList.listObjects('nodes').length);
  w.close();
});

test('aServerThatDoesNotKnowStreamingListsServesAPlainWatchInsteadOfRefusingOne', async () => {
  // The `ignore-initial-events` fault: the options are never read, so neither refused.
  withoutWatchList.faults.set({ fault: 'ignore-initial-events', resource: 'nodes' });
  try {
    const w = await watch(withoutWatchList, `/api/v1/nodes?${streaming}&allowWatchBookmarks=true`);
    expect(w.status).toBe(200);
    const count = withoutWatchList.listObjects('nodes').length;
    await w.waitFor(() => w.events.length >= count);
    expect(w.events.slice(0, count).map((e) => e.type)).toEqual(new Array(count).fill('ADDED'));
    w.close();
    // Out of the fault's scope, the refusal stands.
    expect((await call(withoutWatchList, `/api/v1/pods?${streaming}&allowWatchBookmarks=true`)).status).toBe(422);
  } finally {
    withoutWatchList.faults.clear();
  }
});
