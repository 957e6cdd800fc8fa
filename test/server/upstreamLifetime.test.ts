/**
 * Upstreams run only while someone needs them: the first subscriber starts the list-watch, the
 * last one leaving stops it after the idle grace period, and a new subscriber starts it again.
 */
import { StreamClient, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';


describe('upstream lifetime', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 10 }, config: { upstreamIdleGraceMs: 300 } });
  });
  afterAll(() => stack.stop());

  test('nothing is watched before anyone subscribes; the last unsubscribe stops the watch after the grace period', async () => {
    expect(stack.demo.openWatches()).toBe(0);
    expect((await getJson(`${stack.base}/api/v1/diagnostics`)).body.upstreams).toEqual([]);

    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'w', domain: 'workloads', scope: '' });
    const reset = await client.next('w', 'reset');
    const kinds = new Set(reset.items.map((row) => (row as { kind: string }).kind));
    expect(kinds.has('Deployment')).toBe(true);
    expect(kinds.has('ReplicaSet')).toBe(true);
    // One watch per workload resource, each upstream watching. The demo counts the proof's short
    // probe watches too (a second or so each, every few seconds per upstream), so at a given
    // look there may be more than six, and on a loaded machine seldom exactly six.
    await waitFor('six workload upstreams watching, with a watch open for each', async () => {
      const upstreams = (await getJson(`${stack.base}/api/v1/diagnostics`)).body.upstreams as { state: string }[];
      return upstreams.length === 6 && upstreams.every((u) => u.state === 'watching') && stack.demo.openWatches() >= 6;
    });

    client.send({ type: 'unsubscribe', id: 'w' });
    const stopped = await waitFor('the deployments upstream to stop', async () => {
      const u = await upstreamOf(stack, 'deployments');
      return u.state === 'stopped' ? u : undefined;
    });
    expect(stopped.rows).toBe(0); // the cache went with it
    await waitFor('every watch closed', () => stack.demo.openWatches() === 0);

    client.send({ type: 'subscribe', id: 'w2', domain: 'workloads', scope: '' });
    const again = await client.next('w2', 'reset');
    expect(again.count).toBe(reset.count);
    expect((await upstreamOf(stack, 'deployments')).state).toBe('watching');
    client.close();
  });

  test('a log follower is forgotten once idle, so viewing many pods does not pile them up', async () => {
    const pods = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    const pod = pods.body.items.find((p: { phase: string }) => p.phase === 'Running');
    const scope = `${pod.namespace}/${pod.name}`;
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope });
    await client.next('log', 'reset');
    expect(await upstreamOf(stack, `pod-logs:${scope}`)).toBeDefined();
    client.send({ type: 'unsubscribe', id: 'log' });
    await waitFor('the log follower to be gone from diagnostics', async () => (await upstreamOf(stack, `pod-logs:${scope}`)) === undefined);
    client.close();
  });
});
