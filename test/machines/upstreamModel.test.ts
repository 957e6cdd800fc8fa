/**
 * Model-based tests of the upstream machine: XState's graph utilities walk the machine's own
 * definition (every sample event and every timer wherever its state is active) and give the
 * shortest path to every state it can be in and every edge out of those. Each path is replayed
 * with the pure `transition` function on a clock the test moves (a timer event moves it to the
 * timer's due time), and after every step the report must keep the proof's promises:
 *
 * - `healthy` only while watching, with a proof younger than the bound, and not right after a
 *   lapse (until a probe passes);
 * - a lapse drops the watch and relists: after `upstream stalled` or `upstream behind` in backoff
 *   comes `listing`;
 * - a lapse says `upstream behind` exactly when the watch delivered something since it began and
 *   the `stillDeliveringWindow` timer has not fired since, `upstream stalled` otherwise, and a
 *   watching upstream keeps that reason until a probe passes;
 * - `proofAgeMs` is exactly how long ago the last list began or probe's bookmark arrived.
 *
 * The test fails unless every state of the machine was reached.
 */
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import { initialTransition, transition } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { stateNodes } from '../../machines/introspect.js';
import { upstreamHealthy, upstreamMachine, upstreamReport, upstreamStateName, type UpstreamTimings } from '../../machines/upstreamMachine.js';

type Snapshot = SnapshotFrom<typeof upstreamMachine>;

const bound = 10_000;
const timings: UpstreamTimings = {
  backoffBaseMs: 500,
  backoffCapMs: 8_000,
  stallTimeoutMs: 60_000,
  listTimeoutMs: 20_000,
  forbiddenRetryMs: 30_000,
  watchTimeoutSeconds: [300, 600],
  freshnessBoundMs: bound,
};

/** The clock every transition of one replay reads; the traversal itself runs at time 0. */
let nowMs = 0;
const now = () => nowMs;
const input = (t: UpstreamTimings) => ({ resource: 'pods', timings: t, now, random: () => 0 });

const listId = upstreamMachine.root.states.listing!.invoke[0]!.id;
const sampleEvents: AnyEventObject[] = [
  { type: `xstate.done.actor.${listId}`, output: { resourceVersion: '100' } },
  { type: `xstate.error.actor.${listId}`, error: { status: 403, message: 'forbidden' } },
  { type: `xstate.error.actor.${listId}`, error: { status: 500, message: 'boom' } },
  { type: 'LIST.PROGRESS' },
  { type: 'WATCH.PROGRESS', resourceVersion: '101' },
  { type: 'WATCH.ENDED' },
  { type: 'WATCH.GONE' },
  { type: 'WATCH.FAILED', status: 403, message: 'forbidden' },
  { type: 'WATCH.FAILED', status: 500, message: 'boom' },
  // provenAt is set to the replay's clock when sent: a probe's bookmark arrives "now".
  { type: 'PROOF.PASSED', provenAt: -1 },
  { type: 'PROOF.FAILED', message: 'the watch has not delivered 2 of 2 changes the API server has' },
  { type: 'STOP' },
  { type: 'START' },
];

function activeIds(snapshot: Snapshot): Set<string> {
  return new Set((snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((n) => n.id));
}

const timerEvents: AnyEventObject[] = stateNodes(upstreamMachine).flatMap((node) => node.after.map((t) => ({ type: t.eventType })));

/** What the machine's behaviour depends on, beyond time. */
function serializeState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify({ value: snapshot.value, reason: c.reason, lapsing: c.lapseStreak > 0, hasRv: c.resourceVersion !== null, proven: c.provenAt !== null });
}

function traversal(t: UpstreamTimings) {
  return {
    input: input(t),
    events: (snapshot: Snapshot) =>
      [...sampleEvents, ...timerEvents].filter((e) => {
        const timer = /^xstate\.after\.[^.]+\.(.+)$/.exec(e.type);
        return !timer || activeIds(snapshot).has(timer[1]!);
      }),
    serializeState,
    serializeEvent: (e: AnyEventObject) => JSON.stringify(e),
  };
}

const delays = upstreamMachine.implementations.delays as unknown as Record<string, (a: { context: unknown }) => number>;

const lapseReasons = new Set(['upstream stalled', 'upstream behind']);

