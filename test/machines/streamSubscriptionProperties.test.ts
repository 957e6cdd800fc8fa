/**
 * Property tests: random histories of upstream, cache, client, socket and timer events (time
 * passing on the fake clock) never make the backend's stream subscription machine throw, and
 * after every step it has kept the stream's promises (test/support/streamSubscriptionHarness.ts):
 * never an update or heartbeat before a reset, never a reset while the upstream is unhealthy or
 * unlisted, seq one more per frame, nothing queued while the socket is blocked, nothing held
 * while a reset is owed, no reset left owed once it can be sent. And it keeps its liveness
 * promises: a change reaches a writable client within one batch window, a started subscription
 * on a writable socket hears a heartbeat every interval, whatever the upstream does.
 */
import fc from 'fast-check';
import type { StreamSubscriptionEvent, StreamSubscriptionInput } from '../../machines/streamSubscriptionMachine.js';
import { StreamSubscriptionHarness, timings } from '../support/streamSubscriptionHarness.js';

type Step = { kind: 'send'; event: StreamSubscriptionEvent } | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('send' as const),
    event: fc.oneof(
      fc.record({ type: fc.constant('UPSTREAM.CHANGED' as const), listed: fc.boolean(), healthy: fc.boolean() }),
      fc.record({ type: fc.constant('CACHE.CHANGED' as const), pending: fc.integer({ min: 1, max: timings.maxPendingChanges + 2 }) }),
      fc.constantFrom<StreamSubscriptionEvent>({ type: 'CLIENT.RESYNC' }, { type: 'SOCKET.BLOCKED' }, { type: 'SOCKET.WRITABLE' }),
    ),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.integer({ min: 0, max: 3 * timings.heartbeatIntervalMs }), fc.constant(timings.updateBatchMs)) }),
);

const start: fc.Arbitrary<Omit<StreamSubscriptionInput, 'timings'>> = fc.record({
  listed: fc.boolean(),
  healthy: fc.boolean(),
  writable: fc.boolean(),
  seq: fc.integer({ min: 0, max: 1000 }),
  resumedWith: fc.option(fc.integer({ min: 0, max: timings.maxPendingChanges }), { nil: null }),
});

/** A resumed subscription starts from a listed cache: the hub only replays from one. */
const consistent = (s: Omit<StreamSubscriptionInput, 'timings'>) => (s.resumedWith == null ? s : { ...s, listed: true });

function run(hub: StreamSubscriptionHarness, s: Step): void {
  if (s.kind === 'wait') hub.clock.advance(s.ms);
  else if (s.event.type === 'SOCKET.BLOCKED' && !hub.writable) return; // the hub only says what changed
  else if (s.event.type === 'SOCKET.WRITABLE' && hub.writable) return;
  else hub.send(s.event);
}

describe('stream subscription machine, random histories', () => {
  test('keep every promise after every step', () => {
    fc.assert(
      fc.property(start, fc.array(step, { maxLength: 60 }), (s, steps) => {
        const hub = new StreamSubscriptionHarness(consistent(s));
        expect(hub.violations()).toEqual([]);
        for (const [index, one] of steps.entries()) {
          run(hub, one);
          expect({ index, step: one, state: hub.state, violations: hub.violations() }).toMatchObject({ violations: [] });
        }
        hub.send({ type: 'CLOSE' });
        expect(hub.violations()).toEqual([]);
        expect(hub.clock.pendingCount).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  test('never a reset while the upstream is unhealthy, however often the client asks', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (steps, resyncs) => {
        const hub = new StreamSubscriptionHarness({ listed: true, healthy: true, writable: true });
        for (const one of steps) run(hub, one);
        hub.send({ type: 'UPSTREAM.CHANGED', listed: true, healthy: false });
        if (!hub.writable) hub.send({ type: 'SOCKET.WRITABLE' });
        const mark = hub.frames.length;
        for (let i = 0; i < resyncs; i++) {
          hub.send({ type: 'CLIENT.RESYNC' });
          hub.clock.advance(timings.heartbeatIntervalMs);
        }
        const meanwhile = hub.frames.slice(mark);
        expect(meanwhile.filter((f) => f.kind === 'reset')).toEqual([]);
        // The stream hop keeps proving itself while the reset waits.
        expect(meanwhile.filter((f) => f.kind === 'heartbeat').length).toBeGreaterThanOrEqual(resyncs);
        hub.send({ type: 'UPSTREAM.CHANGED', listed: true, healthy: true });
        const after = hub.frames.slice(mark + meanwhile.length);
        expect(after.map((f) => f.kind)).toEqual(['reset']); // one reset, however many resyncs
        expect(hub.violations()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('a change reaches a writable live client within one batch window, and heartbeats keep the interval', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, healthyAfter) => {
        const hub = new StreamSubscriptionHarness({ listed: true, healthy: true, writable: true });
        for (const one of steps) run(hub, one);
        hub.send({ type: 'UPSTREAM.CHANGED', listed: true, healthy: true });
        if (!hub.writable) hub.send({ type: 'SOCKET.WRITABLE' });
        expect(hub.state.startsWith('live')).toBe(true);
        hub.send({ type: 'UPSTREAM.CHANGED', listed: true, healthy: healthyAfter });
        const mark = hub.frames.length;
        hub.send({ type: 'CACHE.CHANGED', pending: 1 });
        hub.clock.advance(timings.updateBatchMs);
        expect(hub.frames.slice(mark).map((f) => f.kind)).toContain('update');
        const beats = hub.frames.length;
        hub.clock.advance(timings.heartbeatIntervalMs * 3);
        expect(hub.frames.slice(beats).filter((f) => f.kind === 'heartbeat')).toHaveLength(3);
      }),
      { numRuns: 300 },
    );
  });

  test('a socket blocked now and then still hears the upstream report every two intervals and a blocked spell', () => {
    // Each congestion spell leaves `live`, whose heartbeat timer starts again on the way back: the
    // interval is kept from the last heartbeat or reset, or a socket that blocks more often than
    // that would never carry a proof, and the client would call the upstream stalled.
    const spell = fc.integer({ min: 1, max: timings.heartbeatIntervalMs - 1 });
    const cycle = fc.record({ writableMs: spell, blockedMs: spell, changes: fc.integer({ min: 0, max: timings.maxPendingChanges }) });
    fc.assert(
      fc.property(fc.array(cycle, { minLength: 10, maxLength: 40 }), (cycles) => {
        const hub = new StreamSubscriptionHarness({ listed: true, healthy: true, writable: true });
        for (const { writableMs, blockedMs, changes } of cycles) {
          if (changes > 0) hub.send({ type: 'CACHE.CHANGED', pending: changes });
          hub.clock.advance(writableMs);
          hub.send({ type: 'SOCKET.BLOCKED' });
          if (changes > 0) hub.send({ type: 'CACHE.CHANGED', pending: changes });
          hub.clock.advance(blockedMs);
          hub.send({ type: 'SOCKET.WRITABLE' });
        }
        expect(hub.violations()).toEqual([]);
        const longestBlocked = Math.max(...cycles.map((c) => c.blockedMs));
        const reports = hub.frames.filter((f) => f.kind === 'heartbeat' || f.kind === 'reset').map((f) => f.at);
        reports.push(hub.clock.now());
        const gaps = reports.slice(1).map((at, i) => at - reports[i]!);
        expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * timings.heartbeatIntervalMs + longestBlocked);
      }),
      { numRuns: 300 },
    );
  });
});
