/**
 * A finished container's log is complete: the backend follows it once, finds the follow ended
 * because the run ended, and stays healthy without reopening it, asking the pod again only every
 * `finishedRecheckMs`. Counted on the real demo cluster, whose follow of a finished run ends at once.
 */
import { finishedRecheckMs } from '../../adapters/kube/logs.js';
import { startStack, StreamClient, upstreamOf, waitFor, type Stack } from './support.js';

interface DemoPod {
  metadata: { name: string; namespace: string };
  spec: { containers: { name: string }[] };
  status: { phase?: string };
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 60, namespaces: 7 } });
});

afterAll(async () => {
  await stack.stop();
});

function requestsTo(path: string): number {
  return stack.demo.requestCounts()[`GET ${path}`] ?? 0;
}

test('followsAFinishedContainerOnceAndStaysHealthy', async () => {
  const pods = stack.demo.listObjects('pods') as DemoPod[];
  const done = pods.find((p) => p.status.phase === 'Succeeded');
  if (!done) throw new Error('the demo cluster generated no finished (Job) pod to follow');
  const { name, namespace } = done.metadata;
  const container = done.spec.containers[0]!.name;
  const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;
  const logPath = `${podPath}/log`;

  const client = await StreamClient.connect(stack.base);
  client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope: `${namespace}/${name}/${container}` });
  const reset = await client.next('log', 'reset');
  expect(reset.items.length).toBeGreaterThan(0); // the finished run's log is there

  // Long enough for a re-follow loop (backoff 100 ms doubling to 1 s in tests) to show many times over.
  const watchMs = finishedRecheckMs + 2_500;
  await new Promise((resolve) => setTimeout(resolve, watchMs));

  // The tail, and one follow that ended with the run; never reopened.
  expect(requestsTo(logPath)).toBe(2);
  // The pod is asked again about once per recheck, to notice a restart.
  expect(requestsTo(podPath)).toBeGreaterThanOrEqual(2);
  expect(requestsTo(podPath)).toBeLessThanOrEqual(2 + Math.ceil(watchMs / finishedRecheckMs));

  const upstream = await waitFor('the log upstream in diagnostics', () => upstreamOf(stack, `pod-logs:${namespace}/${name}/${container}`));
  expect(upstream.report).toMatchObject({ state: 'watching', healthy: true, errors: 0 });
  expect(upstream.watches).toBe(1);
  client.close();
}, 30_000);
