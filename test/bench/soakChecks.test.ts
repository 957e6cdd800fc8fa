/**
 * The soak's verdicts must be able to fail: a stale view that says healthy, a store that differs
 * from the cluster, a leak and a growing heap are each reported.
 */
import { RowStore } from '../../adapters/engine/store.js';
import type { Row } from '../../adapters/protocol.js';
import { resolveConfig } from '../../machines/config.js';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { Health } from '../../machines/types.js';
import {
  compareVersions,
  describeDivergence,
  heapGrowthProblem,
  leakProblems,
  requestAllowanceMs,
  staleButHealthy,
  TruthTracker,
  truthBound,
  viewAges,
  type ViewedEngine,
} from '../../bench/soakChecks.js';

const config = resolveConfig({ stallTimeoutMs: 2000, heartbeatIntervalMs: 500, pendingTimeoutMs: 2500, metricsIntervalMs: 2000 });

function diagnosticsRow(key: string, health: Health, machine: DiagnosticsRow['machine'] = 'subscription', dataAgeMs: number | null = 0): DiagnosticsRow {
  const [domain, scope] = key.split(':') as [DiagnosticsRow['domain'], string];
  return {
    key,
    domain,
    scope,
    machine,
    state: health === 'healthy' ? 'streamingHealthy' : 'degraded',
    mode: machine === 'metrics' ? 'metrics-only' : 'streaming',
    health,
    reason: health === 'healthy' ? null : 'stalled',
    stream: null,
    polling: { enabled: health !== 'healthy', intervalMs: null },
    metricsIntervalMs: config.metricsIntervalMs,
    upstream: null,
    freshnessBoundMs: config.freshnessBoundMs,
    upstreamProofAgeMs: null,
    proofAgeMs: null,
    itemCount: null,
    dataAgeMs,
    sampleAgeMs: null,
    holders: 1,
    lastError: null,
    counters: {},
    transitions: [],
  };
}

function engineWith(rows: DiagnosticsRow[], store: RowStore, clock: { now(): number }): ViewedEngine {
  return { diagnostics: () => ({ connection: null, rows, metricsIntervalMs: config.metricsIntervalMs, rejected: [] }), config: () => config, clock, store };
}

const pod = (uid: string, resourceVersion: string) => ({ uid, resourceVersion, name: uid, namespace: 'shop' }) as unknown as Row;

test('aStaleViewThatSaysHealthyIsReported', () => {
  let now = 10_000;
  const clock = { now: () => now };
  const store = new RowStore(clock.now);
  store.applyReset('pods:', { items: [pod('a', '1')], generation: 1, seq: 1, resourceVersion: '1' });
  const bound = config.stallTimeoutMs + requestAllowanceMs;

  now += bound - 1;
  expect(staleButHealthy(viewAges(engineWith([diagnosticsRow('pods:', 'healthy')], store, clock)))).toEqual([]);

  now += 2; // past the bound, the machine still says healthy: a silent stale view
  const reported = staleButHealthy(viewAges(engineWith([diagnosticsRow('pods:', 'healthy')], store, clock)));
  expect(reported).toEqual([{ key: 'pods:', ageMs: bound + 1, boundMs: bound }]);
});

test('theStoresAgeCountsNotTheMachinesAccountOfDeliveries', () => {
  let now = 0;
  const clock = { now: () => now };
  const store = new RowStore(clock.now);
  store.applyReset('nodes:', { items: [pod('n', '1')], generation: 1, seq: 1, resourceVersion: '1' });
  now = 60_000;
  // Diagnostics claim fresh data (dataAgeMs 0), but the store was last written a minute ago.
  const rows = [diagnosticsRow('nodes:', 'healthy', 'subscription', 0)];
  expect(staleButHealthy(viewAges(engineWith(rows, store, clock))).map((v) => v.key)).toEqual(['nodes:']);
});

test('aStaleViewThatSaysDegradedIsNotAViolation', () => {
  const views = [{ key: 'pods:', health: 'degraded' as const, ageMs: 60_000, boundMs: 3000 }];
  expect(staleButHealthy(views)).toEqual([]);
});

test('lateTimersWidenTheBoundByHowLateTheyWere', () => {
  const views = [{ key: 'pods:', health: 'healthy' as const, ageMs: 3500, boundMs: 3000 }];
  expect(staleButHealthy(views, 0)).toHaveLength(1);
  expect(staleButHealthy(views, 600)).toEqual([]);
});

test('aStaleHealthyMetricsViewIsReportedFromItsDataAge', () => {
  const store = new RowStore(() => 0);
  const rows = [diagnosticsRow('node-metrics:', 'healthy', 'metrics', config.metricsIntervalMs + requestAllowanceMs + 1)];
  expect(staleButHealthy(viewAges(engineWith(rows, store, { now: () => 0 })))).toHaveLength(1);
});

