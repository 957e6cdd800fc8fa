/**
 * Model-based tests of the backend's stream subscription machine. XState's graph utilities walk
 * the machine's own definition from several starting points (a fresh subscription, one whose
 * upstream is already listed, resumed ones, on a writable or a blocked socket) and generate
 * transition paths: the shortest path to every model state, and every edge from there. Each
 * path is replayed on a real actor on the fake clock with a recording hub, and after every step:
 *
 * - the real actor is where the pure model says it is;
 * - the frames it named keep the stream's promises (harness `violations()`): seq one more per
 *   frame; nothing queued on a blocked socket; no update or heartbeat before a reset; no reset
 *   while the upstream is unlisted or unhealthy; nothing held while a reset is owed; a reset that
 *   can be sent is not left owed; heartbeat timers exactly where heartbeats may go.
 *
 * Transitions taken are collected through the inspection API; the test fails unless every state
 * and every transition of the machine was exercised.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import { initialTransition, transition } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { machineTransitions, stateNodes } from '../../machines/introspect.js';
import {
  streamSubscriptionMachine,
  type StreamSubscriptionEvent,
  type StreamSubscriptionInput,
} from '../../machines/streamSubscriptionMachine.js';
import { mermaidFor } from '../../scripts/machineDiagrams.js';
import { flush } from '../support/clock.js';
import { StreamSubscriptionHarness, stateName, timings } from '../support/streamSubscriptionHarness.js';

type Snapshot = SnapshotFrom<typeof streamSubscriptionMachine>;
type Start = Omit<StreamSubscriptionInput, 'timings'>;

const starts: Record<string, Start> = {
  fresh: { listed: false, healthy: false, writable: true },
  'listed, unhealthy': { listed: true, healthy: false, writable: true },
  'proven, blocked': { listed: true, healthy: true, writable: false, seq: 41 },
  'resumed with changes': { listed: true, healthy: true, writable: true, seq: 7, resumedWith: 2 },
  'resumed up to date': { listed: true, healthy: true, writable: true, seq: 7, resumedWith: 0 },
  'resumed on a blocked socket': { listed: true, healthy: false, writable: false, seq: 7, resumedWith: 2 },
};

const timerEvents: AnyEventObject[] = stateNodes(streamSubscriptionMachine).flatMap((node) => node.after.map((t) => ({ type: t.eventType })));

const sampleEvents: StreamSubscriptionEvent[] = [
  { type: 'UPSTREAM.CHANGED', listed: false, healthy: false },
  { type: 'UPSTREAM.CHANGED', listed: true, healthy: false },
  { type: 'UPSTREAM.CHANGED', listed: true, healthy: true },
  { type: 'CACHE.CHANGED', pending: 2 },
  { type: 'CACHE.CHANGED', pending: timings.maxPendingChanges + 1 },
  { type: 'CLIENT.RESYNC' },
  { type: 'SOCKET.BLOCKED' },
  { type: 'SOCKET.WRITABLE' },
  { type: 'CLOSE' },
];

function activeStateIds(snapshot: Snapshot): Set<string> {
  return new Set((snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((n) => n.id));
}

/** What the machine's behaviour depends on: state, facts, and whether anything is pending. */
function serializeState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify({ value: snapshot.value, status: snapshot.status, listed: c.listed, healthy: c.healthy, writable: c.writable, pending: c.pending > 0 });
}

const serializeEvent = (event: AnyEventObject) => JSON.stringify(event);

/**
 * The model's clock stands still. On the recording hub's fake clock time passes only when a timer
 * fires, and every heartbeat timer that fires sends a heartbeat, so no generated path reaches a
 * congestion spell's end with a heartbeat due: the graph cannot walk time. The two transitions
 * taken only then are walked by hand, on the fake clock, in the last test of the describe.
 */
const modelNow = () => 0;

function traversal(start: Start) {
  return {
    input: { timings, now: modelNow, ...start },
    // A socket event only where it is news (the hub sends BLOCKED and WRITABLE alternately); a
    // timer only where its state is active; nothing once closed.
    events: (snapshot: Snapshot) =>
      snapshot.status !== 'active'
        ? []
        : [...sampleEvents, ...timerEvents].filter((e) => {
            if (e.type === 'SOCKET.BLOCKED') return snapshot.context.writable;
            if (e.type === 'SOCKET.WRITABLE') return !snapshot.context.writable;
            const timer = /^xstate\.after\.[^.]+\.(.+)$/.exec(e.type);
            return !timer || activeStateIds(snapshot).has(timer[1]!);
          }),
    serializeState,
    serializeEvent,
  };
}

type Step = { event: AnyEventObject };

function modelStates(start: Start, steps: readonly Step[]): Snapshot[] {
  let [snapshot] = initialTransition(streamSubscriptionMachine, { timings, now: modelNow, ...start });
  const states: Snapshot[] = [];
  for (const step of steps) {
    if (step.event.type !== 'xstate.init') [snapshot] = transition(streamSubscriptionMachine, snapshot, step.event as StreamSubscriptionEvent);
    states.push(snapshot);
  }
  return states;
}

const delays = streamSubscriptionMachine.implementations.delays as unknown as Record<string, (a: { context: unknown }) => number>;

