/**
 * Issue 14: the backend's first list is a streaming list (a watch with sendInitialEvents) where
 * the cluster serves one, and a paginated list where it refuses; Diagnostics say which; either
 * way the view holds what the cluster holds. A streaming list cut before its initial-events-end
 * bookmark is not taken for a whole list: a paginated list replaces it at once (as client-go's
 * reflector falls back), the refusal is not remembered, and the view is the cluster's. So is one
 * whose server never sends that bookmark (the demo's `ignore-initial-events`), and Diagnostics
 * say why the list was paged.
 */
import { MiniStore, StreamClient, demoDigest, feed, startStack, upstreamOf, waitFor, type Stack } from './support.js';

/** One client's subscription to a whole domain, and the store its frames build. */
interface View {
  client: StreamClient;
  store: MiniStore;
  fed: number;
}

async function openView(stack: Stack, domain: string): Promise<View> {
  const client = await StreamClient.connect(stack.base);
  client.send({ type: 'subscribe', id: 'v', domain, scope: '' });
  return { client, store: new MiniStore(), fed: 0 };
}

/** Waits until the view's store equals the cluster, confirmed by a heartbeat; then closes it. */
async function untilEqual(stack: Stack, view: View, domain: string, resource: string): Promise<void> {
  const { client, store } = view;
  let truth = demoDigest(stack.demo, resource);
  await waitFor(`the ${domain} view to equal the cluster, confirmed by a heartbeat`, () => {
    view.fed = feed(store, client, 'v', view.fed);
    truth = demoDigest(stack.demo, resource);
    return store.rows.size === truth.count && store.digest() === truth.digest && store.heartbeatsAgreeing > 0;
  }, 30_000, () => `store ${store.rows.size} rows/${store.digest()}, cluster ${truth.count}/${truth.digest}, ${store.heartbeatsAgreeing} heartbeats agreeing, ${view.fed} frames; disagreements ${store.disagreements.join('; ') || 'none'}`);
  expect(store.disagreements).toEqual([]);
  expect(store.gaps).toEqual([]);
  client.close();
}

/** Subscribes to `domain` and waits until the client's store equals the cluster, confirmed by a heartbeat. */
async function viewEqualsCluster(stack: Stack, domain: string, resource: string): Promise<void> {
  await untilEqual(stack, await openView(stack, domain), domain, resource);
}

interface Listed {
  lastList: string;
  lastListPagedBecause: string | null;
  lastError: string | null;
  lists: number;
  streamingFallbacks: number;
}

async function listedBy(stack: Stack, key: string): Promise<Listed> {
  return waitFor(`the ${key} list to land`, async () => {
    const upstream = await upstreamOf(stack, key);
    return upstream?.lastList ? upstream : undefined;
  }, 30_000);
}

describe('a cluster that serves streaming lists', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 1800, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('listsByStreamingAndHoldsWhatTheClusterHolds', async () => {
    // The cluster churns (100 changes/s) from before the subscription until the streaming list
    // has landed and changes have flowed on top of it for a second. Equality is required once the
    // churn stops: at an instant of a running churn it is a race, which a loaded machine loses.
    const churning = setInterval(() => stack.demo.churn(5), 50);
    let view: View;
    try {
      view = await openView(stack, 'pods');
      expect((await listedBy(stack, 'pods')).lastList).toBe('streaming');
      const v = view;
      await waitFor('updates on top of the streamed list', () => {
        v.fed = feed(v.store, v.client, 'v', v.fed);
        return v.store.rows.size > 0 && v.client.framesFor('v').filter((f) => f.type === 'update').length >= 5;
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      clearInterval(churning);
    }
    await untilEqual(stack, view, 'pods', 'pods');
    // A second view, opened once settled, is equal too.
    await viewEqualsCluster(stack, 'pods', 'pods');
  }, 90_000);
});

describe('a cluster without the WatchList feature', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 1800, churn: 0, watchList: false } });
  });
  afterAll(() => stack.stop());

  test('listsInPagesAfterTheRefusalAndHoldsWhatTheClusterHolds', async () => {
    await viewEqualsCluster(stack, 'pods', 'pods');
    expect((await listedBy(stack, 'pods')).lastList).toBe('paginated');
    // The refusal is remembered for the cluster: the next resource lists in pages too.
    await viewEqualsCluster(stack, 'nodes', 'nodes');
    expect((await listedBy(stack, 'nodes')).lastList).toBe('paginated');
  }, 60_000);
});

