/**
 * Every fault, seen from a client's side of the wire, switched through the HTTP control surface
 * (`/_demo/faults`) or the in-process API, scoped to one resource, and cleared.
 */
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { isLoopback } from '../../demo-cluster/http.js';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, waitUntil, watch, type WatchEvent } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 3 });
});
afterAll(() => cluster.stop());
afterEach(() => cluster.faults.clear());

async function setFault(body: object): Promise<void> {
  const r = await call(cluster, '/_demo/faults', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, token: null });
  expect(r.status).toBe(200);
}

function aReplicaSetPod(): { metadata: { name: string; namespace: string } } {
  return (cluster.listObjects('pods', 'shop') as { metadata: { name: string; namespace: string; ownerReferences?: { kind: string }[] } }[]).find(
    (p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet',
  )!;
}

test('controlSurfaceListsSetsAndClearsFaults', async () => {
  await setFault({ fault: 'slow', resource: 'pods', ms: 10 });
  const listed = await call(cluster, '/_demo/faults', { token: null });
  expect(listed.json().faults).toEqual([expect.objectContaining({ fault: 'slow', resource: 'pods', ms: 10 })]);
  const cleared = await call(cluster, '/_demo/faults', { method: 'DELETE', token: null });
  expect(cleared.json().faults).toEqual([]);
  const bad = await call(cluster, '/_demo/faults', { method: 'POST', body: '{"fault":"melt-cpu"}', token: null });
  expect(bad.status).toBe(400);
  expect(bad.json().message).toContain('unknown fault');
});

test('controlSurfaceAnswersOnlyLoopbackPeers', () => {
  expect(isLoopback('127.0.0.1')).toBe(true);
  expect(isLoopback('::1')).toBe(true);
  expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
  expect(isLoopback('10.1.2.3')).toBe(false);
  expect(isLoopback('::ffff:192.168.1.4')).toBe(false);
  expect(isLoopback(undefined)).toBe(false);
});

test('dropWatchesClosesOpenWatchesOfTheScopedResourceOnly', async () => {
  const pods = await watch(cluster, '/api/v1/pods?watch=true&resourceVersion=' + (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion);
  const nodes = await watch(cluster, '/api/v1/nodes?watch=true&resourceVersion=' + (await call(cluster, '/api/v1/nodes')).json().metadata.resourceVersion);
  await setFault({ fault: 'drop-watches', resource: 'pods' });
  await pods.ended;
  expect(nodes.isEnded()).toBe(false);
  // The nodes watch still delivers.
  await call(cluster, '/api/v1/nodes/demo-worker-1', { method: 'PATCH', body: '{"metadata":{"labels":{"after":"drop"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  await nodes.waitFor((e) => e.type === 'MODIFIED' && e.object.metadata.labels.after === 'drop');
  nodes.close();
});

test('stallWatchesKeepsTheConnectionOpenButSendsNothingUntilCleared', async () => {
  const rv = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
  const pods = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${rv}`);
  const nodes = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}`);
  cluster.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const victim = aReplicaSetPod();
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  // A node change made after the pod change arrives on the unstalled watch ...
  await call(cluster, '/api/v1/nodes/demo-worker-2', { method: 'PATCH', body: '{"metadata":{"labels":{"stall":"probe"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  await nodes.waitFor((e) => e.object.metadata.labels?.stall === 'probe');
  await call(cluster, '/version');
  // ... while the stalled pods watch, still open, has received nothing.
  expect(pods.events).toEqual([]);
  expect(pods.isEnded()).toBe(false);
  cluster.faults.clear();
  const deleted = await pods.waitFor((e) => e.type === 'DELETED');
  expect(deleted.object.metadata.name).toBe(victim.metadata.name);
  pods.close();
  nodes.close();
});

/** A watch on a raw TLS socket, so a test can see every byte the server sends and write its own. */
function rawWatch(path: string): Promise<{ socket: TLSSocket; received: () => number; closed: () => boolean }> {
  const url = new URL(cluster.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: cluster.caPem, servername: 'localhost' }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${cluster.token}\r\nAccept: application/json\r\n\r\n`);
      resolve({ socket, received: () => received, closed: () => closed });
    });
    let received = 0;
    let closed = false;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    socket.once('error', reject);
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('blackholeWatchesStopsEveryByteOfOpenAndNewWatchesOfTheResourceForGood', async () => {
  const rv = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
  // timeoutSeconds=2: a live watch would be ended by the server long before this test is over.
  const pods = await rawWatch(`/api/v1/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=2&allowWatchBookmarks=true`);
  const nodes = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${rv}`);
  await waitUntil(() => pods.received() > 0, 'the pods watch answered with its headers');
  const openBefore = cluster.openWatches();
  await setFault({ fault: 'blackhole-watches', resource: 'pods' });
  const receivedAtBlackhole = pods.received();
  const victim = aReplicaSetPod();
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  // A new pods watch while the fault is on gets no answer at all, not even headers.
  const late = await rawWatch(`/api/v1/pods?watch=true&resourceVersion=${rv}`);
  // Writes from the client are never read: 8 MiB of junk would otherwise be parsed as a broken
  // request and the connection dropped. Here it backs up in the socket buffers and stays there.
  const junk = Buffer.alloc(8 * 1024 * 1024, 'x');
  expect(pods.socket.write(junk)).toBe(false);
  let drained = false;
  pods.socket.once('drain', () => (drained = true));
  // Unscoped resources are untouched: the nodes watch still delivers.
  await call(cluster, '/api/v1/nodes/demo-worker-2', { method: 'PATCH', body: '{"metadata":{"labels":{"blackhole":"probe"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  await nodes.waitFor((e) => e.object.metadata.labels?.blackhole === 'probe');
  await pause(2500); // past the blackholed watch's 2 s deadline
  expect(pods.received()).toBe(receivedAtBlackhole);
  expect(pods.closed()).toBe(false);
  expect(drained).toBe(false);
  expect(late.received()).toBe(0);
  // Neither the blackholed watch nor the late one can carry an event any more: not open.
  expect(cluster.openWatches()).toBe(openBefore - 1);
  // Clearing the fault does not revive them: a half-open connection never recovers.
  cluster.faults.clear();
  await call(cluster, '/api/v1/nodes/demo-worker-2', { method: 'PATCH', body: '{"metadata":{"labels":{"blackhole":"cleared"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  await nodes.waitFor((e) => e.object.metadata.labels?.blackhole === 'cleared');
  await pause(300);
  expect(pods.received()).toBe(receivedAtBlackhole);
  expect(late.received()).toBe(0);
  // Only the clients can end them; a watch opened after the fault is cleared is served as usual.
  pods.socket.destroy();
  late.socket.destroy();
  const fresh = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${rv}`);
  await fresh.waitFor((e) => e.type === 'DELETED' && e.object.metadata.name === victim.metadata.name);
  fresh.close();
  nodes.close();
});

test('expireMakesTheNextWatchAndContinueFromAnOlderVersionGet410', async () => {
  const page = (await call(cluster, '/api/v1/pods?limit=10')).json();
  await setFault({ fault: 'expire', resource: 'pods' });
  const w = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${page.metadata.resourceVersion}`);
  await w.ended;
  expect(w.events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  const next = await call(cluster, `/api/v1/pods?limit=10&continue=${encodeURIComponent(page.metadata.continue)}`);
  expect(next.status).toBe(410);
  expect(next.json().reason).toBe('Expired');
  // A fresh list gives a version that can be watched again.
  const fresh = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
  const again = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${fresh}&allowWatchBookmarks=true`);
  expect(again.status).toBe(200);
  expect(again.isEnded()).toBe(false);
  again.close();
});

/** A streaming list as kubelive asks for one (adapters/kube/streamingList.ts). */
const streamingList = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
const endsInitialEvents = (e: WatchEvent): boolean => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true';
const uidsOf = (objects: readonly { metadata: { uid: string } }[]): string[] => objects.map((o) => o.metadata.uid).sort();

test('ignoreInitialEventsServesAStreamingListAsAPlainWatchWhoseAddedEventsNeverEnd', async () => {
  await setFault({ fault: 'ignore-initial-events', resource: 'pods' });
  const current = uidsOf(cluster.listObjects('pods') as { metadata: { uid: string } }[]);
  // timeoutSeconds=3: the server's pre-deadline bookmark comes after 1 s, the end after 3 s.
  const pods = await watch(cluster, `/api/v1/pods?${streamingList}&timeoutSeconds=3`);
  const nodes = await watch(cluster, `/api/v1/nodes?${streamingList}&timeoutSeconds=3`);
  expect(pods.status).toBe(200);
  // Get State and Start at Most Recent: every current pod as ADDED ...
  await pods.waitFor(() => pods.events.length >= current.length);
  const initial = pods.events.slice(0, current.length);
  expect(initial.map((e) => e.type)).toEqual(new Array(current.length).fill('ADDED'));
  expect(uidsOf(initial.map((e) => e.object))).toEqual(current);
  // ... then the changes after them, on the same stream.
  const victim = aReplicaSetPod();
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  const deleted = await pods.waitFor((e) => e.type === 'DELETED');
  expect(deleted.object.metadata.name).toBe(victim.metadata.name);
  await pods.ended;
  // Periodic bookmarks as on any watch that allowed them, but never the end of the initial events.
  const bookmarks = pods.events.filter((e) => e.type === 'BOOKMARK');
  expect(bookmarks.length).toBeGreaterThan(0);
  expect(bookmarks.filter(endsInitialEvents)).toEqual([]);
  // A resource out of the fault's scope still gets a streaming list.
  await nodes.waitFor(endsInitialEvents);
  nodes.close();
});

test('ignoreInitialEventsIsScopedByResourceNameListedWhileOnAndCleared', async () => {
  for (const resource of ['Pods', 'pods/status', '']) {
    const bad = await call(cluster, '/_demo/faults', { method: 'POST', body: JSON.stringify({ fault: 'ignore-initial-events', resource }), token: null });
    expect({ resource, status: bad.status }).toEqual({ resource, status: 400 });
    expect(bad.json().message).toContain('resource must be a plural resource name');
  }
  await setFault({ fault: 'ignore-initial-events', resource: 'widgets.example.com' });
  expect((await call(cluster, '/_demo/faults', { token: null })).json().faults).toEqual([{ fault: 'ignore-initial-events', resource: 'widgets.example.com', since: expect.any(String) }]);
  expect((await call(cluster, '/_demo/faults', { method: 'DELETE', token: null })).json().faults).toEqual([]);
  // Cleared: a streaming list of pods ends its initial events again.
  const pods = await watch(cluster, `/api/v1/pods?${streamingList}`);
  await pods.waitFor(endsInitialEvents);
  pods.close();
});

test('failListsAnswersListsWith500AndLeavesGetsAndOtherResourcesAlone', async () => {
  await setFault({ fault: 'fail-lists', resource: 'pods' });
  const list = await call(cluster, '/api/v1/pods');
  expect(list.status).toBe(500);
  expect(list.json()).toMatchObject({ kind: 'Status', code: 500, reason: 'InternalError' });
  const pod = aReplicaSetPod();
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${pod.metadata.name}`)).status).toBe(200);
  expect((await call(cluster, '/api/v1/nodes')).status).toBe(200);
});

test('forbidAnswers403ForTheScopedResource', async () => {
  await setFault({ fault: 'forbid', resource: 'nodes' });
  const r = await call(cluster, '/api/v1/nodes');
  expect(r.status).toBe(403);
  expect(r.json()).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden' });
  expect(r.json().message).toContain('cannot list resource "nodes"');
  expect((await call(cluster, '/api/v1/namespaces')).status).toBe(200);
});

test('slowDelaysResponsesByAtLeastTheGivenMilliseconds', async () => {
  await setFault({ fault: 'slow', resource: 'namespaces', ms: 400 });
  const started = Date.now();
  const r = await call(cluster, '/api/v1/namespaces');
  expect(r.status).toBe(200);
  // A lower bound only: the server sleeps this long before it answers, so this cannot flake.
  expect(Date.now() - started).toBeGreaterThanOrEqual(395);
});

test('stopMetricsMakesMetricsUnavailableUntilCleared', async () => {
  cluster.faults.set({ fault: 'stop-metrics' });
  const r = await call(cluster, '/apis/metrics.k8s.io/v1beta1/nodes');
  expect(r.status).toBe(503);
  expect(r.json().reason).toBe('ServiceUnavailable');
  expect((await call(cluster, '/api/v1/nodes')).status).toBe(200);
  cluster.faults.clear();
  const back = await call(cluster, '/apis/metrics.k8s.io/v1beta1/nodes');
  expect(back.status).toBe(200);
  expect(back.json().items.length).toBe(cluster.listObjects('nodes').length);
});

test('aWatchWhoseClientLeftWhileTheServerWasSlowIsNeverCountedOpen', async () => {
  const rv = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
  const openBefore = cluster.openWatches();
  cluster.faults.set({ fault: 'slow', resource: 'pods', ms: 500 });
  // The client hangs up while the server still holds its request back.
  const leaving = await rawWatch(`/api/v1/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=60`);
  await pause(100);
  leaving.socket.destroy();
  await pause(800); // past the delay: the server has reached the watch by now
  expect(cluster.openWatches()).toBe(openBefore);
});