async function replay(start: Start, steps: readonly Step[], taken: Set<string>): Promise<void> {
  const expected = modelStates(start, steps);
  const hub = new StreamSubscriptionHarness(start, taken);
  expect(hub.violations()).toEqual([]);
  for (const [index, step] of steps.entries()) {
    const event = step.event;
    const where = `step ${index} (${event.type}) from ${hub.state}`;
    if (event.type === 'xstate.init') {
      // the initial state
    } else if (event.type.startsWith('xstate.after.')) {
      const delay = delays[event.type.split('.')[2]!]!({ context: hub.actor.getSnapshot().context });
      if (!hub.clock.fireTimer(delay)) throw new Error(`${where}: no ${delay} ms timer is pending`);
    } else {
      hub.send(event as StreamSubscriptionEvent);
    }
    await flush(1);
    const real = hub.actor.getSnapshot();
    expect({ where, state: serializeState(real) }).toEqual({ where, state: serializeState(expected[index]!) });
    expect({ where, violations: hub.violations() }).toEqual({ where, violations: [] });
  }
  hub.actor.stop();
}

const allTransitions = machineTransitions(streamSubscriptionMachine);
const allStates = stateNodes(streamSubscriptionMachine).map((n) => n.id);
const taken = new Set<string>();
const visited = new Set<string>();

describe('stream subscription machine, generated paths', () => {
  for (const [name, start] of Object.entries(starts)) {
    const model = traversal(start);
    const shortest = getShortestPaths(streamSubscriptionMachine, model as never) as unknown as Array<{
      state: Snapshot;
      steps: Array<{ event: AnyEventObject; state: Snapshot }>;
    }>;
    const adjacency = getAdjacencyMap(streamSubscriptionMachine, model as never) as unknown as Record<
      string,
      { transitions: Record<string, { event: AnyEventObject }> }
    >;
    const shortestTo = new Map(shortest.map((p) => [serializeState(p.state), p.steps] as const));
    const edges: Step[][] = Object.entries(adjacency).flatMap(([key, node]) => {
      const head = shortestTo.get(key);
      if (!head) return [];
      return Object.values(node.transitions).map((t) => [...head.map((s) => ({ event: s.event })), { event: t.event }]);
    });

    test(`from ${name}: shortest paths (${shortest.length}) and every edge (${edges.length})`, async () => {
      expect(shortest.filter((p) => p.state.status === 'error')).toEqual([]);
      for (const path of shortest) {
        for (const step of path.steps) {
          for (const id of allStates) if (step.state.matches(id.split('.').slice(1).join('.') as never)) visited.add(id);
        }
        await replay(start, path.steps, taken);
      }
      for (const steps of edges) await replay(start, steps, taken);
    });
  }

  test('a congestion spell that ends with a heartbeat due sends it at once, after the changes it held', async () => {
    for (const held of [0, 2]) {
      const hub = new StreamSubscriptionHarness({ listed: true, healthy: true, writable: true }, taken);
      await flush(1);
      expect(hub.state).toBe('live.idle');
      const reset = hub.frames.length;
      hub.clock.advance(timings.heartbeatIntervalMs / 2);
      hub.send({ type: 'SOCKET.BLOCKED' });
      if (held > 0) hub.send({ type: 'CACHE.CHANGED', pending: held });
      hub.clock.advance(timings.heartbeatIntervalMs / 2);
      hub.send({ type: 'SOCKET.WRITABLE' });
      await flush(1);
      expect(hub.frames.slice(reset).map((f) => f.kind)).toEqual(held > 0 ? ['update', 'heartbeat'] : ['heartbeat']);
      expect(hub.frames.at(-1)!.at).toBe(timings.heartbeatIntervalMs);
      expect(hub.violations()).toEqual([]);
      hub.actor.stop();
    }
  });

  test('the top-level states a subscription can be in are the ones documented', () => {
    const reached = new Set<string>();
    for (const start of Object.values(starts)) {
      const shortest = getShortestPaths(streamSubscriptionMachine, traversal(start) as never) as unknown as Array<{ state: Snapshot }>;
      for (const p of shortest) reached.add(p.state.status === 'done' ? 'closed' : stateName(p.state.value).split('.')[0]!);
    }
    expect([...reached].sort()).toEqual(['awaitingList', 'closed', 'congested', 'live', 'owesReset'].sort());
  });

  test('the diagram in docs/backend.md is the machine', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/backend.md', import.meta.url)), 'utf8');
    const block = /<!-- generated:streamSubscription -->\n```mermaid\n([\s\S]*?)\n```\n<!-- \/generated:streamSubscription -->/.exec(doc);
    expect(block?.[1]).toBe(mermaidFor(streamSubscriptionMachine));
  });

  afterAll(() => {
    const missedTransitions = allTransitions.filter((t) => !taken.has(t.id));
    const missedStates = allStates.filter((s) => !visited.has(s) && !s.endsWith('.starting') && !s.endsWith('.choosing'));
    console.log(
      `stream subscription machine coverage: states ${allStates.length - missedStates.length}/${allStates.length}, ` +
        `transitions ${allTransitions.length - missedTransitions.length}/${allTransitions.length}` +
        (missedTransitions.length ? `\nmissed: ${missedTransitions.map((t) => t.id).join('\n  ')}` : ''),
    );
    expect(missedStates).toEqual([]);
    expect(missedTransitions.map((t) => t.id)).toEqual([]);
  });
});
