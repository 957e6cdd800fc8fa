/**
 * Issue 14: a paginated list whose continue token expires (the cluster's history moved on past
 * the list's snapshot while we paged, as it does under churn faster than we page) falls back to
 * one unpaginated list, as client-go's pager does, instead of starting over paginated for ever;
 * diagnostics say it did; and the cache it fills equals the cluster.
 */
import { MiniStore, StreamClient, demoDigest, feed, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

describe('a list whose continue token expires', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A second of history, and 2,500 pods: five pages of 500.
    // Without the WatchList feature, so the backend lists in pages (a streaming list has no continue token).
    stack = await startStack({ demo: { pods: 2500, churn: 0, historyWindowMs: 1000, watchList: false } });
  });
  afterAll(() => stack.stop());

  test('falls back to one unpaginated read under churn, says so in diagnostics, and holds what the cluster holds', async () => {
    // Each page takes 700 ms, and the cluster changes all the while: by the second page the
    // first page's snapshot is out of the one-second history, and its continue token is refused.
    stack.demo.faults.set({ fault: 'slow', resource: 'pods', ms: 700 });
    let churning = true;
    const churn = (async () => {
      while (churning) {
        stack.demo.churn(10);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    const listed = await waitFor('the pods list to land', async () => {
      const upstream = await upstreamOf(stack, 'pods');
      return upstream?.lastList ? upstream : undefined;
    }, 60_000);
    churning = false;
    await churn;
    stack.demo.faults.clear();
    expect(listed.lastList).toBe('unpaginated after expired continue');
    expect(listed.unpaginatedFallbacks).toBeGreaterThanOrEqual(1);
    // The expired page was refused by the cluster, and one list without a limit followed it.
    expect(listed.lists).toBe(1);

    await client.next('p', 'reset', 0, 30_000);
    const store = new MiniStore();
    let fed = 0;
    await waitFor('the store to equal the cluster, confirmed by a heartbeat', () => {
      fed = feed(store, client, 'p', fed);
      const truth = demoDigest(stack.demo, 'pods');
      return store.rows.size === truth.count && store.digest() === truth.digest && store.heartbeatsAgreeing > 0;
    }, 30_000);
    expect(store.disagreements).toEqual([]);
    // Diagnostics keep the count after later lists (a relist once the slow probes let the proof lapse is paginated again).
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.upstreams.find((u: { key: string }) => u.key === 'pods').unpaginatedFallbacks).toBeGreaterThanOrEqual(1);
    client.close();
  }, 90_000);
});