describe('a streaming list cut before its initial-events-end bookmark', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 1200, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('isNotTakenForAListAndTheBackendListsAgainCleanly', async () => {
    // The watch opens and its initial events are held back; then the connection is dropped.
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    await waitFor('the streaming list of pods to open', () => (stack.demo.requestCounts()['GET /api/v1/pods'] ?? 0) > 0 && stack.demo.openWatches() > 0, 10_000);
    stack.demo.churn(20);
    stack.demo.faults.set({ fault: 'drop-watches', resource: 'pods' });
    // Cut, and nothing taken for a list meanwhile.
    expect((await upstreamOf(stack, 'pods'))?.lastList ?? null).toBeNull();
    stack.demo.faults.clear();
    const upstream = await listedBy(stack, 'pods');
    expect(upstream.lastList).toBe('paginated after streaming failed');
    expect(upstream.streamingFallbacks).toBe(1);
    // Diagnostics say what broke it off, in the list's reason and as the upstream's last error.
    expect(upstream.lastListPagedBecause).toMatch(/connection closed|ended before its initial-events-end bookmark/);
    expect(upstream.lastError).toMatch(/^streaming list failed, listing in pages instead/);
    // The cut stream was never counted as a list.
    expect(upstream.lists).toBe(1);
    client.close();
    await viewEqualsCluster(stack, 'pods', 'pods');
    // Stopped when idle and started again, pods are still suspect: in pages, saying why.
    await waitFor('the idle pods upstream to stop', async () => (await upstreamOf(stack, 'pods'))?.state === 'stopped', 10_000);
    await viewEqualsCluster(stack, 'pods', 'pods');
    const again = await listedBy(stack, 'pods');
    expect(again.lastList).toBe('paginated');
    expect(again.lastListPagedBecause).toMatch(/^a streaming list of this collection failed at .* in pages until /);
    // A cut is not a refusal: the next list of this cluster streams.
    await viewEqualsCluster(stack, 'nodes', 'nodes');
    expect((await listedBy(stack, 'nodes')).lastList).toBe('streaming');
  }, 60_000);
});

describe('a server that ignores sendInitialEvents', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A quiet cluster that bookmarks every second, more often than the 2 s silence bound.
    stack = await startStack({ demo: { pods: 300, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  test('pagesAfterTheSilenceSaysWhyInDiagnosticsAndHoldsWhatTheClusterHolds', async () => {
    // Pods' streaming list is served as a plain watch: every pod as ADDED, then bookmarks, never the end.
    stack.demo.faults.set({ fault: 'ignore-initial-events', resource: 'pods' });
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    const upstream = await listedBy(stack, 'pods');
    expect(upstream.lastList).toBe('paginated after streaming failed');
    expect(upstream.lastListPagedBecause).toBe('the streaming list sent nothing for 2000 ms but bookmarks without the initial-events-end annotation, as a server that ignores sendInitialEvents does');
    expect(upstream.lastError).toBe(`streaming list failed, listing in pages instead: ${upstream.lastListPagedBecause}`);
    expect({ lists: upstream.lists, streamingFallbacks: upstream.streamingFallbacks }).toEqual({ lists: 1, streamingFallbacks: 1 });
    await viewEqualsCluster(stack, 'pods', 'pods');
    client.close();
  }, 60_000);
});

describe('an upstream whose watch lapsed', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 300, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  test('relistsInPagesBecauseAStreamingListWouldStallWithIt', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    const first = await listedBy(stack, 'pods');
    expect(first.lastList).toBe('streaming');
    // Watches (streaming lists among them) stall; plain lists still answer.
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
    const relisted = await waitFor('a relist after the lapse', async () => {
      const upstream = (await upstreamOf(stack, 'pods')) as Listed | undefined;
      return upstream && upstream.lists > first.lists ? upstream : undefined;
    }, 30_000);
    expect(relisted.lastList).toBe('paginated');
    expect(relisted.lastListPagedBecause).toMatch(/last watch lapsed/);
    expect(relisted.lastError).toMatch(/no proof within the freshness bound/);
    client.close();
  }, 60_000);
});
