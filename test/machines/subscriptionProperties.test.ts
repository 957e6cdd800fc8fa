/**
 * Property tests: random histories of socket, stream, fetch, scope and timer events (including
 * time passing on the fake clock) never make the subscription machine throw, and keep
 *
 * - the core invariant: polling is paused if and only if the machine is in `streamingHealthy`,
 *   judged from what it does (a fetch in flight or a poll timer pending);
 * - the freshness bound: never `streamingHealthy` with an upstream proof older than the bound;
 * - one stream subscription at most, held exactly while in the states that stream;
 * - the view names a lapse (`upstream behind`, `upstream stalled`) only once a report on the
 *   stream has since the view was last healthy, and a degraded view never goes back from that
 *   name to `upstream unproven`.
 */
import fc from 'fast-check';
import type { EventObject } from 'xstate';
import { createActor, fromCallback } from 'xstate';
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import type { StreamSubscriptionInput, SubscriptionEvent } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine, subscriptionStateName } from '../../machines/subscriptionMachine.js';
import type { UpstreamReport } from '../../machines/types.js';
import { flush, TestClock } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { testConfig } from '../support/subscriptionHarness.js';

type Action =
  | { kind: 'send'; event: SubscriptionEvent }
  | { kind: 'resolve'; upstream?: UpstreamReport }
  | { kind: 'reject'; status: number }
  | { kind: 'wait'; ms: number };

const bound = testConfig.freshnessBoundMs;

const upstream: fc.Arbitrary<UpstreamReport> = fc.record(
  {
    state: fc.constantFrom('watching', 'backoff', 'listing'),
    healthy: fc.boolean(),
    reason: fc.constantFrom(null, 'stalled', 'upstream stalled', 'deployments: upstream stalled', 'upstream behind', 'pods: upstream behind', 'proving', 'pods: proving'),
    // Fresh, near the bound, past it, none applies; or absent (an older backend).
    proofAgeMs: fc.oneof(fc.integer({ min: 0, max: 2 * bound }), fc.constantFrom(null, 0, bound, bound + 1)),
  },
  { requiredKeys: ['state', 'healthy'] },
);

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constantFrom<Action>(
    { kind: 'send', event: { type: 'SOCKET.OPENED' } },
    { kind: 'send', event: { type: 'SOCKET.CLOSED' } },
    { kind: 'send', event: { type: 'STREAM.ERROR', message: 'x' } },
    { kind: 'send', event: { type: 'STREAM.DRIFT', detail: 'gap' } },
    { kind: 'send', event: { type: 'REFRESH' } },
    { kind: 'send', event: { type: 'SCOPE.CHANGED', scope: '' } },
    { kind: 'send', event: { type: 'SCOPE.CHANGED', scope: 'default/web-2' } },
  ),
  fc.record({ kind: fc.constant('resolve' as const), upstream: fc.option(upstream, { nil: undefined }) }),
  fc.record({
    kind: fc.constant('send' as const),
    event: fc.record({
      type: fc.constant('STREAM.DELIVERED' as const),
      kind: fc.constantFrom('heartbeat' as const, 'update' as const, 'reset' as const),
      digestAgrees: fc.boolean(),
      upstream: fc.option(upstream, { nil: undefined }),
    }),
  }),
  fc.record({ kind: fc.constant('send' as const), event: fc.record({ type: fc.constant('STREAM.STATUS' as const), upstream }) }),
  fc.record({ kind: fc.constant('reject' as const), status: fc.constantFrom(500, 403, 0) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 20_000 }) }),
);

const streamingStates = new Set(['streamingPending', 'streamingHealthy', 'degraded']);

/** The lapse a report names, as the view would say it, if any. */
function lapseNamedBy(report: UpstreamReport | null | undefined): string | null {
  const match = /(^|: )(upstream behind|upstream stalled)$/.exec(typeof report?.reason === 'string' ? report.reason : '');
  return match ? match[2]! : null;
}
const lapseNames = new Set(['upstream behind', 'upstream stalled']);

