/**
 * Property test: random histories of socket, stream, fetch, scope and timer events (including
 * time passing) never make the subscription machine throw, and keep the core invariant: polling
 * is paused if and only if the machine is in `streamingHealthy`, judged from what it does.
 */
import fc from 'fast-check';
import { createActor } from 'xstate';
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import type { SubscriptionEvent } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine } from '../../machines/subscriptionMachine.js';
import { flush, TestClock } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { testConfig } from '../support/subscriptionHarness.js';

type Action =
  | { kind: 'send'; event: SubscriptionEvent }
  | { kind: 'resolve' }
  | { kind: 'reject'; status: number }
  | { kind: 'wait'; ms: number };

const upstream = fc.record({ state: fc.constantFrom('watching', 'backoff', 'listing'), healthy: fc.boolean() });

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constantFrom<Action>(
    { kind: 'send', event: { type: 'SOCKET.OPENED' } },
    { kind: 'send', event: { type: 'SOCKET.CLOSED' } },
    { kind: 'send', event: { type: 'STREAM.ERROR', message: 'x' } },
    { kind: 'send', event: { type: 'STREAM.DRIFT', detail: 'gap' } },
    { kind: 'send', event: { type: 'REFRESH' } },
    { kind: 'send', event: { type: 'SCOPE.CHANGED', scope: '' } },
    { kind: 'send', event: { type: 'SCOPE.CHANGED', scope: 'default/web-2' } },
    { kind: 'resolve' },
  ),
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

function topState(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0]!;
}

test('randomHistoriesKeepPollingPausedIffStreamingHealthy', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), async (actions) => {
      const clock = new TestClock();
      const fetch = new FetchControl<{ domain: string; scope: string }, unknown>();
      const errors: unknown[] = [];
      const actor = createActor(subscriptionMachine.provide({ actors: { fetchSnapshot: fetch.logic as never } }), {
        clock,
        input: { domain: 'pod-logs', scope: 'default/web-1', config: testConfig, socketOpen: true, now: () => clock.now() },
      });
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      for (const a of actions) {
        if (a.kind === 'send') actor.send(a.event);
        else if (a.kind === 'resolve') fetch.open?.resolve({ count: 1, changed: true });
        else if (a.kind === 'reject') fetch.open?.reject(new HttpError(a.status, 'failed'));
        else clock.advance(a.ms);
        await flush(2);

        const snapshot = actor.getSnapshot();
        expect(snapshot.status).not.toBe('error');
        const state = topState(snapshot.value);
        const pending = clock.pendingDelays();
        const polling = fetch.open !== undefined || pending.includes(testConfig.snapshotPollIntervalMs['pod-logs']);
        if (state === 'streamingHealthy') {
          expect(polling).toBe(false);
          expect(pending).toEqual([testConfig.stallTimeoutMs]);
        }
        if (state === 'fallbackPolling' || state === 'degraded' || state === 'streamingPending') expect(polling).toBe(true);
        const row = diagnoseSubscription(snapshot, clock.now());
        expect(row.polling.enabled).toBe(state !== 'streamingHealthy' && !(state === 'blocked' && snapshot.context.reason === 'no scope'));
        expect(row.health === 'healthy').toBe(state === 'streamingHealthy');
      }
      expect(errors).toEqual([]);
      actor.stop();
      expect(clock.pendingCount).toBe(0);
    }),
    { numRuns: 300, seed: 20261126 },
  );
});
