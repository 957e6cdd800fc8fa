/**
 * Model-based tests of the subscription machine. XState's graph utilities walk the machine's
 * own definition and generate transition paths (shortest paths to every state, and bounded
 * simple paths); each path is replayed on a real actor on a fake clock, with the snapshot fetch
 * and the timers driven from outside, and every step is checked:
 *
 * - the real actor is where the model says it is;
 * - snapshot polling is paused if and only if the state is `streamingHealthy`, judged from what
 *   the actor actually does (a fetch in flight or a poll timer pending), not from its own words;
 * - the diagnostics row agrees with the state (mode, health, reason, polling).
 *
 * Transitions actually taken are collected from the inspection API, and the test fails unless
 * every state and every transition of the machine was exercised.
 */
import type { AnyEventObject, EventObject, InspectionEvent, SnapshotFrom } from 'xstate';
import { createActor, fromCallback, initialTransition, transition } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import { machineTransitions, stateNodes, takenTransitionId } from '../../machines/introspect.js';
import type { StreamSubscriptionInput, SubscriptionEvent } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine, subscriptionStateName, upstreamReasons } from '../../machines/subscriptionMachine.js';
import { flush, TestClock } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { testConfig } from '../support/subscriptionHarness.js';

type Snapshot = SnapshotFrom<typeof subscriptionMachine>;

// pod-logs, so that SCOPE.CHANGED to '' reaches blocked.noScope; the upstream reports below
// carry proofs anyway, since the machine does not look at the domain to judge them.
const input = {
  domain: 'pod-logs' as const,
  scope: 'default/web-1',
  config: testConfig,
  socketOpen: true,
  random: () => 0.5,
};

const bound = testConfig.freshnessBoundMs;
const upstreamDown = { state: 'backoff', healthy: false };
const upstreamStalled = { state: 'watching', healthy: false, reason: 'upstream stalled', proofAgeMs: bound + 1 };
/** A lapse of a watch that was still delivering: only the reason differs from `upstreamStalled`. */
const upstreamBehind = { state: 'backoff', healthy: false, reason: 'upstream behind', proofAgeMs: bound + 1 };
/** A proof gone stale that the backend still probes: it cannot name the lapse yet, nor can the view. */
const upstreamProving = { state: 'watching', healthy: false, reason: 'proving', proofAgeMs: bound + 1 };
const upstreamUp = { state: 'watching', healthy: true, proofAgeMs: 0 };
/** The same healthy upstream a second earlier: followed by upstreamUp, its proof is renewed. */
const upstreamUpEarlier = { state: 'watching', healthy: true, proofAgeMs: 1_000 };
const upstreamUnproven = { state: 'watching', healthy: true, proofAgeMs: null };
const upstreamLapsed = { state: 'watching', healthy: true, proofAgeMs: bound + 1 };

/** Timer events, read from the machine definition: one per `after` of every state. */
const timerEvents: AnyEventObject[] = stateNodes(subscriptionMachine).flatMap((node) =>
  node.after.map((t) => ({ type: t.eventType })),
);

const sampleEvents: AnyEventObject[] = [
  { type: 'xstate.done.actor.snapshot', output: { count: 3, changed: true } },
  // A poll that reports the upstream proven just now: it ends a fallback made for the upstream.
  { type: 'xstate.done.actor.snapshot', output: { count: 3, changed: true, upstream: upstreamUp } },
  { type: 'xstate.error.actor.snapshot', error: { status: 500, message: 'boom' } },
  { type: 'xstate.error.actor.snapshot', error: { status: 403, message: 'forbidden' } },
  { type: 'SOCKET.OPENED' },
  { type: 'SOCKET.CLOSED' },
  { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: upstreamUp },
  { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: upstreamUpEarlier },
  { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: upstreamUnproven },
  { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: upstreamLapsed },
  { type: 'STREAM.DELIVERED', kind: 'update' },
  { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: upstreamDown },
  { type: 'STREAM.STATUS', upstream: upstreamDown },
  { type: 'STREAM.STATUS', upstream: upstreamStalled },
  { type: 'STREAM.STATUS', upstream: upstreamBehind },
  { type: 'STREAM.STATUS', upstream: upstreamProving },
  { type: 'STREAM.STATUS', upstream: upstreamUp },
  { type: 'STREAM.STATUS', upstream: upstreamUnproven },
  { type: 'STREAM.STATUS', upstream: upstreamLapsed },
  { type: 'STREAM.ERROR', message: 'stream error' },
  { type: 'STREAM.DRIFT', detail: 'seq gap' },
  { type: 'SCOPE.CHANGED', scope: '' },
  { type: 'SCOPE.CHANGED', scope: 'default/web-2' },
  { type: 'REFRESH' },
  { type: 'CONFIG.CHANGED', config: testConfig },
  { type: 'STOP' },
  ...timerEvents,
];