test('randomHistoriesKeepPollingPausedIffStreamingHealthyAndNeverHealthyOnALapsedProof', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), async (actions) => {
      const clock = new TestClock();
      const fetch = new FetchControl<{ domain: string; scope: string }, unknown>();
      const errors: unknown[] = [];
      let subscriptions = 0;
      let subscribes = 0;
      const streamSubscription = fromCallback<EventObject, StreamSubscriptionInput>(() => {
        subscriptions++;
        subscribes++;
        return () => {
          subscriptions--;
        };
      });
      const machine = subscriptionMachine.provide({ actors: { fetchSnapshot: fetch.logic as never, streamSubscription } });
      const actor = createActor(machine, {
        clock,
        input: { domain: 'pod-logs', scope: 'default/web-1', config: testConfig, socketOpen: true, now: () => clock.now() },
      });
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      // Lapse names the stream's reports have given since the view was last healthy.
      const named = new Set<string>();
      let before = actor.getSnapshot();
      for (const a of actions) {
        const report = a.kind === 'send' && (a.event.type === 'STREAM.DELIVERED' || a.event.type === 'STREAM.STATUS') ? a.event.upstream : undefined;
        const name = lapseNamedBy(report);
        if (name) named.add(name);
        if (a.kind === 'send') actor.send(a.event);
        else if (a.kind === 'resolve') fetch.open?.resolve({ count: 1, changed: true, upstream: a.upstream });
        else if (a.kind === 'reject') fetch.open?.reject(new HttpError(a.status, 'failed'));
        else clock.advance(a.ms);
        await flush(2);

        const snapshot = actor.getSnapshot();
        expect(snapshot.status).not.toBe('error');
        const state = subscriptionStateName(snapshot);
        const c = snapshot.context;
        const pending = clock.pendingDelays();
        const polling = fetch.open !== undefined || pending.includes(testConfig.snapshotPollIntervalMs['pod-logs']);
        if (state === 'streamingHealthy') {
          expect(polling).toBe(false);
          // The stall timer, and the proof's lapse timer, due when the proof passes the bound,
          // exactly when a proof applies.
          const timers = clock.pendingTimers();
          const lapse = c.upstreamProvenAt === null ? -1 : timers.findIndex((t) => t.due === c.upstreamProvenAt! + bound);
          if (c.upstreamProvenAt !== null) expect(lapse).toBeGreaterThanOrEqual(0);
          expect(timers.filter((_, i) => i !== lapse).map((t) => t.delay)).toEqual([testConfig.stallTimeoutMs]);
          // Never healthy on a proof older than the bound.
          if (c.upstreamProvenAt !== null) expect(clock.now() - c.upstreamProvenAt).toBeLessThanOrEqual(bound);
        }
        if (state === 'fallbackPolling' || state === 'degraded' || state === 'streamingPending') expect(polling).toBe(true);
        // Subscribed on the stream exactly while in a state that streams, never twice.
        expect(subscriptions).toBe(streamingStates.has(state) ? 1 : 0);
        const row = diagnoseSubscription(snapshot, clock.now());
        expect(row.polling.enabled).toBe(state !== 'streamingHealthy' && !(state === 'blocked' && c.reason === 'no scope'));
        expect(row.health === 'healthy').toBe(state === 'streamingHealthy');
        if (state === 'streamingHealthy' && row.upstreamProofAgeMs !== null) expect(row.upstreamProofAgeMs).toBeLessThanOrEqual(bound);
        // The view's own judgement is `upstream unproven`: it names a lapse only as the backend did.
        if (c.reason !== null && lapseNames.has(c.reason)) expect([...named]).toContain(c.reason);
        if (state === 'streamingHealthy') named.clear();
        // Within one degraded stretch (no transition since), a lapse once named stays named until a
        // fresh proof ends it; after one, a report merely `proving` is a new lapse, unproven.
        const sameStretch = state === 'degraded' && subscriptionStateName(before) === 'degraded' && c.transitions.at(-1) === before.context.transitions.at(-1);
        const wasNamed = before.context.reason !== null && lapseNames.has(before.context.reason);
        if (sameStretch && wasNamed && before.context.proofsSinceTrouble === 0) expect(c.reason).not.toBe('upstream unproven');
        const provingReport = report?.healthy === false && /(^|: )proving$/.test(String(report.reason ?? ''));
        if (sameStretch && wasNamed && before.context.proofsSinceTrouble > 0 && provingReport) expect(c.reason).toBe('upstream unproven');
        before = snapshot;
      }
      expect(errors).toEqual([]);
      expect(actor.getSnapshot().context.counters.streamSubscribes).toBe(subscribes);
      actor.stop();
      expect(subscriptions).toBe(0);
      expect(clock.pendingCount).toBe(0);
    }),
    { numRuns: 300, seed: 20261126 },
  );
});