/** Replays one path; returns the problems seen. */
function replay(t: UpstreamTimings, events: readonly AnyEventObject[]): string[] {
  nowMs = 0;
  let [snapshot] = initialTransition(upstreamMachine, input(t));
  let provenAtModel: number | null = null;
  let listStartedAt = 0;
  let lapsed = false;
  let mustRelist = false;
  // Whether the current watch still counts as delivering, and the open lapse's reason, by the model.
  let delivering = false;
  let lapseReason: string | null = null;
  let lapses = 0;
  const problems: string[] = [];
  for (const [index, raw] of events.entries()) {
    if (raw.type === 'xstate.init') continue;
    const before = upstreamStateName(snapshot);
    const timer = /^xstate\.after\.([^.]+)\./.exec(raw.type);
    if (timer) nowMs += delays[timer[1]!]!({ context: snapshot.context });
    const event = raw.type === 'PROOF.PASSED' ? { ...raw, provenAt: nowMs } : raw;
    [snapshot] = transition(upstreamMachine, snapshot, event as never);
    const state = upstreamStateName(snapshot);
    const where = `step ${index} ${raw.type} ${before} → ${state}`;
    // The model, from what this replay made happen.
    if (state === 'listing' && before !== 'listing') listStartedAt = nowMs;
    if (before === 'listing' && raw.type.startsWith('xstate.done.actor.')) provenAtModel = listStartedAt;
    if (raw.type === 'PROOF.PASSED' && before === 'watching') {
      provenAtModel = Math.max(provenAtModel ?? nowMs, nowMs);
      lapsed = false;
    }
    if (state === 'stopped') provenAtModel = null;
    if (lapseReasons.has(snapshot.context.reason ?? '') && state === 'backoff') lapsed = true;
    if (snapshot.context.lapses > lapses) {
      const expected = delivering ? 'upstream behind' : 'upstream stalled';
      if (snapshot.context.reason !== expected) problems.push(`${where}: a lapse said ${snapshot.context.reason}, the model ${expected}`);
      lapses = snapshot.context.lapses;
      lapseReason = expected;
    }
    if (raw.type === 'PROOF.PASSED' && before === 'watching') lapseReason = null;
    if (state === 'stopped') lapseReason = null;
    if (state === 'watching' && raw.type === 'WATCH.PROGRESS') delivering = true;
    if (state !== 'watching' || raw.type === 'WATCH.ENDED' || /^xstate\.after\.stillDeliveringWindow\./.test(raw.type)) delivering = false;
    const report = upstreamReport(snapshot, nowMs);
    // The stream hub asks this for every change instead of building the report: the same answer.
    if (upstreamHealthy(snapshot, nowMs) !== report.healthy) problems.push(`${where}: upstreamHealthy says ${!report.healthy}, the report ${report.healthy}`);
    if (report.healthy && state !== 'watching') problems.push(`${where}: healthy outside watching`);
    if (report.healthy && (provenAtModel === null || nowMs - provenAtModel > bound)) problems.push(`${where}: healthy with a stale proof`);
    if (report.healthy && lapsed) problems.push(`${where}: healthy after a lapse before any probe passed`);
    if (state === 'watching' && report.proofAgeMs !== (provenAtModel === null ? null : nowMs - provenAtModel)) {
      problems.push(`${where}: proof age ${report.proofAgeMs}, model ${provenAtModel === null ? null : nowMs - provenAtModel}`);
    }
    if (before === 'backoff' && state === 'watching' && mustRelist) problems.push(`${where}: re-watched a lapsed cache without relisting`);
    if (state === 'listing') mustRelist = false;
    if (state === 'backoff' && lapseReasons.has(snapshot.context.reason ?? '')) mustRelist = true;
    if (state === 'watching' && snapshot.context.reason === null && lapseReason !== null && report.reason !== lapseReason) {
      problems.push(`${where}: after a lapse said ${lapseReason}, the report says ${report.reason} before any probe passed`);
    }
  }
  return problems;
}

describe('upstream machine, generated paths', () => {
  const shortest = getShortestPaths(upstreamMachine, traversal(timings) as never) as unknown as Array<{ state: Snapshot; steps: Array<{ event: AnyEventObject; state: Snapshot }> }>;
  const adjacency = getAdjacencyMap(upstreamMachine, traversal(timings) as never) as unknown as Record<string, { transitions: Record<string, { event: AnyEventObject }> }>;
  const shortestTo = new Map(shortest.map((p) => [serializeState(p.state), p.steps] as const));
  const edges = Object.entries(adjacency).flatMap(([key, node]) => {
    const head = shortestTo.get(key);
    return head ? Object.values(node.transitions).map((t) => [...head.map((s) => s.event), t.event]) : [];
  });

  test(`every shortest path (${shortest.length}) and every edge (${edges.length}) keeps the proof's promises`, () => {
    const problems: string[] = [];
    for (const path of shortest) problems.push(...replay(timings, path.steps.map((s) => s.event)));
    for (const events of edges) problems.push(...replay(timings, events));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(edges.length).toBeGreaterThan(50);
  });

  test('every state of the machine is reached, the proof region included', () => {
    const reached = new Set<string>();
    for (const path of shortest) for (const id of activeIds(path.state)) reached.add(id);
    // A log follower's upstream, which nothing can prove, reaches `exempt`.
    const exempt = getShortestPaths(upstreamMachine, traversal({ ...timings, freshnessBoundMs: null }) as never) as unknown as Array<{ state: Snapshot }>;
    for (const path of exempt) for (const id of activeIds(path.state)) reached.add(id);
    const all = stateNodes(upstreamMachine).map((n) => n.id);
    expect(all.filter((id) => !reached.has(id))).toEqual([]);
  });
});
