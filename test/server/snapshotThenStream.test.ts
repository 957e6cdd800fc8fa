import { MiniStore, StreamClient, feed, getJson, startStack, waitFor, demoDigest, type Stack } from './support.js';

describe('snapshot, then a subscription', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 60, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('a snapshot, then reset and updates in order with no seq gap, and heartbeats that agree', async () => {
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.items.length).toBe(60);
    expect(snapshot.body).toMatchObject({ domain: 'pods', scope: '', count: 60 });
    expect(snapshot.body.digest).toBe(demoDigest(stack.demo, 'pods').digest);

    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    const reset = await client.next('p', 'reset');
    expect(reset.seq).toBe(1);
    expect(reset.items.length).toBe(60);
    expect(reset.generation).toBeGreaterThanOrEqual(snapshot.body.generation);

    const store = new MiniStore();
    let fed = 0;
    stack.demo.churn(40);
    await waitFor('the store to match the demo cluster after churn', () => {
      fed = feed(store, client, 'p', fed);
      const truth = demoDigest(stack.demo, 'pods');
      return store.rows.size === truth.count && store.digest() === truth.digest && store.heartbeatsAgreeing > 0;
    });
    const updates = client.framesFor('p').filter((f) => f.type === 'update');
    expect(updates.length).toBeGreaterThan(0);
    expect(store.gaps).toEqual([]);
    expect(store.disagreements).toEqual([]);
    client.close();
  });
});
