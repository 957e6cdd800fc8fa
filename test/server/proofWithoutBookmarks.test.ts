/**
 * A resource whose API server sends no bookmarks (its watch cache switched off, so it is watched
 * straight from etcd): under churn the upstream is still proven, by the changes a probe saw up to
 * its deadline, and never lapses; the proof still catches a half-open watch on such a server.
 */
import { StreamClient, startStack, testConfig, upstreamOf, waitFor, type Stack } from './support.js';

let stack: Stack;
// Without bookmarks a probe lasts its whole 3 s. A bound of 6 s left room for one probe and a
// pause, and a quiet serial CI run (19:10 UTC, 2026-12-01) saw one lapse in its 18 s: 9 s, nearer
// the 10 s default, leaves room for a probe that saw no change as well.
const boundMs = 9_000;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 60, churn: 20, bookmarks: false }, config: { ...testConfig, freshnessBoundMs: boundMs } });
});
afterAll(() => stack.stop());

test('a busy resource on a server without bookmarks stays proven, and a black hole still lapses', async () => {
  // A subscriber keeps the pods list-watch running for the whole test.
  const client = await StreamClient.connect(stack.base);
  client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
  await client.next('p', 'reset');
  await waitFor('the pods upstream to be healthy', async () => (await upstreamOf(stack, 'pods'))?.report.healthy);
  const before = await upstreamOf(stack, 'pods');
  // Three bounds: without a proof the upstream would have lapsed at least twice.
  await new Promise((resolve) => setTimeout(resolve, 3 * boundMs));
  const after = await upstreamOf(stack, 'pods');
  expect(after.proof.lapses).toBe(before.proof.lapses);
  expect(after.proof.passed).toBeGreaterThan(before.proof.passed);
  expect(after.report).toMatchObject({ healthy: true, reason: null });
  expect(after.report.proofAgeMs).toBeLessThanOrEqual(boundMs);

  stack.demo.faults.set({ fault: 'blackhole-watches', resource: 'pods' });
  try {
    const lapsed = await waitFor('the black-holed upstream to lapse', async () => {
      const u = await upstreamOf(stack, 'pods');
      return u.proof.lapses > after.proof.lapses ? u : undefined;
    });
    expect(lapsed.report.healthy).toBe(false);
  } finally {
    stack.demo.faults.clear();
    client.close();
  }
}, 90_000);
