/**
 * The stream's own behaviour: resume by replay, the debug faults that break it on purpose, the
 * Origin check, per-socket limits, and pod logs as a domain like the others.
 */
import WebSocket from 'ws';
import type { LogLineRow, ServerFrame } from '../../adapters/protocol.js';
import { MiniStore, StreamClient, demoDigest, feed, getJson, startStack, waitFor, type Stack } from './support.js';

const fault = (stack: Stack, body: unknown) =>
  getJson(`${stack.base}/_debug/faults`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
const clearFaults = (stack: Stack) => getJson(`${stack.base}/_debug/faults`, { method: 'DELETE' });

describe('stream', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 40, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => clearFaults(stack));

  test('resumeFrom replays the missed changes on a new connection instead of a reset', async () => {
    // Another client keeps the pods upstream (and its resume ring) alive across the cut.
    const holder = await StreamClient.connect(stack.base);
    holder.send({ type: 'subscribe', id: 'hold', domain: 'pods' });
    const first = await StreamClient.connect(stack.base);
    first.send({ type: 'subscribe', id: 'p', domain: 'pods' });
    await first.next('p', 'reset');
    const store = new MiniStore();
    stack.demo.churn(5);
    let fed = 0;
    await waitFor('the first connection to catch up and agree', () => {
      fed = feed(store, first, 'p', fed);
      return store.heartbeatsAgreeing > 0 && store.digest() === demoDigest(stack.demo, 'pods').digest;
    });
    first.close();
    await waitFor('the first socket to close', () => first.closed !== null);

    stack.demo.churn(20); // missed while disconnected
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await StreamClient.connect(stack.base);
    second.send({ type: 'subscribe', id: 'p', domain: 'pods', resumeFrom: { seq: store.lastSeq, generation: store.generation } });
    let fed2 = 0;
    await waitFor('the resumed store to agree with the cluster and a heartbeat', () => {
      fed2 = feed(store, second, 'p', fed2);
      const truth = demoDigest(stack.demo, 'pods');
      return store.digest() === truth.digest && store.heartbeatsAgreeing > 1;
    });
    const frames = second.framesFor('p');
    expect(frames.some((f) => f.type === 'reset')).toBe(false);
    expect(frames[0]!.type).toBe('update');
    expect(store.gaps).toEqual([]);
    expect(store.disagreements).toEqual([]);
    second.close();
    holder.close();
  });

  test('a resume point the backend cannot serve gets a reset, numbered on from the client seq', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'old', domain: 'pods', resumeFrom: { seq: 41, generation: 5 } });
    const reset = await client.next('old', 'reset');
    expect(reset.seq).toBe(42);
    client.close();
  });

  test('drop-next-frame skips one delivery but counts its seq, so the client sees a gap; resync repairs it', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'n', domain: 'namespaces' });
    await client.next('n', 'reset');
    const store = new MiniStore();
    let fed = feed(store, client, 'n', 0);
    expect((await fault(stack, { fault: 'drop-next-frame' })).status).toBe(200);
    await waitFor('a gap in seq', () => {
      fed = feed(store, client, 'n', fed);
      return store.gaps.length > 0;
    });
    client.send({ type: 'resync', id: 'n' });
    const mark = client.frames.length;
    const reset = await client.next('n', 'reset', mark);
    expect(reset.count).toBe(demoDigest(stack.demo, 'namespaces').count);
    client.close();
  });

  test('close-streams closes every socket and refuses new ones until cleared', async () => {
    const a = await StreamClient.connect(stack.base);
    const b = await StreamClient.connect(stack.base);
    await fault(stack, { fault: 'close-streams' });
    await waitFor('both sockets closed', () => a.closed !== null && b.closed !== null);
    await expect(StreamClient.connect(stack.base)).rejects.toThrow(/503/);
    await clearFaults(stack);
    const c = await StreamClient.connect(stack.base);
    c.close();
  });

  test('stall-streams keeps sockets open but silent, heartbeats included, then resumes', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'n', domain: 'nodes' });
    await client.next('n', 'heartbeat');
    await fault(stack, { fault: 'stall-streams' });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let frames already in flight land
    const mark = client.frames.length;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several heartbeat intervals
    expect(client.frames.length).toBe(mark);
    expect(client.closed).toBeNull();
    await clearFaults(stack);
    await client.next('n', 'heartbeat', mark);
    const store = new MiniStore();
    feed(store, client, 'n', 0);
    expect(store.gaps).toEqual([]);
    client.close();
  });

  test('the debug fault switch is off without --demo/--allow-faults', async () => {
    const quiet = await startStack({ demo: { pods: 1 }, backend: { allowFaults: false } });
    try {
      expect((await fault(quiet, { fault: 'close-streams' })).status).toBe(404);
    } finally {
      await quiet.stop();
    }
    expect((await fault(stack, { fault: 'explode' })).status).toBe(400);
  });

  test('a browser from another origin cannot open the stream; the backend\'s own origin and --allow-origin ones can', async () => {
    await expect(StreamClient.connect(stack.base, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const own = await StreamClient.connect(stack.base, { Origin: stack.base });
    own.close();
    const dev = await startStack({ demo: { pods: 1 }, backend: { allowedOrigins: ['http://localhost:5173'] } });
    try {
      const viaDev = await StreamClient.connect(dev.base, { Origin: 'http://localhost:5173' });
      viaDev.close();
      const preflight = await fetch(`${dev.base}/api/v1/snapshot/nodes`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const foreign = await fetch(`${dev.base}/healthz`, { headers: { Origin: 'http://evil.example' } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await dev.stop();
    }
  });

  test('limits and mistakes are error frames; the connection and its other subscriptions carry on', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'ok', domain: 'namespaces' });
    await client.next('ok', 'reset');
    client.send({ type: 'subscribe', id: 'ok', domain: 'nodes' });
    client.send({ type: 'unsubscribe', id: 'ghost' });
    client.send({ type: 'subscribe', id: 'x', domain: 'pods', scope: 'NOPE' });
    client.send({ type: 'subscribe', id: 'm', domain: 'node-metrics' });
    client.send('{"type":"subscribe"');
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    client.send({ type: 'resync', id: 'ok', pad: 'x'.repeat(5000) });
    for (let i = 0; i < 70; i++) client.send({ type: 'subscribe', id: `many-${i}`, domain: 'namespaces' });
    const codes = await waitFor('every error frame', () => {
      const errors = client.errors().map((e) => (e.type === 'error' ? e.code : ''));
      return errors.includes('too-many-subscriptions') && errors.length >= 8 ? errors : undefined;
    });
    expect(codes).toEqual(
      expect.arrayContaining(['duplicate-id', 'unknown-id', 'bad-scope', 'not-streamable', 'malformed-frame', 'frame-too-large', 'too-many-subscriptions']),
    );
    const mark = client.frames.length;
    await client.next('ok', 'heartbeat', mark);
    expect(client.closed).toBeNull();
    client.close();
  });

  test('unsubscribe stops the frames of that subscription only', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'a', domain: 'namespaces' });
    client.send({ type: 'subscribe', id: 'b', domain: 'nodes' });
    await client.next('a', 'reset');
    await client.next('b', 'reset');
    client.send({ type: 'unsubscribe', id: 'a' });
    // Frames of 'a' the backend sent before it read the unsubscribe may still be on their way, and
    // a 100 ms sleep does not bound that: the test's timer and a heartbeat of 'a' can fire in one
    // late turn, before the socket is read. The backend reads one socket's frames in order and
    // answers an unsubscribe of an unknown id at once, on the same socket: whatever comes after
    // that answer was sent after 'a' was gone.
    client.send({ type: 'unsubscribe', id: 'after-a' });
    const mark = 1 + (await waitFor('the answer to the unsubscribe sent after it', () => {
      const at = client.frames.findIndex((f: ServerFrame) => f.type === 'error' && f.id === 'after-a');
      return at >= 0 ? at : undefined;
    }));
    await client.next('b', 'heartbeat', mark);
    await client.next('b', 'heartbeat', client.frames.length);
    expect(client.frames.slice(mark).filter((f: ServerFrame) => f.type !== 'error' && f.id === 'a')).toEqual([]);
    client.close();
  });

  test('pod-logs: the reset carries the tail, updates carry new lines', async () => {
    const pods = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    const running = pods.body.items.find((p: { phase: string; containers: string[] }) => p.phase === 'Running' && p.containers.length > 0);
    const scope = `${running.namespace}/${running.name}/${running.containers[0]}`;
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/pod-logs?scope=${encodeURIComponent(scope)}`);
    expect(snapshot.status).toBe(200);
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope });
    const reset = await client.next('log', 'reset');
    expect(reset.items.length).toBeGreaterThan(0);
    expect((reset.items[0] as LogLineRow).line.length).toBeGreaterThan(0);
    const update = await client.next('log', 'update', 0, 15_000); // demo containers write every 1-3 s
    const added = update.changes.find((c) => c.op === 'upsert');
    expect(added && added.op === 'upsert' && (added.row as LogLineRow).container).toBe(running.containers[0]);
    const store = new MiniStore();
    let fed = 0;
    await waitFor('a heartbeat agreeing with the log store', () => {
      fed = feed(store, client, 'log', fed);
      return store.heartbeatsAgreeing > 0;
    });
    expect(store.disagreements).toEqual([]);
    client.close();
  });
});
