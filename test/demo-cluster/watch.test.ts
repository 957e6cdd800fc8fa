/**
 * Watch semantics as a real API server has them: replay from a resourceVersion, bookmarks,
 * sendInitialEvents with the initial-events-end bookmark, timeoutSeconds, selectors that turn
 * changes into ADDED/DELETED, and a window beyond which a resourceVersion is expired.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, waitUntil, watch } from './client.js';

let cluster: DemoCluster;
const merge = { 'Content-Type': 'application/merge-patch+json' };

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 13, bookmarkIntervalMs: 1000, watchWindow: 50 });
});
afterAll(() => cluster.stop());

const label = (node: string, value: string): ReturnType<typeof call> =>
  call(cluster, `/api/v1/nodes/${node}`, { method: 'PATCH', body: JSON.stringify({ metadata: { labels: { step: value } } }), headers: merge });

test('watchFromAResourceVersionReplaysLaterChangesInOrder', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  await label('demo-worker-1', 'one');
  await label('demo-worker-2', 'two');
  const w = await watch(cluster, `/api/v1/nodes?watch=1&resourceVersion=${rv}`);
  await w.waitFor((e) => e.object.metadata.labels?.step === 'two');
  expect(w.events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels.step])).toEqual([
    ['MODIFIED', 'demo-worker-1', 'one'],
    ['MODIFIED', 'demo-worker-2', 'two'],
  ]);
  const versions = w.events.map((e) => Number(e.object.metadata.resourceVersion));
  expect(versions[0]).toBeGreaterThan(Number(rv));
  expect(versions[1]).toBeGreaterThan(versions[0]!);
  w.close();
});

test('aMetadataOnlyWatchSendsEachChangeAsPartialObjectMetadata', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  await label('demo-worker-1', 'meta');
  const accept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';
  const w = await watch(cluster, `/api/v1/nodes?watch=1&resourceVersion=${rv}`, accept);
  const event = await w.waitFor((e) => e.object.metadata.labels?.step === 'meta');
  expect(event.type).toBe('MODIFIED');
  expect(event.object.kind).toBe('PartialObjectMetadata');
  expect(event.object.apiVersion).toBe('meta.k8s.io/v1');
  expect(event.object.metadata.name).toBe('demo-worker-1');
  expect(Number(event.object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  expect(event.object.spec).toBeUndefined();
  expect(event.object.status).toBeUndefined();
  w.close();
  // Plain JSON first in Accept (or alone) still gets whole objects.
  const plain = await watch(cluster, `/api/v1/nodes?watch=1&resourceVersion=${rv}`, 'application/json, application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
  expect((await plain.waitFor((e) => e.object.metadata.labels?.step === 'meta')).object.kind).toBe('Node');
  plain.close();
});

test('watchWithoutAResourceVersionStartsWithEveryObjectAsAdded', async () => {
  const w = await watch(cluster, '/api/v1/namespaces?watch=true');
  const count = cluster.listObjects('namespaces').length;
  await w.waitFor(() => w.events.length >= count);
  expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
  w.close();
});

test('sendInitialEventsEndsTheInitialObjectsWithAnAnnotatedBookmark', async () => {
  const w = await watch(cluster, '/api/v1/nodes?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
  const end = await w.waitFor((e) => e.type === 'BOOKMARK');
  expect(end.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  expect(end.object.kind).toBe('Node');
  const before = w.events.slice(0, w.events.indexOf(end));
  expect(before.map((e) => e.object.metadata.name).sort()).toEqual((cluster.listObjects('nodes') as { metadata: { name: string } }[]).map((n) => n.metadata.name).sort());
  expect(before.every((e) => e.type === 'ADDED')).toBe(true);
  w.close();
});

test('allowWatchBookmarksSendsPeriodicBookmarksWithTheCurrentVersion', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  const w = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
  const bookmark = await w.waitFor((e) => e.type === 'BOOKMARK');
  expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  expect(bookmark.object.metadata.annotations).toBeUndefined();
  w.close();
  const plain = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}`);
  await label('demo-worker-3', 'no-bookmarks');
  await plain.waitFor((e) => e.type === 'MODIFIED');
  // Several bookmark intervals pass while we wait for this change on the bookmarking watch ...
  const again = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
  await again.waitFor((e) => e.type === 'BOOKMARK');
  await again.waitFor(() => again.events.filter((e) => e.type === 'BOOKMARK').length >= 2);
  again.close();
  // ... and the watch that did not ask for bookmarks got none.
  expect(plain.events.some((e) => e.type === 'BOOKMARK')).toBe(false);
  plain.close();
});

test('timeoutSecondsEndsTheWatch', async () => {
  const w = await watch(cluster, '/api/v1/nodes?watch=true&timeoutSeconds=1&resourceVersion=' + (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion);
  await w.ended;
  expect(w.isEnded()).toBe(true);
});

test('aFieldSelectorTurnsLeavingAndEnteringIntoDeletedAndAdded', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  const w = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}&labelSelector=step%3Dselected`);
  await label('demo-worker-1', 'selected');
  await label('demo-worker-1', 'unselected');
  await w.waitFor((e) => e.type === 'DELETED');
  expect(w.events.map((e) => [e.type, e.object.metadata.name])).toEqual([
    ['ADDED', 'demo-worker-1'],
    ['DELETED', 'demo-worker-1'],
  ]);
  w.close();
});

test('aResourceVersionOlderThanTheWindowIsExpired', async () => {
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  // The window here is 50 changes per resource; make many more.
  for (let i = 0; i < 80; i++) await label('demo-worker-2', `w${i}`);
  const w = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}`);
  await w.ended;
  expect(w.events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
});

test('listAtAnExactPastVersionShowsTheObjectAsItWasThen', async () => {
  await label('demo-worker-3', 'earlier');
  const rv = (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion;
  await label('demo-worker-3', 'later');
  const past = (await call(cluster, `/api/v1/nodes?resourceVersion=${rv}&resourceVersionMatch=Exact&fieldSelector=metadata.name%3Ddemo-worker-3`)).json();
  expect(past.metadata.resourceVersion).toBe(rv);
  expect(past.items[0].metadata.labels.step).toBe('earlier');
  const now = (await call(cluster, '/api/v1/nodes?fieldSelector=metadata.name%3Ddemo-worker-3')).json();
  expect(now.items[0].metadata.labels.step).toBe('later');
});

test('aListNotOlderThanAFutureVersionTimesOutAsARealServerDoes', async () => {
  const rv = Number((await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion);
  const r = await call(cluster, `/api/v1/nodes?resourceVersion=${rv + 1000}&resourceVersionMatch=NotOlderThan`);
  expect(r.status).toBe(504);
  expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Timeout' });
  expect((await call(cluster, `/api/v1/nodes?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`)).status).toBe(200);
});

test('aShortWatchGetsABookmarkTwoSecondsBeforeItsDeadlineAfterEveryChangeSinceItsStart', async () => {
  // Periodic bookmarks at the default pace cannot arrive inside a 3 s watch, so any bookmark here
  // is the one before the deadline, which kubelive's upstream freshness proof waits for.
  const quiet = await startDemoCluster({ seed: 13 });
  try {
    const patch = (node: string, value: string): ReturnType<typeof call> =>
      call(quiet, `/api/v1/nodes/${node}`, { method: 'PATCH', body: JSON.stringify({ metadata: { labels: { step: value } } }), headers: merge });
    const rv = (await call(quiet, '/api/v1/nodes')).json().metadata.resourceVersion;
    await patch('demo-worker-1', 'before');
    const started = Date.now();
    const w = await watch(quiet, `/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`);
    await patch('demo-worker-2', 'during');
    const bookmark = await w.waitFor((e) => e.type === 'BOOKMARK');
    const bookmarkAfterMs = Date.now() - started;
    const current = (await call(quiet, '/api/v1/nodes')).json().metadata.resourceVersion;
    await w.ended;
    expect(bookmark.object.metadata.resourceVersion).toBe(current);
    const before = w.events.slice(0, w.events.indexOf(bookmark));
    expect(before.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels.step])).toEqual([
      ['MODIFIED', 'demo-worker-1', 'before'],
      ['MODIFIED', 'demo-worker-2', 'during'],
    ]);
    // It is the pre-deadline bookmark, not an early one, and the only one: the watch ends after it.
    expect(bookmarkAfterMs).toBeGreaterThanOrEqual(900);
    expect(w.events.filter((e) => e.type === 'BOOKMARK')).toHaveLength(1);
    expect(w.events[w.events.length - 1]).toBe(bookmark);
  } finally {
    await quiet.stop();
  }
});

test('changesOlderThanTheHistoryWindowCannotBeResumedFromByWatchOrContinue', async () => {
  const short = await startDemoCluster({ seed: 13, historyWindowMs: 1000 });
  try {
    const patch = (value: string): ReturnType<typeof call> =>
      call(short, '/api/v1/nodes/demo-worker-1', { method: 'PATCH', body: JSON.stringify({ metadata: { labels: { step: value } } }), headers: merge });
    const quietRv = (await call(short, '/api/v1/nodes')).json().metadata.resourceVersion;
    const page = (await call(short, '/api/v1/nodes?limit=1')).json();
    await new Promise((r) => setTimeout(r, 1200));
    // Nothing changed since: an old but current version still resumes.
    const stillCurrent = await watch(short, `/api/v1/nodes?watch=true&resourceVersion=${quietRv}&timeoutSeconds=1`);
    await stillCurrent.ended;
    expect(stillCurrent.events).toEqual([]);
    await patch('first');
    const rv = (await call(short, '/api/v1/nodes')).json().metadata.resourceVersion;
    await patch('second');
    // Within the window, a watch from before 'second' replays it.
    const recent = await watch(short, `/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    await recent.waitFor((e) => e.object.metadata?.labels?.step === 'second');
    recent.close();
    await new Promise((r) => setTimeout(r, 1200));
    // 'first' and 'second' are older than the window now: neither version can be resumed from.
    for (const from of [quietRv, rv]) {
      const w = await watch(short, `/api/v1/nodes?watch=true&resourceVersion=${from}`);
      await w.ended;
      expect(w.events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
    }
    const next = await call(short, `/api/v1/nodes?limit=1&continue=${page.metadata.continue}`);
    expect(next.status).toBe(410);
    expect(next.json()).toMatchObject({ kind: 'Status', reason: 'Expired' });
  } finally {
    await short.stop();
  }
});

test('booleanParametersAreReadAsTheApiServerReadsThem', async () => {
  // apimachinery's Convert_Slice_string_To_bool: only "0" and "false" (any case) are false.
  for (const yes of ['true', '1', 'True', 'yes', 'f', '']) {
    const w = await watch(cluster, `/api/v1/nodes?watch=${yes}&resourceVersion=0&timeoutSeconds=1`);
    await w.ended;
    expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
    expect(w.events.length).toBe(cluster.listObjects('nodes').length);
  }
  for (const no of ['false', 'FALSE', 'False', '0']) {
    const r = await call(cluster, `/api/v1/nodes?watch=${no}`);
    expect(r.json().kind).toBe('NodeList');
  }
});

test('aBurstOfChangesInOneTurnLeavesInFewWritesWithEveryEventInOrder', async () => {
  const { request } = await import('node:https');
  const rv = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion as string;
  let chunks = 0;
  let text = '';
  let closeWatch = () => {};
  const opened = new Promise<void>((resolve) => {
    const req = request(new URL(`/api/v1/pods?watch=1&resourceVersion=${rv}`, cluster.url), { headers: { authorization: `Bearer ${cluster.token}` }, ca: cluster.caPem }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        chunks++;
        text += chunk;
      });
      resolve();
    });
    req.end();
    req.on('error', () => undefined);
    closeWatch = () => req.destroy();
  });
  await opened;
  // Live changes, not a replay: 40 changes of about 2 KB in one turn (within this cluster's
  // 50-change window). Written one by one they arrive as 40 chunks or more.
  const burst = 40;
  expect(cluster.load(burst)).toBe(burst);
  await waitUntil(() => text.split('\n').length > burst, 'every event of the burst');
  closeWatch();
  const events = text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as { type: string; object: { metadata: { resourceVersion: string } } });
  expect(events).toHaveLength(burst);
  expect(events.every((e) => e.type === 'MODIFIED')).toBe(true);
  const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(chunks).toBeLessThan(burst / 4);
});
