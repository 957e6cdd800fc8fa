/**
 * A generic kind under the demo cluster's faults recovers like the hand-made domains
 * (upstreamFaults.test.ts): a forced 410 relists and the client's store still equals the cluster;
 * a silent watch lapses, is reported `upstream stalled`, snapshots meanwhile are read fresh from
 * the API server (with their columns), and it comes back; dropped watches are reopened.
 */
import type { ResourceRow, StatusFrame } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { MiniStore, StreamClient, feed, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

const domain = 'core/v1/configmaps';

/** namespace/name@resourceVersion of every ConfigMap, from the API server. */
async function truth(stack: Stack): Promise<string> {
  const reply = await call(stack.demo, '/api/v1/configmaps');
  return (reply.json().items as { metadata: { namespace: string; name: string; resourceVersion: string } }[])
    .map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort()
    .join(',');
}

function held(store: MiniStore): string {
  return [...(store.rows.values() as Iterable<ResourceRow>)].map((r) => `${r.namespace}/${r.name}@${r.resourceVersion}`).sort().join(',');
}

let made = 0;
/** Changes ConfigMaps through the API: the demo's own churn touches them rarely. */
async function touchConfigMaps(stack: Stack, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `fault-test-${made++}`;
    const reply = await call(stack.demo, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(i) } }),
    });
    expect(reply.status).toBe(201);
    if (i % 2 === 1) expect((await call(stack.demo, `/api/v1/namespaces/default/configmaps/${name}`, { method: 'DELETE' })).status).toBe(200);
  }
}

describe('a generic kind under upstream faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 20, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  async function agreeWithCluster(client: StreamClient, store: MiniStore, id: string, fed: number): Promise<number> {
    await waitFor('the store to equal the cluster, confirmed by a heartbeat', async () => {
      fed = feed(store, client, id, fed);
      return held(store) === (await truth(stack)) && store.heartbeatsAgreeing > 0;
    });
    return fed;
  }

  test('a forced 410 relists, and the store equals the cluster after, with no gap', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'c', domain, scope: '' });
    await client.next('c', 'reset');
    const store = new MiniStore();
    let fed = feed(store, client, 'c', 0);
    await waitFor('a healthy upstream', async () => (await upstreamOf(stack, domain)).report.healthy);
    const before = (await upstreamOf(stack, domain)).report.relists;
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'configmaps' });
    await touchConfigMaps(stack, 6);
    stack.demo.faults.set({ fault: 'expire', resource: 'configmaps' });
    stack.demo.faults.set({ fault: 'drop-watches', resource: 'configmaps' });
    await waitFor('the upstream to relist', async () => (await upstreamOf(stack, domain)).report.relists > before);
    stack.demo.faults.clear();
    await touchConfigMaps(stack, 2);
    fed = await agreeWithCluster(client, store, 'c', fed);
    expect(store.gaps).toEqual([]);
    expect(store.disagreements).toEqual([]);
    client.close();
  });

  test('a silent watch lapses as `upstream stalled`, snapshots are read fresh with their columns meanwhile, and it recovers', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 's', domain, scope: '' });
    await client.next('s', 'reset');
    await waitFor('a healthy upstream', async () => (await upstreamOf(stack, domain)).report.healthy);
    stack.demo.faults.set({ fault: 'stall-watches', resource: 'configmaps' });
    await touchConfigMaps(stack, 1);
    await waitFor('a status frame saying the upstream stalled', () =>
      client.framesFor('s').find((f): f is StatusFrame => f.type === 'status' && !f.upstream.healthy && f.upstream.reason === 'upstream stalled'),
    );
    const fresh = await waitFor('a snapshot read from the API server', async () => {
      const snapshot = await getJson(`${stack.base}/api/v1/snapshot/${domain}`);
      return snapshot.body.source === 'api' ? snapshot : undefined;
    });
    expect(fresh.body.columns.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(fresh.body.items.map((r: ResourceRow) => `${r.namespace}/${r.name}@${r.resourceVersion}`).sort().join(',')).toBe(await truth(stack));
    const seen = client.frames.length;
    stack.demo.faults.clear();
    await waitFor('a frame saying the upstream is healthy again', () =>
      client.frames.slice(seen).find((f) => f.type !== 'error' && f.id === 's' && 'upstream' in f && (f as StatusFrame).upstream.healthy),
    );
    // A store built from a reset after the recovery equals the cluster.
    client.send({ type: 'resync', id: 's' });
    await client.next('s', 'reset', seen);
    const lastReset = client.framesFor('s').map((f) => f.type).lastIndexOf('reset');
    await agreeWithCluster(client, new MiniStore(), 's', lastReset);
    client.close();
  });

  test('dropped watches are reopened from where they were, and changes meanwhile arrive', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'd', domain: 'apps/v1/deployments', scope: '' });
    await client.next('d', 'reset');
    const store = new MiniStore();
    let fed = feed(store, client, 'd', 0);
    const before = await upstreamOf(stack, 'apps/v1/deployments');
    stack.demo.faults.set({ fault: 'drop-watches', resource: 'deployments' });
    stack.demo.faults.clear();
    stack.demo.churn(40);
    await waitFor('a new watch', async () => (await upstreamOf(stack, 'apps/v1/deployments')).watches > before.watches);
    await waitFor('the store to equal the cluster', async () => {
      fed = feed(store, client, 'd', fed);
      const reply = await call(stack.demo, '/apis/apps/v1/deployments');
      const expected = (reply.json().items as { metadata: { uid: string; resourceVersion: string } }[]).map((o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`).sort().join(',');
      return [...store.rows.values()].map((r) => `${r.uid}@${r.resourceVersion}`).sort().join(',') === expected && store.heartbeatsAgreeing > 0;
    });
    expect(store.gaps).toEqual([]);
    client.close();
  });
});
