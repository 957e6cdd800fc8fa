/**
 * A client that stops reading must not make the backend buffer without bound: past the bound it
 * gets nothing more queued, and once its socket drains, what it is owed: one reset for a
 * subscription that asked for one (or fell too far behind), one update of what changed otherwise.
 */
import type { StreamHub } from '../../server/stream.js';
import { MiniStore, StreamClient, demoDigest, feed, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

type ClientDiagnostics = ReturnType<StreamHub['diagnostics']>[number];

const bound = 256 * 1024;
/** Each test's own waits add up past jest's 30 s default on a loaded machine (stop 21's CI). */
const testMs = 120_000;

/** A client's subscription `id` in a diagnostics reading. */
function subscriptionOf(client: ClientDiagnostics, id: string) {
  const subscription = client.subscriptions.find((s) => s.id === id);
  if (!subscription) throw new Error(`client ${client.id} has no subscription "${id}"`);
  return subscription;
}

describe('a slow client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 3000, churn: 0 }, backend: { limits: { maxBufferedBytes: bound } } });
  });
  afterAll(() => stack.stop());
  // Closed whatever a test did: a failed test's paused client would otherwise load the next one.
  const opened: StreamClient[] = [];
  const connect = async () => {
    const client = await StreamClient.connect(stack.base);
    opened.push(client);
    return client;
  };
  afterEach(() => {
    for (const client of opened.splice(0)) client.close();
  });

  /** One diagnostics reading of the client holding subscription `id`. */
  async function clientHolding(id: string): Promise<ClientDiagnostics> {
    const { body } = await getJson(`${stack.base}/api/v1/diagnostics`);
    const client = (body.clients as ClientDiagnostics[]).find((c) => c.subscriptions.some((s) => s.id === id));
    if (!client) throw new Error(`no client holds subscription "${id}"`);
    return client;
  }

  test('gets nothing queued while congested, never grows the backend send buffer past the bound plus one frame, and catches up once it reads again', async () => {
    const snapshot = await fetch(`${stack.base}/api/v1/snapshot/pods`);
    const frameBytes = (await snapshot.text()).length; // a reset of every pod is about one snapshot
    const healthy = await connect();
    healthy.send({ type: 'subscribe', id: 'n', domain: 'namespaces' });
    await healthy.next('n', 'reset');

    // 'p' asks for resets; 'q' only follows changes, so it owes no reset and would be due heartbeats.
    const slow = await connect();
    slow.send({ type: 'subscribe', id: 'p', domain: 'pods' });
    slow.send({ type: 'subscribe', id: 'q', domain: 'pods' });
    await slow.next('p', 'reset');
    await slow.next('q', 'reset');
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the backend's would
    // Each resync asks for a full reset (~1 MB): 60 of them would be 60 MB without backpressure.
    for (let i = 0; i < 60; i++) slow.send({ type: 'resync', id: 'p' });

    // The kernel takes several MB of a paused reader's stream before the backend's own buffer
    // grows (on loopback, the send buffer and the reader's receive window), so a first congestion
    // can end at the next drain poll, once the kernel has taken the frame that caused it. Keep
    // asking for resets until a congestion lasts through churn, resyncs, a malformed frame and a
    // heartbeat round: congested in both readings, with no new congestion between, never ended.
    const { before, after } = await waitFor('a congestion that lasts through churn, resyncs and a heartbeat round', async () => {
      const before = await clientHolding('p');
      if (!before.congested) {
        slow.send({ type: 'resync', id: 'p' });
        return false;
      }
      const healthySeq = subscriptionOf(await clientHolding('n'), 'n').seq;
      stack.demo.churn(200);
      for (let i = 0; i < 10; i++) slow.send({ type: 'resync', id: 'p' });
      slow.send('not json'); // would be answered by an error frame
      // The healthy client on its own socket is unaffected: it gets the heartbeat round.
      await waitFor('a heartbeat to the healthy client, sent after that reading', () =>
        healthy.framesFor('n').some((f) => f.type === 'heartbeat' && f.seq > healthySeq),
      );
      const after = await waitFor('the resyncs and the malformed frame to reach the backend', async () => {
        const reading = await clientHolding('p');
        return reading.framesIn >= before.framesIn + 11 && reading;
      });
      return after.congested && after.congestions === before.congestions && { before, after };
    });
    console.log(`slow client: peak send buffer ${after.peakBufferedBytes} bytes, bound ${bound}, reset frame ~${frameBytes} bytes, rss ${(await getJson(`${stack.base}/api/v1/diagnostics`)).body.memory.rssBytes}`);
    expect(after.peakBufferedBytes).toBeLessThanOrEqual(bound + frameBytes * 1.2);
    // While congested nothing was queued: no update for the churn, no heartbeat, no reset, no error.
    for (const id of ['p', 'q']) expect(subscriptionOf(after, id).frames).toBe(subscriptionOf(before, id).frames);
    expect(after.errorsSent).toBe(before.errorsSent);
    // What it is owed waits: the resyncs as one reset, the churn coalesced per pod.
    expect(subscriptionOf(after, 'p').owesReset).toBe(true);
    expect(subscriptionOf(after, 'q').owesReset).toBe(false);
    expect(subscriptionOf(after, 'q').pendingChanges).toBeGreaterThan(0);
    expect(subscriptionOf(after, 'q').pendingChanges).toBeLessThanOrEqual(stack.backend.limits.maxPendingChanges);

    slow.socket.resume();
    const stores = { p: new MiniStore(), q: new MiniStore() };
    const fed = { p: 0, q: 0 };
    await waitFor('the slow client to catch up after draining and agree with the cluster', () => {
      const truth = demoDigest(stack.demo, 'pods');
      return (['p', 'q'] as const).every((id) => {
        fed[id] = feed(stores[id], slow, id, fed[id]);
        return stores[id].lastSeq > subscriptionOf(after, id).seq && stores[id].digest() === truth.digest && stores[id].heartbeatsAgreeing > 0;
      });
    }, 40_000);
    for (const store of Object.values(stores)) {
      expect(store.gaps).toEqual([]);
      expect(store.disagreements).toEqual([]);
    }
    // After the drain: one reset for all the resyncs, and the churn as an update, not a reset.
    const sinceCongested = (id: string) => slow.framesFor(id).filter((f) => f.type !== 'error' && f.seq > subscriptionOf(before, id).seq);
    expect(sinceCongested('p')[0]?.type).toBe('reset');
    expect(sinceCongested('p').filter((f) => f.type === 'reset')).toHaveLength(1);
    expect(sinceCongested('q')[0]?.type).toBe('update');
    expect(sinceCongested('q').filter((f) => f.type === 'reset')).toHaveLength(0);
    expect((await clientHolding('p')).congested).toBe(false);
    slow.close();
    healthy.close();
  }, testMs);

  test('changes that pile up while a client is congested arrive as one update after the drain, not as another reset', async () => {
    const client = await connect();
    client.socket.pause();
    // Twelve subscriptions' resets (~1 MB each) fill the kernel buffers and pass the bound.
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
    for (const id of ids) client.send({ type: 'subscribe', id, domain: 'pods' });
    await waitFor('the client to be congested', async () => {
      const d = await getJson(`${stack.base}/api/v1/diagnostics`);
      return d.body.clients.some((c: { congested: boolean }) => c.congested);
    });
    stack.demo.churn(50);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.socket.resume();
    const stores = new Map(ids.map((id) => [id, new MiniStore()]));
    const fed = new Map(ids.map((id) => [id, 0]));
    await waitFor('every subscription to agree with the cluster', () => {
      const truth = demoDigest(stack.demo, 'pods');
      return ids.every((id) => {
        const store = stores.get(id)!;
        fed.set(id, feed(store, client, id, fed.get(id)!));
        return store.heartbeatsAgreeing > 0 && store.digest() === truth.digest;
      });
    }, 60_000).catch(async (error: Error) => {
      // Which subscriptions did not get there, and what they and the backend say of them.
      const truth = demoDigest(stack.demo, 'pods').digest;
      const holding = await clientHolding(ids[0]!);
      const behind = ids
        .filter((id) => stores.get(id)!.digest() !== truth || stores.get(id)!.heartbeatsAgreeing === 0)
        .map((id) => {
          const store = stores.get(id)!;
          const kinds = client.framesFor(id).map((f) => f.type).join(',').slice(-200);
          return `${id}: agrees ${store.digest() === truth}, heartbeats agreeing ${store.heartbeatsAgreeing}, seq ${store.lastSeq}, gaps ${store.gaps.length}, frames ${kinds}; backend ${JSON.stringify(subscriptionOf(holding, id))}`;
        });
      const { state, lists, errors, lastError, lastList, proof } = (await upstreamOf(stack, 'pods')) ?? {};
      const upstream = JSON.stringify({ state, lists, errors, lastError, lastList, proof });
      throw new Error(`${error.message}; congested ${holding.congested}; the pods upstream ${upstream}; ${behind.join(' | ')}`);
    });
    // Those whose reset went out before the congestion caught up through updates: one reset each.
    const resetsPerSubscription = ids.map((id) => client.framesFor(id).filter((f) => f.type === 'reset').length);
    expect(resetsPerSubscription.every((n) => n === 1)).toBe(true);
    for (const store of stores.values()) {
      expect(store.gaps).toEqual([]);
      expect(store.disagreements).toEqual([]);
    }
    client.close();
  }, testMs); // twelve ~1 MB resets through a paused socket on a shared machine; the wait above allows 60 s of it

  test('a healthy client that falls too far behind in one batch gets a reset at once', async () => {
    const small = await startStack({ demo: { pods: 30 }, backend: { limits: { maxPendingChanges: 3 } } });
    try {
      const client = await StreamClient.connect(small.base);
      client.send({ type: 'subscribe', id: 'p', domain: 'pods' });
      await client.next('p', 'reset');
      small.demo.churn(40); // far more than 3 changed pods inside one batch window
      const store = new MiniStore();
      let fed = 0;
      await waitFor('a second reset and a store that agrees with the cluster', () => {
        fed = feed(store, client, 'p', fed);
        const resets = client.framesFor('p').filter((f) => f.type === 'reset').length;
        return resets >= 2 && store.digest() === demoDigest(small.demo, 'pods').digest && store.heartbeatsAgreeing > 0;
      });
      expect(store.gaps).toEqual([]);
      expect(store.disagreements).toEqual([]);
      client.close();
    } finally {
      await small.stop();
    }
  });
});
