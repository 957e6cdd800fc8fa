/**
 * The engine end to end: demo cluster → backend (list-watch, HTTP, WebSocket) → engine (machines,
 * adapters, store), over real sockets. Nothing of ours is mocked; faults come from the demo
 * cluster's and the backend's own fault surfaces.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { NodeRow } from '../../../adapters/protocol.js';
import type { DiagnosticsRow } from '../../../machines/diagnostics.js';
import type { Stack } from '../../server/support.js';
import { startStack, testConfig, waitFor } from '../../server/support.js';
import { followReasons, reasonsSaid, unfoundedLapseNames } from '../../support/viewReasons.js';

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

let stack: Stack;
let engine: Engine | null = null;

afterEach(async () => {
  engine?.stop();
  engine = null;
  await fetch(`${stack.base}/_debug/faults`, { method: 'DELETE' }).catch(() => undefined);
  stack.demo.faults.clear();
});

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 3, pods: 40, churn: 0, seed: 11 } });
});

afterAll(async () => {
  await stack.stop();
});

function start(): Engine {
  engine = createEngine({ server: stack.backend.url, config: testConfig, socket: nodeSocket });
  return engine;
}

function row(e: Engine, key: string): DiagnosticsRow | undefined {
  return e.diagnostics().rows.find((r) => r.key === key);
}

function inState(e: Engine, key: string, state: string, reason?: string) {
  return () => {
    const r = row(e, key);
    return r && r.state === state && (reason === undefined || r.reason === reason) ? r : undefined;
  };
}

async function debugFault(body: object | null): Promise<void> {
  const response = await fetch(`${stack.base}/_debug/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(response.status).toBeLessThan(300);
}

/** The store equals the cluster, object by object: same uids at the same resourceVersions. */
function expectStoreMatchesCluster(e: Engine, key: string, resource: string) {
  const cluster = (stack.demo.listObjects(resource) as Array<{ metadata: { uid: string; resourceVersion: string } }>)
    .map((o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`)
    .sort();
  const held = e.store
    .rows(key)
    .map((r) => `${r.uid}@${r.resourceVersion}`)
    .sort();
  expect(held).toEqual(cluster);
}

async function healthyPods(): Promise<Engine> {
  const e = start();
  e.subscribe('pods', '');
  await waitFor('pods streamingHealthy', inState(e, 'pods:', 'streamingHealthy'));
  return e;
}

test('firstDataComesFromASnapshotAndPollingPausesOnlyAfterADelivery', async () => {
  const e = start();
  // What wrote the rows the first time the store spoke with a whole answer (a snapshot sent as
  // lines shows rows before, marked loading): the stream cannot have, since the machine
  // subscribes only once the snapshot is in.
  let firstWriter: string | null | undefined;
  e.store.subscribe(() => {
    const c = e.store.collection('pods:');
    if (firstWriter === undefined && c && c.loading === null && c.version > 0) firstWriter = c.source;
  });
  e.subscribe('pods', '');
  await waitFor('first rows', () => firstWriter !== undefined);
  expect(['cache', 'api']).toContain(firstWriter); // a snapshot, not the stream
  const healthy = await waitFor('healthy', inState(e, 'pods:', 'streamingHealthy'));
  expect(healthy).toMatchObject({ mode: 'streaming', health: 'healthy', polling: { enabled: false } });
  expect(healthy.stream).toMatchObject({ connected: true, delivering: true });
  // The machine's own log: snapshot, then pending with polling on, then healthy.
  expect(healthy.transitions.map((t) => t.to).slice(0, 3)).toEqual(['snapshotting', 'streamingPending', 'streamingHealthy']);
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('aStreamThatNeverDeliversStaysOnSnapshotsAndFallsBackWithNoDelivery', async () => {
  const e = start();
  await debugFault({ fault: 'stall-streams' });
  e.subscribe('nodes', '');
  const fallback = await waitFor('fallbackPolling (no delivery)', inState(e, 'nodes:', 'fallbackPolling', 'no delivery'));
  expect(fallback.polling.enabled).toBe(true);
  expect(fallback.counters.deliveries).toBe(0);
  expect(e.store.rows('nodes:').length).toBe(3); // data came from snapshots
  await debugFault(null);
  await waitFor('healthy once the stream delivers', inState(e, 'nodes:', 'streamingHealthy'));
});

test('killedSocketFallsBackAtOnceAndRecovers', async () => {
  const e = await healthyPods();
  const snapshotsBefore = row(e, 'pods:')!.counters.snapshots! + row(e, 'pods:')!.counters.unchangedPolls!;
  await debugFault({ fault: 'close-streams' });
  const killedAt = Date.now();
  const fallback = await waitFor('fallbackPolling (disconnect)', inState(e, 'pods:', 'fallbackPolling', 'disconnect'));
  expect(fallback).toMatchObject({ mode: 'polling', health: 'degraded', polling: { enabled: true } });
  const polled = await waitFor('a fallback snapshot', () => {
    const r = row(e, 'pods:')!;
    return r.counters.snapshots! + r.counters.unchangedPolls! > snapshotsBefore ? Date.now() : undefined;
  });
  expect(polled - killedAt).toBeLessThan(5000); // generous: the design bound is one second
  expect(e.diagnostics().connection?.open).toBe(false);
  await debugFault(null);
  await waitFor('streamingPending after reconnect', () => {
    const r = row(e, 'pods:');
    return r && (r.state === 'streamingPending' || r.state === 'streamingHealthy');
  });
  const back = await waitFor('healthy again', inState(e, 'pods:', 'streamingHealthy'));
  expect(back.polling.enabled).toBe(false);
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('aShortCutResumesFromTheLastSeqInsteadOfAFullReset', async () => {
  const e = await healthyPods();
  const resetsBefore = e.counters.resetsReceived;
  await debugFault({ fault: 'close-streams' });
  await waitFor('fallbackPolling (disconnect)', inState(e, 'pods:', 'fallbackPolling', 'disconnect'));
  await debugFault(null);
  await waitFor('healthy again', inState(e, 'pods:', 'streamingHealthy'));
  expect(e.counters.resumes).toBeGreaterThan(0);
  expect(e.counters.resetsReceived).toBe(resetsBefore);
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('aDroppedFrameIsDriftThatResyncsBackToHealthy', async () => {
  const e = await healthyPods();
  await debugFault({ fault: 'drop-next-frame' });
  await waitFor('drift seen', () => (row(e, 'pods:')!.counters.drifts! > 0 ? true : undefined));
  await waitFor('healthy after resync', inState(e, 'pods:', 'streamingHealthy'));
  const r = row(e, 'pods:')!;
  expect(r.counters.resyncs).toBeGreaterThan(0);
  expect(r.transitions.map((t) => `${t.to}:${t.reason ?? ''}`)).toContain('degraded:drift');
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('aStalledUpstreamWatchIsReportedAndPollingResumes', async () => {
  const e = await healthyPods();
  const view = followReasons(e, 'pods:');
  stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
  const degraded = await waitFor(
    'degraded for an upstream stall',
    () => {
      const r = row(e, 'pods:');
      return r && (r.state === 'degraded' || r.state === 'fallbackPolling') && r.reason === 'upstream stalled' ? r : undefined;
    },
    30_000,
  );
  expect(degraded.polling.enabled).toBe(true);
  // Its own proof timer may have run out first: then it said only `upstream unproven`, and named
  // the stall once the backend did. It never named a lapse the backend had not.
  view.stop();
  expect(unfoundedLapseNames(view.changes)).toEqual([]);
  expect(reasonsSaid(view.changes)).not.toContain('upstream behind');
  stack.demo.faults.clear();
  await waitFor('healthy after the upstream recovers', inState(e, 'pods:', 'streamingHealthy'), 30_000);
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('aFallbackForAStalledUpstreamEndsOnThePollThatShowsItBackNotOnTheStreamsBackoff', async () => {
  // A stream backoff far longer than the test's wait: only a poll can end this fallback in time.
  const config = { ...testConfig, degradeTimeoutMs: 1_000, backoffBaseMs: 120_000, backoffCapMs: 120_000, snapshotPollIntervalMs: { pods: 1_000 } };
  engine = createEngine({ server: stack.backend.url, config, socket: nodeSocket });
  const e = engine;
  e.subscribe('pods', '');
  await waitFor('pods streamingHealthy', inState(e, 'pods:', 'streamingHealthy'));
  stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
  await waitFor('fell back for the upstream stall', inState(e, 'pods:', 'fallbackPolling', 'upstream stalled'), 30_000);
  const subscribes = row(e, 'pods:')!.counters.streamSubscribes ?? 0;
  stack.demo.faults.clear();
  // Within 30 s, where the stream's backoff would have taken 60-120 s; and by one more subscribe.
  await waitFor('streaming again', inState(e, 'pods:', 'streamingHealthy'), 30_000);
  expect(row(e, 'pods:')!.counters.streamSubscribes).toBe(subscribes + 1);
  expectStoreMatchesCluster(e, 'pods:', 'pods');
});

test('forbiddenResourceIsBlockedForPermissionsAndMissingScopeIsNoScope', async () => {
  stack.demo.faults.set({ fault: 'forbid', resource: 'namespaces' });
  const e = start();
  e.subscribe('namespaces', '');
  e.subscribe('pod-logs', '');
  const blocked = await waitFor('blocked (permissions)', inState(e, 'namespaces:', 'blocked', 'permissions'));
  expect(blocked.health).toBe('unhealthy');
  expect(row(e, 'pod-logs:')).toMatchObject({ health: 'unhealthy', reason: 'no scope', polling: { enabled: false } });
});

test('aRefusalOfTheFirstListWhileASnapshotFollowsItBlocksAtTheFirstAnswer', async () => {
  // The list is slowed, so the snapshot finds it under way and follows its pages as lines; the
  // list is then refused. Said as a refusal, it blocks the view at once: said as a generic error
  // (as before), the view showed "errors" and learned of the refusal only at its next poll.
  stack.demo.faults.set({ fault: 'slow', resource: 'namespaces', ms: 1500 });
  stack.demo.faults.set({ fault: 'forbid', resource: 'namespaces' });
  const e = start();
  e.subscribe('namespaces', '');
  const blocked = await waitFor('blocked (permissions)', inState(e, 'namespaces:', 'blocked', 'permissions'));
  // The first answer was the refusal: one snapshot error, and it carries the API server's words.
  expect(blocked.counters.snapshotErrors).toBe(1);
  expect(blocked.lastError).toMatch(/namespaces is forbidden/);
});

test('metricsArriveOnTheIntervalAndNeverTouchRows', async () => {
  const e = await healthyPods();
  e.subscribe('nodes', '');
  e.subscribe('node-metrics', '');
  await waitFor('nodes healthy', inState(e, 'nodes:', 'streamingHealthy'));
  const before = JSON.stringify(e.store.rows('nodes:'));
  // Timed from the second poll: the first goes out as the view opens, and the nodes view is
  // healthy only at its first heartbeat (it resumes from its snapshot, no reset), so by then the
  // first poll is long past and would be seen late.
  await waitFor('second metrics poll', () => ((row(e, 'node-metrics:')?.counters.polls ?? 0) >= 2 ? true : undefined));
  const firstPollAt = Date.now();
  await waitFor('four metrics polls', () => ((row(e, 'node-metrics:')?.counters.polls ?? 0) >= 4 ? true : undefined));
  // Real clock, deliberately wide bound: two more polls took about two intervals, neither a
  // burst (much less) nor a stalled cadence (much more).
  const elapsed = Date.now() - firstPollAt;
  expect(elapsed).toBeGreaterThanOrEqual(testConfig.metricsIntervalMs! * 2 - 100);
  expect(elapsed).toBeLessThan(testConfig.metricsIntervalMs! * 2 + 5000);
  const r = row(e, 'node-metrics:')!;
  expect(r).toMatchObject({ mode: 'metrics-only', health: 'healthy', polling: { enabled: true, intervalMs: testConfig.metricsIntervalMs } });
  const node = e.store.rows<NodeRow>('nodes:')[0]!;
  expect(e.store.metricsFor('node', node.name)?.usage.cpuMillicores).toEqual(expect.any(Number));
  expect(JSON.stringify(e.store.rows('nodes:'))).toBe(before);
});

test('manualRefreshWhileHealthyResyncsOverTheStream', async () => {
  const e = await healthyPods();
  const before = row(e, 'pods:')!;
  e.refresh('pods', '');
  await waitFor('a resync reset', () => (row(e, 'pods:')!.counters.resyncs! > before.counters.resyncs! ? true : undefined));
  const after = row(e, 'pods:')!;
  expect(after.state).toBe('streamingHealthy');
  expect(after.counters.snapshots).toBe(before.counters.snapshots);
});

test('becomingVisibleAgainResyncsBeforeTrustingTheData', async () => {
  const listeners = new Set<(visible: boolean) => void>();
  const visibility = { subscribe: (l: (v: boolean) => void) => (listeners.add(l), () => listeners.delete(l)) };
  engine = createEngine({ server: stack.backend.url, config: testConfig, socket: nodeSocket, visibility });
  const e = engine;
  e.subscribe('pods', '');
  await waitFor('healthy', inState(e, 'pods:', 'streamingHealthy'));
  const resyncs = row(e, 'pods:')!.counters.resyncs!;
  for (const l of listeners) l(false);
  expect(row(e, 'pods:')!.counters.resyncs).toBe(resyncs);
  for (const l of listeners) l(true);
  await waitFor('a resync', () => (row(e, 'pods:')!.counters.resyncs! > resyncs ? true : undefined));
  e.stop();
  engine = null;
  expect(listeners.size).toBe(0);
});

test('stoppingWhileTheSocketIsStillConnectingDoesNotCrash', async () => {
  // A stalled accept: the TCP connection opens but the upgrade never answers.
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const e = createEngine({ server: `http://127.0.0.1:${port}/`, config: testConfig, socket: nodeSocket });
  await waitFor('a connection attempt', () => sockets.length > 0);
  expect(e.diagnostics().connection?.state).toBe('connecting');
  e.stop(); // closes a socket that is still connecting: 'error' must not reach the process
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  expect(e.clock.active).toBe(0);
});

test('stoppingTheEngineLeavesNoTimerRunning', async () => {
  const e = await healthyPods();
  e.subscribe('node-metrics', '');
  expect(e.clock.active).toBeGreaterThan(0);
  e.stop();
  engine = null;
  expect(e.clock.active).toBe(0);
});