function activeStateIds(snapshot: Snapshot): Set<string> {
  return new Set((snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((n) => n.id));
}

/** Everything the machine's behaviour depends on; counters and timestamps are not part of it. */
function serializeState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    reason: c.reason,
    socketOpen: c.socketOpen,
    good: Math.min(c.goodDeliveries, c.config.hysteresisCount),
    digestAgreed: c.digestAgreed,
    upstreamHealthy: c.upstream?.healthy ?? null,
    upstreamProvenAt: c.upstreamProvenAt,
    proofsSinceTrouble: c.proofsSinceTrouble,
    hasScope: c.scope !== '',
  });
}

/** Whether the upstream proof applies, and if so whether it is within the bound now. */
function proofClass(snapshot: Snapshot): 'none' | 'fresh' | 'lapsed' {
  const c = snapshot.context;
  if (c.upstreamProvenAt === null) return 'none';
  return c.now() - c.upstreamProvenAt <= c.config.freshnessBoundMs ? 'fresh' : 'lapsed';
}

/**
 * The states paths are generated over: nested state, socket, whether the upstream proof applies
 * and is fresh, inside `degraded` the hysteresis progress (elsewhere it is reset on the way
 * in, so it does not matter), and inside `fallbackPolling` whether it fell back for its upstream.
 * The reason itself is left out: it changes what diagnostics say, not what
 * the machine does, and with it the model has four times the edges; every replayed step still
 * checks the reason against the model's.
 */
function serializeModelState(snapshot: Snapshot): string {
  const c = snapshot.context;
  const hysteresis = topState(snapshot) === 'degraded' ? { good: Math.min(c.goodDeliveries, c.config.hysteresisCount), agreed: c.digestAgreed } : {};
  // In fallbackPolling the reason decides one thing: whether a poll showing the upstream back ends it.
  const fellBack = topState(snapshot) === 'fallbackPolling' ? { forUpstream: upstreamReasons.has(c.reason) } : {};
  return JSON.stringify({ value: snapshot.value, status: snapshot.status, socketOpen: c.socketOpen, proof: proofClass(snapshot), ...hysteresis, ...fellBack });
}

/** Top-level state only: simple paths over anything finer are too many to enumerate. */
function serializeTopState(snapshot: Snapshot): string {
  return `${topState(snapshot)}/${snapshot.status}`;
}

function serializeEvent(event: AnyEventObject): string {
  return JSON.stringify(event);
}

// createTestModel refuses machines with invocations and delays, so the path generators are
// called directly; the replay below is the test model's "exec" for every event. Paths are
// generated with the clock standing still (time passes only when a timer fires, which the
// generator cannot know); each replay recomputes the model's states on the replay's own clock.
const traversal = {
  input: { ...input, now: () => 0 },
  // A fetch can only finish while one is in flight: offer its done and error events only then.
  // A stopped actor takes no events at all.
  // A timer event only where its state is active.
  events: (snapshot: Snapshot) =>
    snapshot.status !== 'active'
      ? []
      : (sampleEvents.filter((e) => {
          if (e.type.endsWith('.actor.snapshot')) return 'snapshot' in snapshot.children;
          const timer = /^xstate\.after\.[^.]+\.(.+)$/.exec(e.type);
          return !timer || activeStateIds(snapshot).has(timer[1]!);
        }) as SubscriptionEvent[]),
  serializeState: (s: Snapshot) => serializeModelState(s),
  serializeEvent: (e: AnyEventObject) => serializeEvent(e),
};

