/**
 * A first list that was read whole is kept when its last user lets go while it lands in the
 * cache (a list of thousands lands over several turns): the upstream lingers the idle grace
 * period like any listed one, instead of being forgotten as one that never listed, so the next
 * view is served from the cache without listing the cluster again.
 */
import { startStack, type Stack } from './support.js';

/** A kind from discovery with thousands of rows: its upstream is forgotten at release when barren. */
const key = 'core/v1/pods';
const pods = 10_000;

describe('a first list landing when its last user lets go', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A grace period far longer than the test, so only a forgotten upstream can lose the list.
    stack = await startStack({ demo: { pods, churn: 0 }, config: { upstreamIdleGraceMs: 60_000 } });
  });
  afterAll(() => stack.stop());

  test('lands, and the upstream stays for the next user with every row', async () => {
    const cluster = stack.backend.clusters.hold(null);
    try {
      await cluster.discovery.ready();
      const upstream = cluster.upstreams.acquire(key);
      // The landing yields between slices of a few ms (setImmediate); so does this look.
      const deadline = Date.now() + 30_000;
      while (!upstream.cache.landingList) {
        if (upstream.cache.listed || Date.now() > deadline) throw new Error(`never saw the first list landing (listed: ${upstream.cache.listed})`);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      cluster.upstreams.release(key);
      while (upstream.cache.landingList) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(cluster.upstreams.bounds().forgottenAtRelease).toBe(0);
      expect(cluster.upstreams.get(key)).toBe(upstream);
      expect({ listed: upstream.cache.listed, rows: upstream.cache.size }).toEqual({ listed: true, rows: stack.demo.listObjects('pods').length });
      expect(upstream.diagnostics(Date.now()).lists).toBe(1);
    } finally {
      stack.backend.clusters.release(cluster);
    }
  });
});