test('aDivergedStoreIsReportedObjectByObject', () => {
  const store = new RowStore(() => 0);
  store.applyReset('pods:', { items: [pod('a', '1'), pod('b', '5'), pod('gone', '3')], generation: 2, seq: 1, resourceVersion: '5' });
  const held = store.rows('pods:').map((r) => `${r.uid}@${r.resourceVersion}`);
  const cluster = ['a@1', 'b@6', 'new@7'];
  const d = compareVersions('pods:', cluster, held)!;
  expect([...d.missing].sort()).toEqual(['b@6', 'new@7']);
  expect([...d.extra].sort()).toEqual(['b@5', 'gone@3']);
  expect(d.staleVersions).toBe(1);
  expect(describeDivergence(d)).toMatch(/^pods:: 2 missing .*2 extra .*1 at an old resourceVersion/);
  expect(compareVersions('pods:', ['a@1', 'b@5', 'gone@3'], held)).toBeNull();
});

test('leaksAreNamed', () => {
  expect(leakProblems({ timers: 0, actors: 0, sockets: 0, backendClients: 0, upstreamWatches: 0 })).toEqual([]);
  expect(leakProblems({ timers: 2, actors: 1, sockets: 0, backendClients: 0, upstreamWatches: 3 })).toEqual(['2 timers left', '1 actors left', '3 upstreamWatches left']);
});

test('heapGrowthPastTheAllowanceIsAProblem', () => {
  const start = 100 * 1048576;
  expect(heapGrowthProblem(start, start + 10 * 1048576)).toBeNull();
  expect(heapGrowthProblem(start, start + 40 * 1048576)).toMatch(/heap grew by 40\.0 MB/);
});

describe('TruthTracker: how far behind the cluster a view is', () => {
  test('an object counts from the last moment the store matched the cluster; agreeing again clears it', () => {
    const tracker = new TruthTracker();
    expect(tracker.observe('pods:', ['a@1', 'b@1'], ['a@1', 'b@1'], 0)).toEqual({ oldestMs: 0, disagreeing: 0 });
    // The cluster moves on; the store (a stalled cache's view) does not: a@1 was last true at 0.
    expect(tracker.observe('pods:', ['a@2', 'b@1', 'c@1'], ['a@1', 'b@1'], 1_000)).toEqual({ oldestMs: 1_000, disagreeing: 2 });
    expect(tracker.observe('pods:', ['a@2', 'b@1', 'c@1'], ['a@1', 'b@1', 'c@1'], 4_000)).toEqual({ oldestMs: 4_000, disagreeing: 1 });
    // The store catches up to a@2 just as the cluster moves to a@3: it was right as of 4,000.
    expect(tracker.observe('pods:', ['a@3', 'b@1', 'c@1'], ['a@2', 'b@1', 'c@1'], 5_000)).toEqual({ oldestMs: 1_000, disagreeing: 1 });
    // A deleted object still held was last true when the cluster last had it.
    expect(tracker.observe('pods:', ['a@3', 'c@1'], ['a@3', 'b@1', 'c@1'], 6_000)).toEqual({ oldestMs: 1_000, disagreeing: 1 });
    expect(tracker.observe('pods:', ['a@3', 'c@1'], ['a@3', 'b@1', 'c@1'], 12_000)).toEqual({ oldestMs: 7_000, disagreeing: 1 });
    expect(tracker.observe('pods:', ['a@3', 'c@1'], ['a@3', 'c@1'], 13_000)).toEqual({ oldestMs: 0, disagreeing: 0 });
    // Views are tracked apart; an object never seen right counts from the oldest state kept.
    expect(tracker.observe('nodes:', ['n@1'], [], 13_000)).toEqual({ oldestMs: 0, disagreeing: 1 });
    expect(tracker.observe('nodes:', ['n@1'], [], 15_000)).toEqual({ oldestMs: 2_000, disagreeing: 1 });
    // A version the cluster had only between two looks (x@2, between x@1 and x@3): true until
    // x@3 arrived, so it counts from the last look before that.
    expect(tracker.observe('jobs:', ['x@1'], ['x@1'], 0)).toEqual({ oldestMs: 0, disagreeing: 0 });
    expect(tracker.observe('jobs:', ['x@1'], ['x@1'], 1_000)).toEqual({ oldestMs: 0, disagreeing: 0 });
    expect(tracker.observe('jobs:', ['x@3'], ['x@2'], 2_000)).toEqual({ oldestMs: 1_000, disagreeing: 1 });
    expect(tracker.observe('jobs:', ['x@3'], ['x@2'], 5_000)).toEqual({ oldestMs: 4_000, disagreeing: 1 });
  });

  test('the truth bound is the freshness bound plus the check period and the checker lateness', () => {
    expect(truthBound(config, 1_000, 0)).toBe(config.freshnessBoundMs + 1_000);
    expect(truthBound(config, 1_000, 400)).toBe(config.freshnessBoundMs + 1_400);
  });
});
