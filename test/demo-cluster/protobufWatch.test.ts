/**
 * Protobuf watches of pods over a real HTTPS socket with the cluster's token: frames parse
 * (protobufWire.ts, written apart from the encoder), carry the same events as a JSON watch
 * opened beside them, and bookmarks, the streaming list's end bookmark, resuming, 410 and every
 * watch fault work as they do in JSON.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, waitUntil, watch } from './client.js';
import type { ProtoEvent } from './protobufWire.js';
import { watchProtobuf } from './protobufWire.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 5, pods: 300, churn: 0, bookmarkIntervalMs: 1000, watchWindow: 2_000 });
});
afterAll(() => cluster.stop());
afterEach(() => cluster.faults.clear());

const idOf = (e: ProtoEvent): [string, string, string] => [e.type, e.object.msg(1)!.str(5) ?? '', e.object.msg(1)!.str(6) ?? ''];
const listRevision = async (): Promise<string> => (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;

test('aProtobufWatchCarriesTheSameEventsAsAJsonWatchBesideIt', async () => {
  const rv = await listRevision();
  const pairs = await Promise.all(
    ['', '&labelSelector=app%3Dfrontend'].map(async (query) => {
      const path = `/api/v1/pods?watch=1&resourceVersion=${rv}${query}`;
      return { query, json: await watch(cluster, path), proto: await watchProtobuf(cluster, path) };
    }),
  );
  cluster.load(400);
  // The simulation's changes: pods replaced, ReplicaSets scaled; and a pod deleted at once.
  cluster.churn(30);
  const victim = (cluster.listObjects('pods', 'shop') as any[])[0].metadata.name;
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  const last = Number(await listRevision());
  const all = pairs[0]!;
  await waitUntil(() => Number(all.json.events.at(-1)?.object.metadata.resourceVersion ?? 0) >= last, 'the JSON watch reached the last change');
  for (const { query, json, proto } of pairs) {
    expect(proto.status).toBe(200);
    expect(proto.contentType).toBe('application/vnd.kubernetes.protobuf;stream=watch');
    await waitUntil(() => proto.events.length >= json.events.length, `the protobuf watch${query} has as many events`);
    const fromJson = json.events.map((e) => [e.type, e.object.metadata.uid, e.object.metadata.resourceVersion]);
    expect(fromJson.length).toBeGreaterThan(query === '' ? 400 : 0);
    expect(proto.events.map(idOf)).toEqual(fromJson);
    expect(new Set(proto.events.map((e) => `${e.apiVersion}/${e.kind}`))).toEqual(new Set(['v1/Pod']));
    json.close();
    proto.close();
  }
  expect(new Set(all.proto.events.map((e) => e.type))).toEqual(new Set(['MODIFIED', 'ADDED', 'DELETED']));
});

test('bookmarksAreAPodWithOnlyItsResourceVersion', async () => {
  const w = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${await listRevision()}&allowWatchBookmarks=true`);
  const bookmark = await w.waitFor((e) => e.type === 'BOOKMARK', 5_000);
  expect([bookmark.apiVersion, bookmark.kind]).toEqual(['v1', 'Pod']);
  const meta = bookmark.object.msg(1)!;
  expect(meta.str(1)).toBe('');
  expect(Number(meta.str(6))).toBeGreaterThan(0);
  expect(meta.has(12)).toBe(false);
  w.close();
});

test('aStreamingListEndsItsInitialEventsWithTheAnnotatedBookmark', async () => {
  const w = await watchProtobuf(cluster, '/api/v1/namespaces/shop/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
  const end = await w.waitFor((e) => e.type === 'BOOKMARK');
  const initial = w.events.slice(0, w.events.indexOf(end));
  expect(initial.map((e) => e.type)).toEqual(initial.map(() => 'ADDED'));
  expect(initial.map((e) => e.object.msg(1)!.str(1))).toEqual((cluster.listObjects('pods', 'shop') as any[]).map((p) => p.metadata.name));
  expect(end.object.msg(1)!.map(12)).toEqual({ 'k8s.io/initial-events-end': 'true' });
  w.close();
});

test('aWatchResumedFromAResourceVersionReplaysTheChangesAfterIt', async () => {
  const rv = await listRevision();
  cluster.load(50);
  const json = await watch(cluster, `/api/v1/pods?watch=1&resourceVersion=${rv}`);
  const proto = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${rv}`);
  await waitUntil(() => json.events.length >= 50 && proto.events.length >= 50, 'both replayed 50 changes');
  expect(proto.events.map(idOf)).toEqual(json.events.map((e) => [e.type, e.object.metadata.uid, e.object.metadata.resourceVersion]));
  json.close();
  proto.close();
});

test('anExpiredResourceVersionEndsTheWatchWithAProtobufStatusFrame', async () => {
  const old = await listRevision();
  cluster.faults.set({ fault: 'expire', resource: 'pods' });
  const w = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${old}`);
  await w.ended;
  expect(w.events).toHaveLength(1);
  const [error] = w.events;
  expect([error!.type, error!.apiVersion, error!.kind]).toEqual(['ERROR', 'v1', 'Status']);
  expect([error!.object.str(2), error!.object.str(4), error!.object.int(6)]).toEqual(['Failure', 'Expired', 410]);
  expect(error!.object.str(3)).toMatch(/too old resource version/);
});

test('stallHoldsProtobufEventsAndReleasesThemInOrder', async () => {
  const w = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${await listRevision()}`);
  cluster.faults.set({ fault: 'stall-watches', resource: 'pods' });
  // The simulation's own timers (a pod scheduled, a container started) may change a pod before the
  // stall, and that event may still be on its way: what came before the load is the baseline.
  await new Promise((r) => setTimeout(r, 100));
  const before = w.events.length;
  cluster.load(20);
  await new Promise((r) => setTimeout(r, 300));
  expect(w.events).toHaveLength(before);
  cluster.faults.clear();
  await waitUntil(() => w.events.length >= before + 20, 'the held events arrived');
  const versions = w.events.map((e) => Number(e.object.msg(1)!.str(6)));
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  w.close();
});

test('dropEndsAndBlackholeSilencesAProtobufWatch', async () => {
  const dropped = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${await listRevision()}`);
  cluster.faults.set({ fault: 'drop-watches', resource: 'pods' });
  await dropped.ended;
  cluster.faults.clear();
  const silenced = await watchProtobuf(cluster, `/api/v1/pods?watch=1&resourceVersion=${await listRevision()}`);
  cluster.load(5);
  await silenced.waitFor(() => silenced.events.length >= 5);
  cluster.faults.set({ fault: 'blackhole-watches', resource: 'pods' });
  // What was written before the connection went half-open may still be arriving.
  await new Promise((r) => setTimeout(r, 200));
  const heard = silenced.events.length;
  cluster.load(5);
  await new Promise((r) => setTimeout(r, 300));
  expect(silenced.events).toHaveLength(heard);
  silenced.close();
});
