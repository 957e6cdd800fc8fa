import { diagnoseSubscription } from '../../machines/diagnostics.js';
import { flush } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { startSubscription, testConfig } from '../support/subscriptionHarness.js';

const heartbeat = { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true } as const;
const update = { type: 'STREAM.DELIVERED', kind: 'update' } as const;
const bound = testConfig.freshnessBoundMs;

/** A healthy upstream whose last proof is `proofAgeMs` old. */
const proven = (proofAgeMs: number | null) => ({ state: 'watching', healthy: true, reason: null, proofAgeMs });
const provenHeartbeat = (proofAgeMs: number | null) => ({ ...heartbeat, upstream: proven(proofAgeMs) });

async function healthy() {
  const h = startSubscription({});
  await flush();
  expect(h.state()).toBe('streamingPending');
  h.actor.send(heartbeat);
  expect(h.state()).toBe('streamingHealthy');
  return h;
}

/** Healthy until `ms` more pass, then degraded for `reason`, polling at once. */
function expectDegradesAfter(h: Awaited<ReturnType<typeof healthy>>, ms: number, reason: string) {
  const before = h.fetch.calls.length;
  h.clock.advance(ms - 1);
  expect(h.state()).toBe('streamingHealthy');
  h.clock.advance(1);
  expect(h.state()).toBe('degraded');
  expect(h.actor.getSnapshot().context.reason).toBe(reason);
  expect(h.fetch.calls.length).toBe(before + 1);
}

/**
 * A healthy view told by a status frame that its upstream is unhealthy for `reported`: degraded at
 * once, polling at once, saying `said`.
 */
async function degradedByStatus(reported: string, said: string) {
  const h = await healthy();
  const before = h.fetch.calls.length;
  h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: reported, proofAgeMs: bound + 1 } });
  expect(h.state()).toBe('degraded');
  expect(h.actor.getSnapshot().context.reason).toBe(said);
  expect(h.fetch.calls.length).toBe(before + 1);
  return h;
}

