import { diagnose } from '../../machines/diagnostics.js';
import { flush } from '../support/clock.js';
import { startOrchestrator } from '../support/orchestratorHarness.js';
import { testConfig } from '../support/subscriptionHarness.js';

const now = (h: ReturnType<typeof startOrchestrator>) => h.clock.now();

describe('orchestrator', () => {
  test('twoViewsOnOneDomainAndScopeShareOneActor', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'default' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'default' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'kube-system' });
    await flush();
    const subs = h.actor.getSnapshot().context.subscriptions;
    expect(Object.keys(subs).sort()).toEqual(['pods:default', 'pods:kube-system']);
    expect(subs['pods:default']?.holders).toBe(2);
    // one snapshot fetch per actor, not per view
    expect(h.fetch.calls.filter((c) => c.input.scope === 'default')).toHaveLength(1);
  });

  test('aSubscriptionIsOnTheStreamExactlyWhileItsActorStreams', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'default' });
    await flush();
    expect(h.streams).toEqual(['pods:default']);
    // The socket drops: every streaming subscription falls back and leaves the stream.
    h.socket.close();
    expect(h.streams).toEqual([]);
    h.clock.advance(testConfig.backoffCapMs); // the connection's reconnect backoff
    h.socket.open();
    await flush();
    expect(h.streams).toEqual(['pods:default']);
    // The last view leaves: once the linger passes the actor stops, and with it the subscription.
    h.actor.send({ type: 'UNSUBSCRIBE', domain: 'pods', scope: 'default' });
    h.clock.advance(testConfig.unsubscribeLingerMs);
    expect(h.actor.getSnapshot().context.subscriptions['pods:default']).toBeUndefined();
    expect(h.streams).toEqual([]);
  });

  test('actorStopsAfterTheLastHolderLeavesAndTheLingerPasses', async () => {
    const h = startOrchestrator();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'nodes', scope: '' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'nodes', scope: '' });
    await flush();
    const ref = h.actor.getSnapshot().context.subscriptions['nodes:']!.ref;
    h.actor.send({ type: 'UNSUBSCRIBE', domain: 'nodes', scope: '' });
    h.clock.advance(testConfig.unsubscribeLingerMs * 2);
    expect(h.actor.getSnapshot().context.subscriptions['nodes:']?.holders).toBe(1);
    h.actor.send({ type: 'UNSUBSCRIBE', domain: 'nodes', scope: '' });
    h.clock.advance(testConfig.unsubscribeLingerMs - 1);
    expect(h.actor.getSnapshot().context.subscriptions['nodes:']).toBeDefined();
    h.clock.advance(1);
    expect(h.actor.getSnapshot().context.subscriptions['nodes:']).toBeUndefined();
    expect(h.released).toEqual(['nodes:']);
    expect(ref.getSnapshot().status).toBe('stopped');
  });

  test('resubscribingDuringTheLingerKeepsTheSameActor', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: '' });
    await flush();
    const ref = h.actor.getSnapshot().context.subscriptions['pods:']!.ref;
    h.actor.send({ type: 'ROUTE', key: 'pods:', event: { type: 'STREAM.DELIVERED', kind: 'reset' } });
    h.actor.send({ type: 'UNSUBSCRIBE', domain: 'pods', scope: '' });
    h.clock.advance(testConfig.unsubscribeLingerMs / 2);
    h.actor.send({ type: 'ROUTE', key: 'pods:', event: { type: 'STREAM.DELIVERED', kind: 'heartbeat' } });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: '' });
    h.clock.advance(testConfig.unsubscribeLingerMs * 4);
    expect(h.actor.getSnapshot().context.subscriptions['pods:']?.ref).toBe(ref);
    expect(h.released).toEqual([]);
    expect(h.fetch.calls).toHaveLength(1);
  });

  test('socketOpenAndCloseReachEveryStreamingSubscription', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: '' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'nodes', scope: '' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'node-metrics', scope: '' });
    await flush();
    for (const key of ['pods:', 'nodes:']) {
      h.actor.send({ type: 'ROUTE', key, event: { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true } });
    }
    let rows = diagnose(h.actor.getSnapshot(), now(h)).rows;
    expect(rows.map((r) => [r.key, r.mode, r.health, r.polling.enabled])).toEqual([
      ['node-metrics:', 'metrics-only', 'healthy', true],
      ['nodes:', 'streaming', 'healthy', false],
      ['pods:', 'streaming', 'healthy', false],
    ]);
    h.socket.close();
    await flush();
    rows = diagnose(h.actor.getSnapshot(), now(h)).rows;
    expect(rows.map((r) => [r.key, r.mode, r.reason, r.polling.enabled])).toEqual([
      ['node-metrics:', 'metrics-only', null, true],
      ['nodes:', 'polling', 'disconnect', true],
      ['pods:', 'polling', 'disconnect', true],
    ]);
    expect(diagnose(h.actor.getSnapshot(), now(h)).connection?.state).toBe('reconnecting');
  });

  test('connectionReconnectsWithBackoffBoundedByCap', async () => {
    const h = startOrchestrator();
    expect(h.socket.opened).toBe(1);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.socket.close();
      const [wait] = h.clock.pendingDelays();
      waits.push(wait!);
      h.clock.advance(wait!);
    }
    expect(h.socket.opened).toBe(9);
    expect(waits.slice(0, 3)).toEqual([300, 600, 1200]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(testConfig.backoffCapMs);
    h.socket.open();
    h.socket.close();
    expect(h.clock.pendingDelays()[0]).toBe(300); // an open socket resets the backoff
  });

  test('reconnectSkipsTheBackoffWait', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.socket.close();
    expect(h.socket.opened).toBe(1);
    expect(h.clock.pendingDelays()).toEqual([300]);
    h.actor.send({ type: 'RECONNECT' });
    expect(h.socket.opened).toBe(2);
    expect(h.clock.pendingDelays()).not.toContain(300);
    h.actor.send({ type: 'REFRESH' }); // nothing subscribed: not an error
    expect(h.actor.getSnapshot().context.rejected).toEqual([]);
  });

  test('newSubscriptionStartsWithTheCurrentSocketState', async () => {
    const h = startOrchestrator();
    h.socket.open();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'events', scope: '' });
    await flush();
    const row = diagnose(h.actor.getSnapshot(), now(h)).rows[0]!;
    expect(row.state).toBe('streamingPending');
    expect(row.stream?.connected).toBe(true);
  });

  test('badRequestsAreRefusedWithAReasonAndChangeNothing', async () => {
    const h = startOrchestrator();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'deployments' as never, scope: '' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'Not A Namespace' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'nodes', scope: 'default' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 7 as never });
    h.actor.send({ type: 'UNSUBSCRIBE', domain: 'pods', scope: 'default' });
    h.actor.send({ type: 'ROUTE', key: 'pods:nowhere', event: { type: 'STREAM.DRIFT', detail: 'x' } });
    h.actor.send({ type: 'CONFIG.SET', overrides: { metricsIntervalMs: -1 } });
    h.actor.send({ type: 'NONSENSE' } as never);
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.status).toBe('active');
    expect(snapshot.context.subscriptions).toEqual({});
    expect(snapshot.context.config).toEqual(testConfig);
    expect(snapshot.context.rejected).toEqual([
      'subscribe: unknown domain "deployments"',
      'subscribe: "Not A Namespace" is not a namespace name',
      'subscribe: nodes is cluster-wide and takes no scope',
      'subscribe: scope of pods must be a string',
      'unsubscribe: no subscription "pods:default"',
      'route: no streaming subscription "pods:nowhere"',
      expect.stringMatching(/metricsIntervalMs must be greater than zero/),
    ]);
  });

  test('podLogsWithoutScopeShowsNoScope', async () => {
    const h = startOrchestrator();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pod-logs', scope: '' });
    await flush();
    const row = diagnose(h.actor.getSnapshot(), now(h)).rows[0]!;
    expect(row).toMatchObject({ domain: 'pod-logs', health: 'unhealthy', reason: 'no scope', polling: { enabled: false } });
    expect(h.fetch.calls).toHaveLength(0);
  });

  test('changingTheMetricsIntervalReachesMetricsActorsAndDiagnostics', async () => {
    const h = startOrchestrator();
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: '' });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'pod-metrics', scope: '' });
    await flush();
    h.actor.send({ type: 'CONFIG.SET', overrides: { metricsIntervalMs: 2000 } });
    await flush();
    const fetchesBefore = h.fetch.calls.length;
    h.clock.advance(2000);
    expect(h.fetch.calls.length).toBe(fetchesBefore + 1);
    const d = diagnose(h.actor.getSnapshot(), now(h));
    expect(d.metricsIntervalMs).toBe(2000);
    expect(d.rows.find((r) => r.key === 'pod-metrics:')).toMatchObject({ metricsIntervalMs: 2000, polling: { enabled: true, intervalMs: 2000 } });
    // Streaming rows report the same cadence: no row of the Diagnostics tab shows a stale one.
    expect(d.rows.map((r) => r.metricsIntervalMs)).toEqual([2000, 2000]);
  });

  test('forcedSnapshotOnlyDomainPolls', async () => {
    const h = startOrchestrator({ retrieval: { events: 'snapshot' } });
    h.actor.send({ type: 'SUBSCRIBE', domain: 'events', scope: '' });
    await flush();
    const row = diagnose(h.actor.getSnapshot(), now(h)).rows[0]!;
    expect(row).toMatchObject({ machine: 'snapshotOnly', mode: 'polling', stream: null });
    h.clock.advance(testConfig.snapshotPollIntervalMs.events);
    expect(h.fetch.calls).toHaveLength(2);
  });

  test('stoppingTheOrchestratorLeavesNoTimerOrSocket', async () => {
    const h = startOrchestrator();
    h.socket.open();
    for (const domain of ['pods', 'nodes', 'node-metrics', 'pod-metrics'] as const) {
      h.actor.send({ type: 'SUBSCRIBE', domain, scope: '' });
    }
    await flush();
    h.socket.close();
    await flush();
    expect(h.clock.pendingCount).toBeGreaterThan(0);
    h.actor.stop();
    expect(h.clock.pendingCount).toBe(0);
    expect(h.socket.live).toBe(false);
  });
});