function topState(snapshot: Snapshot): string {
  return subscriptionStateName(snapshot);
}

const pollDelay = testConfig.snapshotPollIntervalMs['pod-logs'];

type Step = { event: AnyEventObject };

/**
 * What the model says a sequence of events leads to: the machine's pure transition function
 * applied to the exact sequence on the given clock, one step at a time as the replay reaches it;
 * null where the model offers the event nowhere on the way (a path generated over coarse states
 * may ask for a fetch to finish when none is in flight).
 */
function checkOffered(steps: readonly Step[]): boolean {
  const next = modelOf(traversal.input.now);
  return steps.every((step) => next(step) !== null);
}

function modelOf(now: () => number) {
  let [snapshot] = initialTransition(subscriptionMachine, { ...input, now });
  return (step: Step): Snapshot | null => {
    if (step.event.type !== 'xstate.init') {
      const offered = traversal.events(snapshot).some((e) => serializeEvent(e) === serializeEvent(step.event));
      if (!offered) return null;
      [snapshot] = transition(subscriptionMachine, snapshot, step.event as SubscriptionEvent);
    }
    return snapshot;
  };
}

/** Replays one generated path on a real actor and checks every step against the model. */
async function replay(steps: readonly Step[], taken: Set<string>): Promise<boolean> {
  const clock = new TestClock();
  const model = modelOf(() => clock.now());
  // A path infeasible from the start is not replayed (checked again at each step below).
  if (!checkOffered(steps)) return false;
  const fetch = new FetchControl<{ domain: string; scope: string }, unknown>();
  const stream = { subscriptions: 0 };
  const streamSubscription = fromCallback<EventObject, StreamSubscriptionInput>(() => {
    stream.subscriptions++;
    return () => {
      stream.subscriptions--;
    };
  });
  const machine = subscriptionMachine.provide({ actors: { fetchSnapshot: fetch.logic as never, streamSubscription } });
  const actor = createActor(machine, {
    clock,
    input: { ...input, now: () => clock.now() },
    inspect: (e: InspectionEvent) => {
      if (e.type === '@xstate.microstep') for (const t of e._transitions) taken.add(takenTransitionId(t as never));
    },
  });
  actor.start();
  await flush();

  for (const [index, step] of steps.entries()) {
    const event = step.event;
    const where = `step ${index} (${event.type}) from ${JSON.stringify(actor.getSnapshot().value)}`;
    const offered = event.type === 'xstate.init' || traversal.events(actor.getSnapshot()).some((e) => serializeEvent(e) === serializeEvent(event));
    if (!offered) {
      // Time moved on the replay's clock where the generator's stood still, and a guard that
      // reads the proof's age decided otherwise: the path is not feasible on a real clock.
      throw new Error(`${where}: not offered on the replay's clock (time-dependent guard)`);
    }
    if (event.type === 'xstate.init') {
      // the initial state: nothing to do
    } else if (event.type === 'xstate.done.actor.snapshot') {
      const call = fetch.open;
      if (!call) throw new Error(`${where}: the model completes a fetch that the actor never started`);
      call.resolve((event as unknown as { output: unknown }).output);
    } else if (event.type === 'xstate.error.actor.snapshot') {
      const call = fetch.open;
      if (!call) throw new Error(`${where}: the model fails a fetch that the actor never started`);
      const error = (event as unknown as { error: { status: number; message: string } }).error;
      call.reject(new HttpError(error.status, error.message));
    } else if (event.type.startsWith('xstate.after.')) {
      const delayName = event.type.split('.')[2] as keyof typeof machine.implementations.delays;
      const delayOf = machine.implementations.delays[delayName] as unknown as (a: { context: unknown }) => number;
      const delay = delayOf({ context: actor.getSnapshot().context });
      if (!clock.fireTimer(delay)) throw new Error(`${where}: no ${delayName} timer (${delay} ms) is pending`);
    } else {
      actor.send(event as SubscriptionEvent);
    }
    // One turn of the event loop settles a fetch (its promise chain is all microtasks).
    await flush(1);

    const expected = model(step);
    if (!expected) throw new Error(`${where}: the real actor took an event the model does not offer`);
    const real = actor.getSnapshot();
    expect({ where, state: serializeState(real) }).toEqual({ where, state: serializeState(expected) });
    checkInvariants(real, clock, fetch, where, machine);
    expect({ where, subscribed: stream.subscriptions }).toEqual({
      where,
      subscribed: ['streamingPending', 'streamingHealthy', 'degraded'].includes(topState(real)) ? 1 : 0,
    });
  }
  actor.stop();
  expect(clock.pendingCount).toBe(0);
  return true;
}

