/**
 * A quiet resource on a healthy cluster never lapses, even at a bound of 3 s (the soak's and the
 * quick bench's) and with an API server that takes 300 ms to start answering. A pass is dated
 * when its probe asked, so a proof is already as old as the probe took (here 1.3 s: the delay,
 * then the server's bookmark a second in) when it arrives, and oldest just before the next pass:
 * the probes must start often enough that this stays short of the bound. Started a third of the
 * bound after the last one started, the peak is about 1.3 + 1.3 = 2.6 s; counted from the end of
 * each probe, a quarter of the bound apart, it was 1.3 + 0.75 + 1.3 = 3.35 s, a lapse each time.
 */
import { StreamClient, startStack, testConfig, upstreamOf, waitFor, type Stack } from './support.js';

let stack: Stack;
const boundMs = 3_000;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 20, churn: 0 }, config: { ...testConfig, freshnessBoundMs: boundMs } });
});
afterAll(() => stack.stop());

test('a quiet resource on an API server 300 ms slow to answer stays proven at a 3 s bound', async () => {
  const client = await StreamClient.connect(stack.base);
  try {
    client.send({ type: 'subscribe', id: 'n', domain: 'namespaces', scope: '' });
    await client.next('n', 'reset');
    await waitFor('the namespaces upstream to be healthy', async () => (await upstreamOf(stack, 'namespaces'))?.report.healthy);
    stack.demo.faults.set({ fault: 'slow', resource: 'namespaces', ms: 300 });
    const before = await upstreamOf(stack, 'namespaces');
    await new Promise((resolve) => setTimeout(resolve, 5 * boundMs));
    const after = await upstreamOf(stack, 'namespaces');
    stack.demo.faults.clear();
    expect(after.proof.passed).toBeGreaterThan(before.proof.passed);
    expect(after.proof.lapses).toBe(before.proof.lapses);
    expect(after.report).toMatchObject({ healthy: true, reason: null });
  } finally {
    client.close();
  }
}, 60_000);
