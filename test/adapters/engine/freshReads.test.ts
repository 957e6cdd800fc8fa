/**
 * Fresh reads win, in the engine: a backend scripted frame by frame (a socket and an HTTP
 * endpoint the test answers, nothing of ours replaced) on the fake clock. Once a poll has read
 * the API server's truth, no reset or update from a cache that is behind it reaches the view; a
 * heartbeat from an unhealthy upstream is no drift verdict; and a 304 never confirms rows that
 * the stream changed after the answer it names.
 */
import { digestOf } from '../../../adapters/digest.js';
import type { SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { FetchLike } from '../../../adapters/engine/snapshots.js';
import type { ClientFrame, PodRow, ServerFrame } from '../../../adapters/protocol.js';
import type { UpstreamReport } from '../../../machines/types.js';
import { flush, TestClock } from '../../support/clock.js';
import { testConfig } from '../../support/subscriptionHarness.js';

function pod(name: string, rv: string): PodRow {
  return {
    uid: `uid-${name}`, resourceVersion: rv, name, namespace: 'shop', phase: 'Running', ready: '1/1', restarts: 0,
    nodeName: 'n1', owner: null, createdAt: null, deleting: false, containers: ['app'],
  } as unknown as PodRow;
}

const healthy: UpstreamReport = { state: 'watching', healthy: true, reason: null, proofAgeMs: 0 };
const stalled: UpstreamReport = { state: 'watching', healthy: false, reason: 'upstream stalled', proofAgeMs: testConfig.freshnessBoundMs + 1 };

/** The backend as the test plays it: snapshots answered from a queue, frames sent by hand. */
function scriptedBackend() {
  const requests: Array<{ url: string; ifNoneMatch: string | undefined }> = [];
  const answers: Array<{ status: 200 | 403; body: object; etag?: string }> = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, ifNoneMatch: init?.headers?.['if-none-match'] });
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${url}`);
    return {
      status: answer.status,
      ok: answer.status === 200,
      headers: { get: (name: string) => (name.toLowerCase() === 'etag' ? (answer.etag ?? null) : null) },
      json: async () => answer.body,
      text: async () => '',
    };
  };
  const sent: ClientFrame[] = [];
  let socket: SocketLike | null = null;
  const factory = () => {
    const s: SocketLike = {
      readyState: 0,
      onopen: null,
      onclose: null,
      onerror: null,
      onmessage: null,
      send: (data: string) => sent.push(JSON.parse(data) as ClientFrame),
      close: () => {},
    };
    socket = s;
    return s;
  };
  let seq = 0;
  return {
    fetch,
    factory,
    requests,
    sent,
    answer(body: object, etag = `"${requests.length}"`) {
      answers.push({ status: 200, body, etag });
    },
    forbid() {
      answers.push({ status: 403, body: { error: 'forbidden', reason: 'pods is forbidden' } });
    },
    open() {
      (socket as { readyState: number }).readyState = 1;
      socket!.onopen?.({});
    },
    frame(frame: Omit<ServerFrame, 'id' | 'seq'> & Record<string, unknown>) {
      socket!.onmessage?.({ data: JSON.stringify({ ...frame, id: 'pods:shop', seq: ++seq }) });
    },
  };
}

function snapshot(items: PodRow[], generation: number, source: 'cache' | 'api', upstream: UpstreamReport) {
  return { domain: 'pods', scope: 'shop', resourceVersion: items[0]?.resourceVersion ?? '0', generation, generatedAt: '', items, count: items.length, digest: digestOf(items), upstream, source };
}

const cached = [pod('a', '1'), pod('b', '1')];
const truth = [pod('a', '2'), pod('c', '2')];

// Degraded long enough for two polls, so a test can watch both.
const config = { ...testConfig, degradeTimeoutMs: 3 * testConfig.snapshotPollIntervalMs.pods };

async function healthyOnTheCache() {
  const backend = scriptedBackend();
  const clock = new TestClock();
  const engine = createEngine({
    server: 'http://backend.test/',
    config,
    socket: backend.factory,
    fetch: backend.fetch,
    clock: Object.assign(clock, { active: 0 }),
    visibility: { subscribe: () => () => {} },
    online: { subscribe: () => () => {} },
  });
  backend.open();
  backend.answer(snapshot(cached, 10, 'cache', healthy));
  engine.subscribe('pods', 'shop');
  await flush();
  backend.frame({ type: 'reset', generation: 10, resourceVersion: '1', items: cached, count: 2, digest: digestOf(cached), upstream: healthy });
  const state = () => engine.diagnostics().rows[0]?.state;
  expect(state()).toBe('streamingHealthy');
  return { engine, backend, clock, state };
}

const held = (engine: ReturnType<typeof createEngine>) => engine.store.rows('pods:shop').map((r) => `${r.uid}@${r.resourceVersion}`).sort();

test('aStaleCachesResetAfterAFreshPollIsRefusedAndItsHeartbeatsAreNoDrift', async () => {
  const { engine, backend, state } = await healthyOnTheCache();

  // The upstream stalls: degraded, and the poll at once reads the API server.
  backend.answer(snapshot(truth, 20, 'api', stalled));
  backend.frame({ type: 'status', generation: 10, upstream: stalled });
  await flush();
  expect(state()).toBe('degraded');
  expect(engine.diagnostics().rows[0]?.reason).toBe('upstream stalled');
  expect(held(engine)).toEqual(['uid-a@2', 'uid-c@2']);

  // The stalled cache's own view comes back as a reset and an update: neither is applied.
  backend.frame({ type: 'reset', generation: 10, resourceVersion: '1', items: cached, count: 2, digest: digestOf(cached), upstream: stalled });
  backend.frame({ type: 'update', generation: 10, resourceVersion: '1', changes: [{ op: 'upsert', row: pod('b', '1') }] });
  expect(held(engine)).toEqual(['uid-a@2', 'uid-c@2']);
  expect(engine.counters.framesRefused).toBe(2);
  expect(engine.store.collection('pods:shop')?.refused).toBe(2);

  // Its heartbeats describe the stale cache: no drift, so no resync asked of it.
  const resyncsBefore = backend.sent.filter((f) => f.type === 'resync').length;
  for (let i = 0; i < 3; i++) {
    backend.frame({ type: 'heartbeat', generation: 10, resourceVersion: '1', count: 2, digest: digestOf(cached), upstream: stalled });
  }
  expect(engine.counters.drifts).toBe(0);
  expect(backend.sent.filter((f) => f.type === 'resync').length).toBe(resyncsBefore);
  expect(state()).toBe('degraded');
  engine.stop();
});

test('aPollAfterTheStreamChangedTheRowsAsksUnconditionally', async () => {
  const { engine, backend, clock } = await healthyOnTheCache();
  backend.answer(snapshot(truth, 20, 'api', stalled), '"api-truth"');
  backend.frame({ type: 'status', generation: 10, upstream: stalled });
  await flush();
  expect(backend.requests.at(-1)?.ifNoneMatch).toBeUndefined();

  // Nothing changed the rows since that answer: the next poll may ask whether it still holds.
  backend.answer(snapshot(truth, 21, 'api', stalled), '"api-truth"');
  clock.advance(testConfig.snapshotPollIntervalMs.pods);
  await flush();
  expect(backend.requests.at(-1)?.ifNoneMatch).toBe('"api-truth"');

  // A frame newer than the read changes the rows: a 304 would now confirm rows the API server
  // never sent, so the next poll carries no If-None-Match.
  backend.frame({ type: 'update', generation: 30, resourceVersion: '3', changes: [{ op: 'upsert', row: pod('d', '3') }] });
  expect(held(engine)).toContain('uid-d@3');
  backend.answer(snapshot(truth, 31, 'api', stalled), '"api-truth"');
  clock.advance(testConfig.snapshotPollIntervalMs.pods);
  await flush();
  expect(backend.requests.at(-1)?.ifNoneMatch).toBeUndefined();
  expect(held(engine)).toEqual(['uid-a@2', 'uid-c@2']);
  engine.stop();
});

test('aForbiddenPollWhileDegradedUnsubscribesOnTheWire', async () => {
  // The backend used to keep streaming to a subscription the machine had blocked.
  const { engine, backend, state } = await healthyOnTheCache();
  backend.forbid();
  backend.frame({ type: 'status', generation: 10, upstream: stalled });
  await flush();
  expect(state()).toBe('blocked');
  expect(backend.sent.map((f) => f.type)).toEqual(['subscribe', 'unsubscribe']);
  engine.stop();
});
