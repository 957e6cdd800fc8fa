/**
 * Resets in pieces over a real socket: a view of more rows than one piece holds gets its reset as
 * a `reset` frame plus `reset-piece` frames, nothing of the subscription between them, and the
 * rows they add up to are exactly the cluster's (read from the demo cluster's own store).
 */
import { rowsPerResetPiece } from '../../server/streamSocket.js';
import { MiniStore, StreamClient, demoDigest, expectStillAgreeing, feed, getJson, startStack, waitFor, type Stack } from './support.js';

const pods = 2500;

describe('a reset in pieces', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('comes as a reset and its numbered pieces, with nothing between them, adding up to the cluster pods', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods' });
    const truth = demoDigest(stack.demo, 'pods');
    const pieces = Math.ceil(truth.count / rowsPerResetPiece);
    await waitFor('every piece', () => client.framesFor('p').filter((f) => f.type === 'reset-piece').length === pieces - 1);
    const all = client.framesFor('p');
    const start = all.findIndex((f) => f.type === 'reset'); // status frames may come first, while the upstream lists
    const frames = all.slice(start, start + pieces);
    const [head, ...rest] = frames;
    if (head?.type !== 'reset') throw new Error(`first frame is ${head?.type}`);
    expect(head.pieces).toBe(pieces);
    expect(head.items).toHaveLength(rowsPerResetPiece);
    expect(rest.map((f) => (f.type === 'reset-piece' ? `${f.seq}/${f.piece}` : f.type))).toEqual(rest.map((_, i) => `${head.seq}/${i + 1}`));
    const store = new MiniStore();
    feed(store, client, 'p', start);
    expect(store.disagreements).toEqual([]);
    expect({ count: store.rows.size, digest: store.digest() }).toEqual(truth);
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    const mine = diagnostics.body.clients.find((c: { subscriptions: { id: string }[] }) => c.subscriptions.some((s) => s.id === 'p'));
    expect(mine.piecewiseResets).toBe(1);
    client.close();
  });

  test('changes made while its pieces go out follow it as updates, and heartbeats then agree with the cluster', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'p', domain: 'pods' });
    await client.next('p', 'reset');
    stack.demo.churn(40);
    client.send({ type: 'resync', id: 'p' }); // a second reset in pieces, under the same churn
    stack.demo.churn(40);
    const store = new MiniStore();
    let fed = 0;
    await waitFor('the store to hold the cluster pods with agreeing heartbeats', () => {
      fed = feed(store, client, 'p', fed);
      const truth = demoDigest(stack.demo, 'pods');
      return store.heartbeatsAgreeing > 1 && store.digest() === truth.digest;
    });
    expect(store.gaps).toEqual([]);
    expect(store.disagreements).toEqual([]);
    await expectStillAgreeing(client, 'p');
    client.close();
  });
});