function checkInvariants(
  snapshot: Snapshot,
  clock: TestClock,
  fetch: { open: unknown },
  where: string,
  machine: typeof subscriptionMachine,
) {
  const state = topState(snapshot);
  const row = diagnoseSubscription(snapshot, clock.now());
  // Polling, judged from behaviour: a fetch in flight, or a timer pending that leads to one
  // (the poll interval, a snapshot retry, a permission re-check).
  const delays = machine.implementations.delays as unknown as Record<string, (a: { context: unknown }) => number>;
  const fetchTimers = ['snapshotRetry', 'permissionRecheck'].map((name) => delays[name]!({ context: snapshot.context }));
  const pending = clock.pendingDelays();
  const actuallyPolling =
    fetch.open !== undefined || pending.includes(pollDelay) || (state !== 'streamingHealthy' && pending.some((d) => fetchTimers.includes(d)));
  const nothingToPoll = state === 'stopped' || (state === 'blocked' && snapshot.context.reason === 'no scope');

  // The core invariant, from behaviour: paused if and only if streamingHealthy.
  expect({ where, actuallyPolling }).toEqual({ where, actuallyPolling: state !== 'streamingHealthy' && !nothingToPoll });
  if (state === 'streamingHealthy') {
    // The stall timer, and where a proof applies its lapse timer, due when the proof passes the bound.
    const provenAt = snapshot.context.upstreamProvenAt;
    const timers = clock.pendingTimers().map((t) => (provenAt !== null && t.due === provenAt + bound ? 'lapse' : t.delay));
    expect({ where, timers: timers.sort() }).toEqual({ where, timers: (provenAt === null ? [testConfig.stallTimeoutMs] : [testConfig.stallTimeoutMs, 'lapse']).sort() });
  }

  // And diagnostics say the same.
  expect({ where, pollingEnabled: row.polling.enabled }).toEqual({
    where,
    pollingEnabled: state === 'streamingHealthy' || nothingToPoll ? false : true,
  });
  const expectedMode = state === 'streamingHealthy' ? 'streaming' : ['snapshotting', 'blocked', 'stopped'].includes(state) ? 'snapshot' : 'polling';
  expect({ where, mode: row.mode }).toEqual({ where, mode: expectedMode });
  expect({ where, health: row.health === 'healthy' }).toEqual({ where, health: state === 'streamingHealthy' });
  if (state === 'blocked' || state === 'stopped') expect(row.health).toBe('unhealthy');
  if (row.health === 'healthy') expect(row.reason).toBeNull();
  else if (state !== 'stopped') expect({ where, reason: row.reason }).not.toEqual({ where, reason: null });
  if (state === 'blocked') expect(['no scope', 'permissions']).toContain(row.reason);
  // The reasons docs/machines.md gives for `degraded`; the view's own lapse is `upstream unproven`.
  if (state === 'degraded') expect({ where, reason: degradedReasons.includes(row.reason!) }).toEqual({ where, reason: true });
  expect(row.stream?.connected).toBe(
    snapshot.context.socketOpen && ['streamingPending', 'streamingHealthy', 'degraded'].includes(state),
  );
}

const degradedReasons: ReadonlyArray<string> = ['stalled', 'drift', 'upstream', 'upstream unproven', 'upstream stalled', 'upstream behind'];

const allTransitions = machineTransitions(subscriptionMachine);
const allStates = stateNodes(subscriptionMachine).map((n) => n.id);
const taken = new Set<string>();
const visitedStates = new Set<string>();

