/**
 * After a snapshot the stream carries on from it instead of sending every row again: the engine
 * subscribes with `resumeFrom` at the snapshot's generation (seq 0) when the rows are the
 * backend's cache, and a cold view's rows are: the first list its cache lands, named by the
 * generation its trail carries (`resumable`). Over real sockets, counting the rows the stream
 * sends in resets and updates once the snapshot is applied.
 */
import WebSocket from 'ws';
import { createEngine, type SocketLike } from '../../adapters/engine/engine.js';
import { parseServerFrame, type SnapshotLine } from '../../adapters/protocol.js';
import { demoDigest, listsOfALoadedMachine, snapshotLinesOf, startStack, StreamClient, testConfig, waitFor, type Stack } from './support.js';

/** A kind from discovery (Table rows), large enough that its first list lands over several turns. */
const domain = 'core/v1/pods';
const pods = 10_000;

/** Rows the stream carried: each reset's items and each update's changes, as they arrive. */
function rowCountingSockets() {
  const resent = { resets: 0, rows: 0 };
  const factory = (url: string) => {
    const ws = new WebSocket(url);
    ws.on('message', (data: Buffer) => {
      const parsed = parseServerFrame(data.toString());
      if (!parsed.ok) return;
      if (parsed.frame.type === 'reset') {
        resent.resets++;
        resent.rows += parsed.frame.items.length;
      }
      if (parsed.frame.type === 'update') resent.rows += parsed.frame.changes.length;
    });
    return ws as unknown as SocketLike;
  };
  return { resent, factory };
}

async function linesOf(url: string): Promise<SnapshotLine[]> {
  return snapshotLinesOf(await (await fetch(url, { headers: { accept: 'application/x-ndjson' } })).text());
}

describe('the stream after a snapshot', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack({ demo: { pods, churn: 0 }, config: { upstreamIdleGraceMs: 60_000, ...listsOfALoadedMachine } });
  });
  afterEach(() => stack.stop());

  test("resumes from a cold view's trail: an update of nothing, not a reset of every row", async () => {
    const lines = await linesOf(`${stack.base}/api/v1/snapshot/${domain}`);
    const trail = lines.at(-1);
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    expect(trail.resumable).toBe(true);
    const client = await StreamClient.connect(stack.base);
    try {
      client.send({ type: 'subscribe', id: 'c', domain, resumeFrom: { seq: 0, generation: trail.generation } });
      const heartbeat = await client.next('c', 'heartbeat');
      expect({ count: heartbeat.count, digest: heartbeat.digest }).toEqual({ count: trail.count, digest: trail.digest });
      const frames = client.framesFor('c');
      expect(frames.filter((f) => f.type === 'reset')).toEqual([]);
      expect(frames.flatMap((f) => (f.type === 'update' ? f.changes : []))).toEqual([]);
    } finally {
      client.close();
    }
  });

  test('the engine resends no rows after a cold snapshot, nor after a warm one', async () => {
    const truth = demoDigest(stack.demo, 'pods');
    const key = `${domain}:`;
    for (const view of ['cold', 'warm']) {
      const { resent, factory } = rowCountingSockets();
      const engine = createEngine({ server: stack.backend.url, config: testConfig, socket: factory });
      try {
        engine.subscribe(domain, '');
        await waitFor(`${view}: ${domain} streamingHealthy`, () => engine.diagnostics().rows.find((r) => r.key === key)?.state === 'streamingHealthy');
        expect({ view, rows: engine.store.collection(key)?.rows.size }).toEqual({ view, rows: truth.count });
        // Every subscription resumed, and none carried a row. On a starved machine the first can
        // miss its pending timeout and the engine subscribes again (a second resume, from the same
        // rows): the claim is that no subscription resends the rows, not how many there were.
        expect({ view, ...resent }).toEqual({ view, resets: 0, rows: 0 });
        expect({ view, resumed: engine.counters.resumes >= 1, subscribedWithoutResume: engine.counters.subscribes - engine.counters.resumes }).toEqual({ view, resumed: true, subscribedWithoutResume: 0 });
      } finally {
        engine.stop();
      }
    }
  });
});

describe('a resume with nothing to replay', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Heartbeats a minute apart: only a heartbeat sent at the resume itself can arrive in time.
    stack = await startStack({ demo: { pods: 20, churn: 0 }, config: { heartbeatIntervalMs: 60_000, stallTimeoutMs: 120_000, pendingTimeoutMs: 120_000, freshnessBoundMs: 120_000, upstreamIdleGraceMs: 60_000 } });
  });
  afterAll(() => stack.stop());

  test('is proven at once by a heartbeat, not left waiting for the first timed one', async () => {
    // A snapshot of the cache (the second read: the first listed it), and its generation.
    await fetch(`${stack.base}/api/v1/snapshot/pods`);
    const snapshot = await waitFor('a snapshot from the cache', async () => {
      const body = await (await fetch(`${stack.base}/api/v1/snapshot/pods`)).json();
      return body.source === 'cache' ? body : undefined;
    });
    const client = await StreamClient.connect(stack.base);
    try {
      client.send({ type: 'subscribe', id: 'p', domain: 'pods', resumeFrom: { seq: 0, generation: snapshot.generation } });
      const heartbeat = await client.next('p', 'heartbeat', 0, 10_000);
      expect({ count: heartbeat.count, digest: heartbeat.digest }).toEqual({ count: snapshot.count, digest: snapshot.digest });
      expect(client.framesFor('p').filter((f) => f.type === 'reset' || f.type === 'update')).toEqual([]);
    } finally {
      client.close();
    }
  });
});