describe('subscription machine', () => {
  test('loadsSnapshotThenSubscribes', async () => {
    const h = startSubscription({});
    expect(h.state()).toBe('snapshotting');
    expect(h.fetch.calls).toHaveLength(1);
    expect(h.fetch.calls[0]?.input).toEqual({ domain: 'pods', scope: 'default' });
    await flush();
    expect(h.state()).toBe('streamingPending');
    expect(h.effects).toEqual(['subscribeToStream']);
    expect(h.actor.getSnapshot().context.itemCount).toBe(3);
  });

  test('pausesPollingOnlyAfterFirstDelivery', async () => {
    const h = startSubscription({});
    await flush();
    // Pending: polling stays on, a poll happens after one interval.
    h.clock.advance(testConfig.pendingTimeoutMs - 1);
    expect(h.state()).toBe('streamingPending');
    h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
    expect(h.state()).toBe('streamingHealthy');
    const before = h.fetch.calls.length;
    h.clock.advance(testConfig.snapshotPollIntervalMs.pods * 3);
    // stall timeout passes first and polling resumes, but not while healthy:
    expect(h.fetch.calls.length).toBeGreaterThan(before);
    expect(h.state()).not.toBe('streamingHealthy');
  });

  test('healthyStreamIsNotPolled', async () => {
    const h = await healthy();
    const before = h.fetch.calls.length;
    for (let i = 0; i < 20; i++) {
      h.clock.advance(testConfig.heartbeatIntervalMs);
      h.actor.send(heartbeat);
    }
    expect(h.state()).toBe('streamingHealthy');
    expect(h.fetch.calls.length).toBe(before);
  });

  test('fallsBackWhenNothingIsDeliveredInTime', async () => {
    const h = startSubscription({});
    await flush();
    h.clock.advance(testConfig.pendingTimeoutMs);
    expect(h.state()).toBe('fallbackPolling');
    expect(h.actor.getSnapshot().context.reason).toBe('no delivery');
    expect(h.effects).toContain('unsubscribeFromStream');
  });

  test('fallsBackWhenSocketCloses', async () => {
    const h = await healthy();
    const before = h.fetch.calls.length;
    h.actor.send({ type: 'SOCKET.CLOSED' });
    expect(h.state()).toBe('fallbackPolling');
    expect(h.actor.getSnapshot().context.reason).toBe('disconnect');
    // Immediate snapshot, no waiting for a poll interval.
    expect(h.fetch.calls.length).toBe(before + 1);
  });

  test('resubscribesWhenSocketReopensAndStaysPollingUntilProven', async () => {
    const h = await healthy();
    h.actor.send({ type: 'SOCKET.CLOSED' });
    await flush();
    h.actor.send({ type: 'SOCKET.OPENED' });
    expect(h.state()).toBe('streamingPending');
    expect(h.effects.filter((e) => e === 'subscribeToStream')).toHaveLength(2);
    const row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
    expect(row.polling.enabled).toBe(true);
    expect(row.reason).toBe('disconnect');
    h.actor.send(heartbeat);
    expect(h.state()).toBe('streamingHealthy');
  });

  test('stallMakesItDegradedAndPollsAtOnce', async () => {
    expectDegradesAfter(await healthy(), testConfig.stallTimeoutMs, 'stalled');
  });

  test('eachDeliveryRestartsTheStallTimer', async () => {
    const h = await healthy();
    for (let i = 0; i < 5; i++) {
      h.clock.advance(testConfig.stallTimeoutMs - 1);
      h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
    }
    expect(h.state()).toBe('streamingHealthy');
  });

  test('driftResyncsAndDegrades', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.DRIFT', detail: 'seq gap 4..6' });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('drift');
    expect(h.effects).toContain('requestResync');
  });

  test('hysteresisNeedsKGoodDeliveriesAndAnAgreeingDigest', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.DRIFT', detail: 'digest' });
    await flush();
    // Updates alone do not prove the digest agrees.
    for (let i = 0; i < testConfig.hysteresisCount + 2; i++) h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
    expect(h.state()).toBe('degraded');
    h.actor.send({ type: 'STREAM.DRIFT', detail: 'again' });
    h.actor.send(heartbeat);
    h.actor.send(heartbeat);
    expect(h.state()).toBe('degraded');
    h.actor.send(heartbeat);
    expect(h.state()).toBe('streamingHealthy');
    expect(h.actor.getSnapshot().context.reason).toBeNull();
  });

  test('degradedTooLongFallsBackToPolling', async () => {
    const h = await healthy();
    h.clock.advance(testConfig.stallTimeoutMs);
    expect(h.state()).toBe('degraded');
    await flush();
    h.clock.advance(testConfig.degradeTimeoutMs);
    expect(h.state()).toBe('fallbackPolling');
    expect(h.actor.getSnapshot().context.reason).toBe('stalled');
  });

  test('upstreamTroubleReportedOnHeartbeatDegrades', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false } });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream');
    // Good heartbeats do not count while the upstream is unhealthy.
    for (let i = 0; i < 5; i++) h.actor.send({ ...heartbeat, upstream: { state: 'backoff', healthy: false } });
    expect(h.state()).toBe('degraded');
    for (let i = 0; i < 3; i++) h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: true } });
    expect(h.state()).toBe('streamingHealthy');
  });

  test('snapshotFailureRetriesWithBackoffBoundedByCap', async () => {
    const fetch = new FetchControl<{ domain: 'pods'; scope: string }, never>({ error: new HttpError(500, 'boom') });
    const h = startSubscription({ fetch: fetch as never });
    await flush();
    expect(h.state()).toBe('snapshotting');
    expect(h.actor.getSnapshot().context.reason).toBe('errors');
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [delay] = h.clock.pendingDelays();
      delays.push(delay ?? -1);
      h.clock.advance(delay ?? 0);
      await flush();
    }
    expect(delays.slice(0, 4)).toEqual([300, 600, 1200, 2400]); // 0.75 × base × 2^n with random = 0.5
    expect(Math.max(...delays)).toBeLessThanOrEqual(testConfig.backoffCapMs);
    expect(delays.at(-1)).toBe(6000); // cap 8000 with equal jitter at 0.5
    expect(fetch.calls.length).toBe(11);
  });

  test('forbiddenSnapshotBlocksWithoutHotLoop', async () => {
    const fetch = new FetchControl<{ domain: 'pods'; scope: string }, never>({ error: new HttpError(403, 'pods is forbidden') });
    const h = startSubscription({ fetch: fetch as never });
    await flush();
    expect(h.state()).toBe('blocked');
    expect(h.actor.getSnapshot().context.reason).toBe('permissions');
    h.clock.advance(testConfig.backoffCapMs - 1);
    await flush();
    expect(fetch.calls).toHaveLength(1);
    h.clock.advance(1);
    await flush();
    expect(fetch.calls).toHaveLength(2);
  });

  test('scopedDomainWithoutScopeIsBlockedAndFetchesNothing', async () => {
    const h = startSubscription({ domain: 'pod-logs', scope: '' });
    await flush();
    expect(h.state()).toBe('blocked');
    expect(h.fetch.calls).toHaveLength(0);
    const row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
    expect(row).toMatchObject({ health: 'unhealthy', reason: 'no scope', polling: { enabled: false } });
    h.clock.advance(60_000);
    expect(h.fetch.calls).toHaveLength(0);
    h.actor.send({ type: 'SCOPE.CHANGED', scope: 'default/web-1' });
    await flush();
    expect(h.fetch.calls[0]?.input).toEqual({ domain: 'pod-logs', scope: 'default/web-1' });
    expect(h.state()).toBe('streamingPending');
  });

  test('scopeChangeDropsOldDataAndAbortsTheFetchInFlight', async () => {
    const fetch = new FetchControl<{ domain: 'pods'; scope: string }, { count: number; changed: boolean }>();
    const h = startSubscription({ fetch: fetch as never });
    expect(fetch.calls).toHaveLength(1);
    h.actor.send({ type: 'SCOPE.CHANGED', scope: 'kube-system' });
    expect(fetch.calls[0]?.aborted).toBe(true);
    expect(fetch.calls[1]?.input).toEqual({ domain: 'pods', scope: 'kube-system' });
    // Nothing was subscribed yet (the first snapshot was in flight), so nothing to unsubscribe.
    expect(h.effects).toEqual(['dropScopeData']);
    expect(h.actor.getSnapshot().context.scope).toBe('kube-system');
  });

  test('manualRefreshWhileHealthyAsksTheStreamToResync', async () => {
    const h = await healthy();
    const before = h.fetch.calls.length;
    h.actor.send({ type: 'REFRESH' });
    expect(h.effects.at(-1)).toBe('requestResync');
    expect(h.fetch.calls.length).toBe(before);
    expect(h.state()).toBe('streamingHealthy');
  });

  test('manualRefreshWhilePollingFetchesNowAndRestartsTheTimer', async () => {
    const h = await healthy();
    h.actor.send({ type: 'SOCKET.CLOSED' });
    await flush();
    const before = h.fetch.calls.length;
    h.clock.advance(testConfig.snapshotPollIntervalMs.pods - 100);
    h.actor.send({ type: 'REFRESH' });
    expect(h.fetch.calls.length).toBe(before + 1);
    await flush();
    h.clock.advance(200); // the old timer would have fired here
    expect(h.fetch.calls.length).toBe(before + 1);
    h.clock.advance(testConfig.snapshotPollIntervalMs.pods);
    expect(h.fetch.calls.length).toBe(before + 2);
  });

  test('stopLeavesNoTimerRunning', async () => {
    const h = await healthy();
    h.actor.send({ type: 'SOCKET.CLOSED' });
    await flush();
    expect(h.clock.pendingCount).toBeGreaterThan(0);
    h.actor.send({ type: 'STOP' });
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.clock.pendingCount).toBe(0);
    expect(h.effects.at(-1)).toBe('unsubscribeFromStream');
  });

  test('unknownEventsAreIgnored', async () => {
    const h = await healthy();
    const before = h.actor.getSnapshot();
    h.actor.send({ type: 'NOT.A.THING' } as never);
    h.actor.send({ type: 'SCOPE.CHANGED', scope: 42 } as never);
    expect(h.state()).toBe('streamingHealthy');
    expect(h.actor.getSnapshot().context).toEqual(before.context);
  });

  test('forbiddenPollWhileDegradedUnsubscribes', async () => {
    const h = await healthy();
    h.fetch.auto = { error: new HttpError(403, 'pods is forbidden') };
    h.clock.advance(testConfig.stallTimeoutMs); // degraded, polling at once: the poll answers 403
    await flush();
    expect(h.state()).toBe('blocked');
    expect(h.actor.getSnapshot().context.reason).toBe('permissions');
    // The old machine left the backend streaming to a blocked subscription.
    expect(h.effects).toEqual(['subscribeToStream', 'unsubscribeFromStream']);
  });

  test('forbiddenPollWhileStreamingPendingUnsubscribes', async () => {
    // A pending timeout longer than the poll interval, so the first pending poll comes first.
    const config = { ...testConfig, pendingTimeoutMs: testConfig.snapshotPollIntervalMs.pods + 1_000 };
    const h = startSubscription({ config });
    await flush();
    h.fetch.auto = { error: new HttpError(403, 'pods is forbidden') };
    h.clock.advance(testConfig.snapshotPollIntervalMs.pods); // the first pending poll
    await flush();
    expect(h.state()).toBe('blocked');
    expect(h.effects).toEqual(['subscribeToStream', 'unsubscribeFromStream']);
  });

  test('anUpstreamProofPastTheBoundDegradesWithUpstreamUnprovenAndPollsAtOnce', async () => {
    const h = startSubscription({});
    await flush();
    h.actor.send(provenHeartbeat(1_000)); // proven one second before now
    expect(h.state()).toBe('streamingHealthy');
    // Updates keep the stream itself alive but prove nothing about the upstream.
    const lapseIn = bound - 1_000;
    let elapsed = 0;
    while (elapsed + 1_000 < lapseIn) {
      h.clock.advance(1_000);
      elapsed += 1_000;
      h.actor.send(update);
    }
    // The view knows only that no proof came in time, not whether the watch is behind or silent.
    expectDegradesAfter(h, lapseIn - elapsed, 'upstream unproven');
    expect(h.actor.getSnapshot().context.transitions.at(-1)).toMatchObject({ from: 'streamingHealthy', to: 'degraded', reason: 'upstream unproven' });
  });

  test('eachFreshProofRearmsTheLapseTimer', async () => {
    const h = await healthy();
    for (let t = 0; t < 3 * bound; t += testConfig.heartbeatIntervalMs) {
      h.actor.send(provenHeartbeat(300));
      h.clock.advance(testConfig.heartbeatIntervalMs);
    }
    expect(h.state()).toBe('streamingHealthy');
  });

  test('heartbeatsWhoseProofGrowsOldDegradeAtTheBound', async () => {
    // The backend keeps heartbeating, but its upstream proof is not renewed: the age grows.
    const h = startSubscription({});
    await flush();
    let age = 0;
    h.actor.send(provenHeartbeat(age));
    while (h.state() === 'streamingHealthy' && age < 2 * bound) {
      h.clock.advance(testConfig.heartbeatIntervalMs);
      age += testConfig.heartbeatIntervalMs;
      h.actor.send(provenHeartbeat(age));
    }
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream unproven');
    expect(age).toBeLessThanOrEqual(bound + testConfig.heartbeatIntervalMs);
  });

  test('aStatusSayingUpstreamStalledDegradesWithThatReason', async () => {
    for (const reason of ['upstream stalled', 'deployments: upstream stalled']) await degradedByStatus(reason, 'upstream stalled');
    await degradedByStatus('errors', 'upstream');
  });

  test('aBackendStillProvingItsWatchIsUpstreamUnprovenUntilItNamesTheLapse', async () => {
    // `proving`: the backend's proof went stale and it is still probing, so it cannot yet say
    // whether its watch is behind or silent either.
    for (const reason of ['proving', 'pods: proving']) {
      const h = await degradedByStatus(reason, 'upstream unproven');
      h.actor.send({ ...heartbeat, upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 30 } });
      expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
    }
    // Only the whole word.
    await degradedByStatus('proving grounds', 'upstream');
  });

  test('aDegradedViewKeepsTheBackendsNameForTheLapseAgainstALaterMerelyUnprovenReport', async () => {
    // A view over two upstreams: the backend reports its first unhealthy one. One lapsed behind;
    // then the other's proof goes stale too and it comes first, only `proving`.
    const h = await degradedByStatus('shop-b: upstream behind', 'upstream behind');
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'watching', healthy: false, reason: 'shop-a: proving', proofAgeMs: bound + 200 } });
    h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: false, reason: 'shop-a: proving', proofAgeMs: bound + 400 } });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream behind');
    // A precise word replaces it, and so does other trouble the backend reports.
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'shop-a: upstream stalled', proofAgeMs: bound + 600 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'shop-a: errors', proofAgeMs: bound + 800 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream');
    // From a vaguer start (drift, or the view's own lapse) the unproven report is the news.
    const drifted = await healthy();
    drifted.actor.send({ type: 'STREAM.DRIFT', detail: 'seq gap' });
    drifted.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'watching', healthy: false, reason: 'proving', proofAgeMs: bound + 1 } });
    expect(drifted.actor.getSnapshot().context.reason).toBe('upstream unproven');
  });

  test('aNamedLapseEndsWithAFreshProofSoALaterProvingIsUnprovenEvenWhileStillDegraded', async () => {
    for (const named of ['upstream behind', 'upstream stalled'] as const) {
      const h = await degradedByStatus(named, named);
      // The backend's probe passes: that lapse is over, though the view has not earned its way back.
      h.actor.send(provenHeartbeat(0));
      expect(h.state()).toBe('degraded');
      expect(h.actor.getSnapshot().context.reason).toBe(named);
      // Its proof goes stale again before the view recovers: a new lapse, not yet named.
      h.clock.advance(testConfig.heartbeatIntervalMs);
      h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: false, reason: 'proving', proofAgeMs: bound + 1 } });
      expect(h.state()).toBe('degraded');
      expect(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now())).toMatchObject({ reason: 'upstream unproven', health: 'degraded' });
      // And the backend's next word names it.
      h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 30 } });
      expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
    }
    // A healthy report whose proof is past the bound proves nothing: the named lapse stands.
    const h = await degradedByStatus('upstream behind', 'upstream behind');
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'watching', healthy: true, reason: null, proofAgeMs: bound + 50 } });
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'watching', healthy: false, reason: 'proving', proofAgeMs: bound + 60 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream behind');
  });

  test('aPollShowingTheUpstreamBackEndsAnUpstreamFallbackAtOnce', async () => {
    const h = await degradedByStatus('upstream stalled', 'upstream stalled');
    await flush();
    h.fetch.auto = null; // each poll from here waits for the test to answer it
    h.clock.advance(testConfig.degradeTimeoutMs);
    expect(h.state()).toBe('fallbackPolling');
    const subscribes = () => h.effects.filter((e) => e === 'subscribeToStream').length;
    const subscribed = subscribes();
    // Polls (the clock stands still, so the stream's backoff never runs out) that do not show the
    // lapse over: still stalled, healthy on a proof past the bound, a 304 that reports nothing.
    const polls = [
      { count: 3, changed: true, upstream: { state: 'watching', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 1 } },
      { count: 3, changed: true, upstream: proven(bound + 1) },
      { count: 3, changed: false },
    ];
    for (const answer of polls) {
      h.fetch.open!.resolve(answer);
      await flush();
      expect(h.state()).toBe('fallbackPolling');
      expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
      h.actor.send({ type: 'REFRESH' });
    }
    expect(subscribes()).toBe(subscribed);
    // The backend's watch has proven itself again: the stream is taken up at once.
    h.fetch.open!.resolve({ count: 3, changed: true, upstream: proven(0) });
    await flush();
    expect(h.state()).toBe('streamingPending');
    expect(subscribes()).toBe(subscribed + 1);
    h.actor.send(provenHeartbeat(0));
    expect(h.state()).toBe('streamingHealthy');
  });

  test('aPollShowingTheUpstreamHealthyDoesNotCutTheBackoffOfAStreamThatFailedOnItsOwn', async () => {
    const h = startSubscription({});
    await flush();
    h.fetch.auto = null;
    h.clock.advance(testConfig.pendingTimeoutMs);
    expect(h.actor.getSnapshot().context.reason).toBe('no delivery');
    h.fetch.open!.resolve({ count: 3, changed: true, upstream: proven(0) });
    await flush();
    expect(h.state()).toBe('fallbackPolling');
    // Nor one that fell back for its upstream while the socket is down: that waits for SOCKET.OPENED.
    const g = await degradedByStatus('upstream behind', 'upstream behind');
    await flush();
    g.fetch.auto = null;
    g.clock.advance(testConfig.degradeTimeoutMs);
    g.actor.send({ type: 'SOCKET.CLOSED' });
    expect(g.state()).toBe('fallbackPolling');
    g.actor.send({ type: 'REFRESH' });
    g.fetch.open!.resolve({ count: 3, changed: true, upstream: proven(0) });
    await flush();
    expect(g.state()).toBe('fallbackPolling');
  });

  test('aStatusSayingUpstreamBehindDegradesWithThatReasonAndPollsAtOnce', async () => {
    for (const reason of ['upstream behind', 'pods: upstream behind']) {
      const h = await degradedByStatus(reason, 'upstream behind');
      expect(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now())).toMatchObject({ reason: 'upstream behind', health: 'degraded' });
    }
    // Only the whole word: a reason that merely mentions it is other upstream trouble.
    await degradedByStatus('upstream behind schedule', 'upstream');
  });

  test('aDegradedViewFollowsTheBackendFromStalledToBehindAndRecoversOnFreshProofs', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 1 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
    // The next lapse of the same upstream was one of a watch still delivering.
    h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: false, reason: 'upstream behind', proofAgeMs: bound + 5 } });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream behind');
    for (let i = 0; i < testConfig.hysteresisCount + 1; i++) {
      h.actor.send(provenHeartbeat(0));
      h.clock.advance(testConfig.heartbeatIntervalMs);
    }
    expect(h.state()).toBe('streamingHealthy');
    expect(h.actor.getSnapshot().context.reason).toBeNull();
  });

  test('degradedForAnotherReasonSaysUpstreamStalledOnceTheBackendDoes', async () => {
    const h = await healthy();
    h.clock.advance(testConfig.stallTimeoutMs);
    expect(h.actor.getSnapshot().context.reason).toBe('stalled');
    h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 5 } });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
  });

  test('theViewsOwnLapseSaysUpstreamUnprovenUntilTheBackendNamesTheLapse', async () => {
    for (const named of ['upstream behind', 'upstream stalled'] as const) {
      const h = startSubscription({});
      await flush();
      h.actor.send(provenHeartbeat(0));
      // Updates keep the stream alive; no new proof comes.
      for (let elapsed = 0; elapsed + 1_000 < bound; elapsed += 1_000) {
        h.clock.advance(1_000);
        h.actor.send(update);
      }
      h.clock.advance(bound % 1_000 || 1_000);
      expect(h.state()).toBe('degraded');
      expect(h.actor.getSnapshot().context.reason).toBe('upstream unproven');
      // The backend gives up on its watch a moment later and says which lapse it was.
      h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: named, proofAgeMs: bound + 20 } });
      expect(h.state()).toBe('degraded');
      expect(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now())).toMatchObject({ reason: named, health: 'degraded' });
      // Further reports on the same lapse, and reports that prove nothing, keep the backend's word.
      h.actor.send({ ...heartbeat, upstream: { state: 'listing', healthy: false, reason: `pods: ${named}`, proofAgeMs: bound + 300 } });
      h.actor.send({ ...heartbeat, upstream: { state: 'watching', healthy: true, reason: null, proofAgeMs: bound + 600 } });
      expect(h.actor.getSnapshot().context.reason).toBe(named);
      // The log says what was known at each step: the view's own lapse, then the backend's word.
      h.clock.advance(testConfig.degradeTimeoutMs);
      expect(h.state()).toBe('fallbackPolling');
      const log = h.actor.getSnapshot().context.transitions.map((t) => `${t.to}:${t.reason ?? ''}`);
      expect(log.slice(-2)).toEqual(['degraded:upstream unproven', `fallbackPolling:${named}`]);
    }
  });

  test('aReportWithALapsedProofButNoVerdictSaysUpstreamUnprovenUntilTheBackendNamesTheLapse', async () => {
    // A report past the bound that does not call itself unhealthy (an older backend): the view
    // judges the proof's age itself, and knows no more than the view's own timer would.
    const h = await healthy();
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'watching', healthy: true, reason: null, proofAgeMs: bound + 1 } });
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream unproven');
    h.actor.send({ ...heartbeat, upstream: { state: 'backoff', healthy: false, reason: 'upstream behind', proofAgeMs: bound + 50 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream behind');
  });

  test('aPendingStreamDoesNotClaimHealthyOnAProofKnownToBeOld', async () => {
    const h = startSubscription({});
    await flush();
    h.actor.send(provenHeartbeat(bound + 1)); // the backend's own report, past the bound
    expect(h.state()).toBe('degraded');
    expect(h.actor.getSnapshot().context.reason).toBe('upstream unproven');

    // Through fallbackPolling back to pending, with the old proof still the last one known.
    const g = startSubscription({});
    await flush();
    g.actor.send({ type: 'STREAM.STATUS', upstream: proven(0) });
    g.clock.advance(testConfig.pendingTimeoutMs);
    expect(g.state()).toBe('fallbackPolling');
    g.clock.advance(bound);
    await flush();
    g.actor.send({ type: 'SOCKET.OPENED' });
    expect(g.state()).toBe('streamingPending');
    g.actor.send(update); // a resumed stream's first frame: no word on the upstream yet
    expect(g.state()).toBe('streamingPending');
    g.actor.send(provenHeartbeat(200));
    expect(g.state()).toBe('streamingHealthy');
  });

  test('leavingDegradedNeedsAFreshProof', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.DRIFT', detail: 'digest' });
    await flush();
    // Agreeing heartbeats on a healthy upstream, but its proof is past the bound: not good.
    for (let i = 0; i < testConfig.hysteresisCount + 2; i++) h.actor.send(provenHeartbeat(bound + 100));
    expect(h.state()).toBe('degraded');
    // Proofs renewed every heartbeat: two distinct proofs since the trouble, and K good deliveries.
    for (let i = 0; i < testConfig.hysteresisCount - 1; i++) {
      h.actor.send(provenHeartbeat(100));
      h.clock.advance(testConfig.heartbeatIntervalMs);
    }
    expect(h.state()).toBe('degraded');
    h.actor.send(provenHeartbeat(100));
    expect(h.state()).toBe('streamingHealthy');
  });

  test('aRelistsProofAloneDoesNotEndAnUpstreamStall', async () => {
    // The backend relists after its watch stalled: the list proves the cache once, but the new
    // watch is stalled too, so no later proof comes. The view must keep polling, not flip back.
    const h = await healthy();
    h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 1 } });
    expect(h.actor.getSnapshot().context.reason).toBe('upstream stalled');
    let age = 0; // proven by the relist, just now; K + 1 good, agreeing deliveries within the bound
    expect((testConfig.hysteresisCount + 1) * testConfig.heartbeatIntervalMs).toBeLessThan(bound);
    for (let i = 0; i < testConfig.hysteresisCount + 1; i++) {
      h.actor.send(provenHeartbeat(age));
      h.clock.advance(testConfig.heartbeatIntervalMs);
      age += testConfig.heartbeatIntervalMs;
    }
    expect(h.state()).toBe('degraded');
    // Once the watch proves itself again after the list, trust returns.
    h.actor.send(provenHeartbeat(0));
    expect(h.state()).toBe('streamingHealthy');
  });

  test('hysteresisDoesNotEndOnAProofThatAgedMeanwhile', async () => {
    const h = await healthy();
    h.actor.send({ type: 'STREAM.DRIFT', detail: 'digest' });
    h.actor.send(provenHeartbeat(0));
    h.clock.advance(bound + 1);
    await flush();
    // Agreeing, healthy, but the last proof is now older than the bound.
    for (let i = 0; i < testConfig.hysteresisCount; i++) h.actor.send(heartbeat);
    expect(h.state()).toBe('degraded');
  });

  test('aLogFollowerWithNoProofRunsNoProofTimer', async () => {
    const h = startSubscription({ domain: 'pod-logs', scope: 'default/web-1' });
    await flush();
    h.actor.send(provenHeartbeat(null));
    expect(h.state()).toBe('streamingHealthy');
    expect(h.clock.pendingDelays()).toEqual([testConfig.stallTimeoutMs]);
    for (let i = 0; i < 20; i++) {
      h.clock.advance(testConfig.heartbeatIntervalMs);
      h.actor.send(provenHeartbeat(null));
    }
    expect(h.state()).toBe('streamingHealthy');
  });

  test('aProvenStreamRunsTheStallAndTheLapseTimersOnly', async () => {
    const h = startSubscription({});
    await flush();
    h.actor.send(provenHeartbeat(1_200));
    expect(h.clock.pendingDelays()).toEqual([bound - 1_200, testConfig.stallTimeoutMs].sort((a, b) => a - b));
  });

  test('diagnosticsShowTheBoundTheUpstreamProofAndTheEndToEndProof', async () => {
    const h = startSubscription({});
    await flush();
    h.actor.send(provenHeartbeat(700)); // upstream proven 700 ms ago, digest agrees now
    h.clock.advance(500);
    h.actor.send(update);
    h.clock.advance(250);
    const row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
    expect(row.freshnessBoundMs).toBe(bound);
    expect(row.upstreamProofAgeMs).toBe(700 + 750);
    // The oldest link: the upstream proof (1450) is older than the agreeing heartbeat (750) and the update (250).
    expect(row.proofAgeMs).toBe(1_450);
    expect(row.stream?.lastDeliveryAgeMs).toBe(250);
  });
});