function pathName(steps: ReadonlyArray<{ event: AnyEventObject }>): string {
  return steps.map((s) => s.event.type.replace(/^xstate\./, '')).join(' → ') || '(initial)';
}

function recordVisited(steps: ReadonlyArray<{ state: Snapshot }>) {
  for (const step of steps) {
    for (const id of allStates) if (step.state.matches(id.split('.').slice(1).join('.') as never)) visitedStates.add(id);
  }
}

type GeneratedPath = { state: Snapshot; steps: Array<{ event: AnyEventObject; state: Snapshot }> };

describe('subscription machine, generated paths', () => {
  const shortest = getShortestPaths(subscriptionMachine, traversal as never) as unknown as GeneratedPath[];

  // Every edge of the model: the shortest path to a state, then one more event from there.
  const adjacency = getAdjacencyMap(subscriptionMachine, traversal as never) as unknown as Record<
    string,
    { state: Snapshot; transitions: Record<string, { event: AnyEventObject }> }
  >;
  const shortestTo = new Map(shortest.map((p) => [serializeModelState(p.state), p.steps] as const));
  const edges: Step[][] = Object.entries(adjacency).flatMap(([key, node]) => {
    const head = shortestTo.get(key);
    if (!head) return [];
    return Object.values(node.transitions).map((t) => [...head.map((s) => ({ event: s.event })), { event: t.event }]);
  });

  // Simple paths into streamingHealthy over top-level states and the socket: bounded because the
  // finer model has too many to enumerate. Each is replayed as its exact event sequence.
  const simple = (
    getSimplePaths(subscriptionMachine, {
      ...traversal,
      serializeState: (s: Snapshot) => `${topState(s)}/${s.status}/${s.context.socketOpen}`,
    } as never) as unknown as GeneratedPath[]
  ).filter((p) => topState(p.state) === 'streamingHealthy');

  test('the model reaches every state of the machine', () => {
    expect(shortest.length).toBeGreaterThan(20);
    expect(shortest.filter((p) => p.state.status === 'error').map((p) => pathName(p.steps))).toEqual([]);
    const reached = new Set(shortest.map((p) => topState(p.state)));
    expect([...reached].sort()).toEqual(
      ['blocked', 'degraded', 'fallbackPolling', 'snapshotting', 'stopped', 'streamingHealthy', 'streamingPending'].sort(),
    );
  });

  test(`shortest paths to every model state (${shortest.length})`, async () => {
    for (const path of shortest) {
      recordVisited(path.steps);
      expect(await replay(path.steps, taken)).toBe(true);
    }
  });

  // In parts, so that each stays well inside the test timeout on a busy machine.
  const parts = 4;
  const size = Math.ceil(edges.length / parts);
  for (let part = 0; part < parts; part++) {
    const slice = edges.slice(part * size, (part + 1) * size);
    test(`every edge of the model, part ${part + 1} of ${parts} (${slice.length} of ${edges.length})`, async () => {
      for (const steps of slice) expect(await replay(steps, taken)).toBe(true);
    });
  }

  test(`simple paths into streamingHealthy (${simple.length})`, async () => {
    let replayed = 0;
    for (const path of simple) {
      recordVisited(path.steps);
      if (await replay(path.steps, taken)) replayed++;
    }
    console.log(`simple paths into streamingHealthy: ${replayed} of ${simple.length} feasible and replayed`);
    expect(replayed).toBeGreaterThan(0);
  });

  afterAll(() => {
    const missedTransitions = allTransitions.filter((t) => !taken.has(t.id));
    const missedStates = allStates.filter((s) => !visitedStates.has(s));
    const coverage =
      `subscription machine coverage: states ${allStates.length - missedStates.length}/${allStates.length}, ` +
      `transitions ${allTransitions.length - missedTransitions.length}/${allTransitions.length}`;
    console.log(coverage + (missedTransitions.length ? `\nmissed: ${missedTransitions.map((t) => t.id).join('\n  ')}` : ''));
    expect(missedStates).toEqual([]);
    expect(missedTransitions.map((t) => t.id)).toEqual([]);
  });
});
