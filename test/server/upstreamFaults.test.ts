/**
 * The upstream list-watch under the demo cluster's faults: 410 makes it relist and clients stay
 * consistent; a stalled watch is detected, restarted and reported; 403 shows as `forbidden`.
 */
import type { StatusFrame } from '../../adapters/protocol.js';
import { MiniStore, StreamClient, demoDigest, feed, getJson, startStack, testConfig, upstreamOf, waitFor, type Stack } from './support.js';


describe('upstream faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 50, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  test('a forced 410 makes the upstream relist, and the client digest agrees with the cluster after', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    await client.next('p', 'reset');
    const store = new MiniStore();
    let fed = feed(store, client, 'p', 0);
    const before = (await upstreamOf(stack, 'pods')).report.relists;

    // Hold the watch's events back, change things, forget the history, then cut the watch:
    // its resourceVersion is now too old to resume from, and only a relist brings the changes.
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
    stack.demo.churn(30);
    stack.demo.faults.set({ fault: 'expire', resource: 'pods' });
    stack.demo.faults.set({ fault: 'drop-watches', resource: 'pods' });
    await waitFor('the pods upstream to relist', async () => (await upstreamOf(stack, 'pods')).report.relists > before);
    stack.demo.faults.clear();
    stack.demo.churn(10);

    await waitFor('the client store to equal the cluster, confirmed by a heartbeat', () => {
      fed = feed(store, client, 'p', fed);
      const truth = demoDigest(stack.demo, 'pods');
      const agreeing = store.heartbeatsAgreeing;
      return store.rows.size === truth.count && store.digest() === truth.digest && agreeing > 0 && store.disagreements.length === 0;
    });
    // The relist reached the client as updates in sequence, not as a gap.
    expect(store.gaps).toEqual([]);
    expect(store.disagreements).toEqual([]);
    expect((await upstreamOf(stack, 'pods')).state).toBe('watching');
    client.close();
  });

  test('a silent upstream watch lapses at the freshness bound, relists, and clients are told `upstream stalled`', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'e', domain: 'events', scope: '' });
    await client.next('e', 'reset');
    await waitFor('the events upstream to be healthy', async () => (await upstreamOf(stack, 'events')).report.healthy);
    const before = await upstreamOf(stack, 'events');
    // Heartbeats carry the proof's age while it is fresh.
    const proven = await client.next('e', 'heartbeat', client.frames.length);
    expect(proven.upstream.proofAgeMs).toEqual(expect.any(Number));
    expect(proven.upstream.proofAgeMs).toBeLessThanOrEqual(testConfig.freshnessBoundMs!);

    stack.demo.faults.set({ fault: 'stall-watches', resource: 'events' });
    const stalledAt = Date.now();
    const stalled = await waitFor('a status frame saying the upstream stalled', () =>
      client.framesFor('e').find((f): f is StatusFrame => f.type === 'status' && !f.upstream.healthy && f.upstream.reason === 'upstream stalled'),
    );
    // Recorded, not asserted (shared machine): the bound here is 5000 ms.
    console.log(`stalled upstream reported to the client ${Date.now() - stalledAt} ms after the watch went silent`);
    const diagnostics = await waitFor('the cache to relist', async () => {
      const u = await upstreamOf(stack, 'events');
      return u.proof.lapses > before.proof.lapses && u.lists > before.lists ? u : undefined;
    });
    expect(diagnostics.lastError).toMatch(/no proof within the freshness bound/);
    expect(diagnostics.proof.failed).toBeGreaterThan(before.proof.failed);

    const seen = client.frames.length;
    stack.demo.faults.clear();
    // Status, heartbeat or the reset it was owed: each carries the upstream's report.
    const healthy = await waitFor('a frame saying the upstream is healthy again', () =>
      client.frames
        .slice(seen)
        .find((f): f is StatusFrame => f.id === 'e' && 'upstream' in f && (f as StatusFrame).upstream.healthy),
    );
    expect(healthy.upstream.state).toBe('watching');
    expect(stalled.upstream.proofAgeMs).toBeGreaterThan(testConfig.freshnessBoundMs!);
    client.close();
  });

  test('403 shows as forbidden on the stream, in diagnostics and on snapshots, and recovers when allowed', async () => {
    stack.demo.faults.set({ fault: 'forbid', resource: 'nodes' });
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'n', domain: 'nodes', scope: '' });
    const status = await waitFor('a status frame saying forbidden', () =>
      client.framesFor('n').find((f): f is StatusFrame => f.type === 'status' && f.upstream.state === 'forbidden'),
    );
    expect(status.upstream).toMatchObject({ healthy: false, reason: 'forbidden' });
    expect((await upstreamOf(stack, 'nodes')).state).toBe('forbidden');
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/nodes`);
    expect(snapshot.status).toBe(403);
    expect(snapshot.body.error).toBe('forbidden');
    expect(client.framesFor('n').some((f) => f.type === 'reset')).toBe(false);

    stack.demo.faults.clear();
    const reset = await client.next('n', 'reset'); // after the slow forbidden retry
    expect(reset.count).toBe(3);
    client.close();
  });

  test('in a domain over several resources, one forbidden resource makes the whole view report it by name', async () => {
    stack.demo.faults.set({ fault: 'forbid', resource: 'replicasets' });
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'w', domain: 'workloads', scope: '' });
    const status = await waitFor('a status naming replicasets as forbidden', () =>
      client.framesFor('w').find((f): f is StatusFrame => f.type === 'status' && f.upstream.reason === 'replicasets: forbidden'),
    );
    expect(status.upstream).toMatchObject({ state: 'forbidden', healthy: false });
    client.close();
  });

  test('while the upstream is stalled, snapshots are read fresh from the API server and say so', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods' });
    await client.next('p', 'reset');
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
    await waitFor('the pods upstream to be unhealthy', async () => !(await upstreamOf(stack, 'pods')).report.healthy);
    stack.demo.churn(10); // the stalled cache cannot see these; a fresh read does
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    expect(snapshot.body.source).toBe('api');
    expect(snapshot.body.upstream.healthy).toBe(false);
    // Stalled, or relisted after the lapse and not yet proven again (its new watch is stalled too):
    // both are a cache that must not be trusted, which is why the read went to the API server.
    expect(snapshot.body.upstream.reason).toMatch(/stalled|errors|proving/);
    expect(snapshot.body.digest).toBe(demoDigest(stack.demo, 'pods').digest);
    client.close();
  });

  test('failing lists back off with reason errors and recover once lists work again', async () => {
    stack.demo.faults.set({ fault: 'fail-lists', resource: 'namespaces' });
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'ns', domain: 'namespaces' });
    await waitFor('a status saying the upstream backs off after errors', () =>
      client.framesFor('ns').find((f): f is StatusFrame => f.type === 'status' && f.upstream.state === 'backoff' && f.upstream.reason === 'errors'),
    );
    stack.demo.faults.clear();
    const reset = await client.next('ns', 'reset');
    expect(reset.count).toBe(demoDigest(stack.demo, 'namespaces').count);
    client.close();
  });

  test('metrics.k8s.io going away is a clear 5xx for metrics, and nothing else is affected', async () => {
    stack.demo.faults.set({ fault: 'stop-metrics' });
    const metrics = await getJson(`${stack.base}/api/v1/metrics/pod-metrics?scope=`);
    expect(metrics.status).toBeGreaterThanOrEqual(500);
    expect(metrics.body.error).toBe('upstream-error');
    expect((await getJson(`${stack.base}/api/v1/snapshot/nodes`)).status).toBe(200);
    stack.demo.faults.clear();
    expect((await getJson(`${stack.base}/api/v1/metrics/pod-metrics?scope=`)).status).toBe(200);
  });
});

describe('a quiet resource whose watch is dropped', () => {
  // Bookmarks once a minute, as kube-apiserver's watch cache sends them, and no churn: after the
  // drop the resumed watch delivers nothing, so only a probe can say it is current again.
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 20, churn: 0, bookmarkIntervalMs: 60_000 } });
  });
  afterAll(() => stack.stop());

  test('is healthy again on its first passed probe, without waiting for an event or a bookmark', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'n', domain: 'namespaces', scope: '' });
    await client.next('n', 'reset');
    await waitFor('the namespaces upstream to be healthy', async () => (await upstreamOf(stack, 'namespaces')).report.healthy);
    const before = await upstreamOf(stack, 'namespaces');

    stack.demo.faults.set({ fault: 'drop-watches', resource: 'namespaces' });
    const droppedAt = Date.now();
    await waitFor('the dropped watch to be seen', async () => (await upstreamOf(stack, 'namespaces')).report.errors > before.report.errors);
    stack.demo.faults.clear();

    // Before this was fixed the report said `errors` until the resumed watch's first event: here
    // a minute away, well past this wait.
    const after = await waitFor('the namespaces upstream healthy again', async () => {
      const u = await upstreamOf(stack, 'namespaces');
      return u.report.healthy ? u : undefined;
    });
    // Resumed, not relisted, and proven by a probe: the watch itself has delivered nothing since the drop.
    expect(after.report.relists).toBe(before.report.relists);
    expect(after.report.reason).toBeNull();
    expect(after.report.lastEventAgeMs).toBeGreaterThanOrEqual(Date.now() - droppedAt - 50);
    expect(after.proof.passed).toBeGreaterThan(before.proof.passed);
    // And the client hears it: a heartbeat from a healthy upstream, sent after the drop.
    const from = client.frames.length;
    const heartbeat = await client.next('n', 'heartbeat', from);
    expect(heartbeat.upstream.healthy).toBe(true);
    client.close();
  });
});
