/**
 * The stream subscription machine governs one client subscription on the backend's stream: what
 * it may be sent, and when. The backend's StreamHub (server/stream.ts) runs one actor per
 * subscription, tells it what happened (the upstream changed, the cache changed, the client
 * asked for a resync, the socket stopped or started taking frames) and performs the frames it
 * names. It performs no I/O itself: `sendReset`, `sendUpdate`, `sendHeartbeat`, `sendStatus` and
 * `dropPending` are actions the hub provides; the heartbeat and batching timers are named delays,
 * so they run on whatever clock the actor is given.
 *
 * - `awaitingList`: no reset sent yet. Only `status` frames, until the view's caches are listed,
 *   its upstream is healthy, and the socket takes frames; then the first `reset`.
 * - `live`: updates (coalesced over `updateBatch`), heartbeats every `heartbeatInterval`,
 *   statuses as the upstream changes.
 * - `congested`: the socket's buffer is past its bound (or streams are stalled by a debug fault):
 *   nothing is queued; changes coalesce; past `maxPendingChanges` a reset is owed instead.
 * - `owesReset`: a reset is owed (a `resync`, a congestion that overflowed, a change batch too
 *   big to send as changes). It goes out as soon as the socket takes frames and the upstream is
 *   healthy. While the upstream is not (`untilUpstreamProven`), heartbeats and statuses keep
 *   flowing but no reset is served from a cache that may be behind the API server: the upstream
 *   relists, and the reset follows its recovery. Pending changes are dropped: the reset carries them.
 * - `closed`: unsubscribed, or the socket closed.
 *
 * `seq` is the machine's: each frame action first takes the next number, so numbering is a
 * decision made here, one per frame, never skipped.
 */
import { assign, or, setup } from 'xstate';

export type StreamSubscriptionEvent =
  /** The view's upstreams changed state: are all of them listed, and are all of them healthy? */
  | { type: 'UPSTREAM.CHANGED'; listed: boolean; healthy: boolean }
  /** The hub merged changes for this view into its pending map, which now holds `pending` rows. */
  | { type: 'CACHE.CHANGED'; pending: number }
  | { type: 'CLIENT.RESYNC' }
  /** The socket stopped taking frames (its buffer passed the bound, or streams are stalled). */
  | { type: 'SOCKET.BLOCKED' }
  | { type: 'SOCKET.WRITABLE' }
  /** Unsubscribed, or the socket closed. */
  | { type: 'CLOSE' };

export interface StreamSubscriptionTimings {
  readonly heartbeatIntervalMs: number;
  readonly updateBatchMs: number;
  /** Coalesced changes kept for one subscription before it is given a reset instead. */
  readonly maxPendingChanges: number;
}

export interface StreamSubscriptionInput {
  readonly timings: StreamSubscriptionTimings;
  /** The seq of the last frame the client applied (a resume), or 0. The next frame is one more. */
  readonly seq?: number;
  readonly listed: boolean;
  readonly healthy: boolean;
  readonly writable: boolean;
  /**
   * Resumed from the caches' rings: the client's store is the stream's, so this subscription
   * starts `live` with the replayed changes pending (the hub put them in its map), no reset.
   */
  readonly resumedWith?: number | null;
  /** The clock the heartbeat's cadence is kept on (the hub's `Date.now`; a test's fake clock). */
  readonly now?: () => number;
}

export interface StreamSubscriptionContext {
  readonly timings: StreamSubscriptionTimings;
  /** The seq of the last frame sent (or the resume point). */
  readonly seq: number;
  /** Rows in the hub's pending map, as last reported. */
  readonly pending: number;
  readonly listed: boolean;
  readonly healthy: boolean;
  readonly writable: boolean;
  /** Started from a resume point the rings could replay: no reset is owed. */
  readonly resumed: boolean;
  readonly resets: number;
  /** Resets that waited for the upstream to be healthy again (a resync or subscribe while it was not). */
  readonly resetsHeldForUpstream: number;
  readonly now: () => number;
  /**
   * When the last frame carrying the upstream report on the interval's schedule (a heartbeat or
   * a reset) went out. A congestion spell leaves `live` and restarts its timer on the way back, so
   * a socket blocked now and then would otherwise never hear a heartbeat, and the client's proof
   * of the upstream would lapse while every hop was working (issue 14, row 2 at 20,000/s).
   */
  readonly beatAt: number;
}

/** What each frame action is given: the seq the frame must carry. */
export interface FrameParams {
  readonly seq: number;
}

type Frame = 'sendReset' | 'sendUpdate' | 'sendHeartbeat' | 'sendStatus';

/** Takes the next seq, then names the frame with it: the pair every frame goes out as. */
function frame(kind: Frame) {
  return [
    { type: 'takeSeq' as const },
    { type: kind, params: ({ context }: { context: StreamSubscriptionContext }): FrameParams => ({ seq: context.seq }) },
  ];
}

/** The hub forgets its pending changes, and so does the machine's count of them. */
const dropPending = [{ type: 'clearPending' as const }, { type: 'notePending' as const, params: { pending: 0 } }];
/** The pending changes as one update. */
const flush = [...frame('sendUpdate'), ...dropPending];
/** A reset carries everything, pending changes included (and the upstream report, as a heartbeat does). */
const reset = [...dropPending, ...frame('sendReset'), { type: 'countReset' as const }, { type: 'noteBeat' as const }];
/** A heartbeat, its time noted: the interval runs from the last one, across congestion spells. */
const heartbeat = [...frame('sendHeartbeat'), { type: 'noteBeat' as const }];

/** An interval or more since the last heartbeat or reset: the client's proof of the upstream is due. */
function heartbeatDue(context: StreamSubscriptionContext): boolean {
  return context.now() - context.beatAt >= context.timings.heartbeatIntervalMs;
}

export const streamSubscriptionMachine = setup({
  types: {
    context: {} as StreamSubscriptionContext,
    events: {} as StreamSubscriptionEvent,
    input: {} as StreamSubscriptionInput,
  },
  delays: {
    heartbeatInterval: ({ context }) => context.timings.heartbeatIntervalMs,
    updateBatch: ({ context }) => context.timings.updateBatchMs,
  },
  guards: {
    socketBlocked: ({ context }) => !context.writable,
    /** A reset may go out now: the caches are listed and healthy (as true as anyone can tell), and the socket takes frames. */
    canSendReset: ({ context }) => context.listed && context.healthy && context.writable,
    resumed: ({ context }) => context.resumed,
    resumedOnBlockedSocket: ({ context }) => context.resumed && !context.writable,
    /** Resumed with nothing to replay: the client holds the view as it is now. */
    resumedUpToDate: ({ context }) => context.resumed && context.pending === 0,
    /** A status would say nothing worth a frame: the reset follows at once, or the socket is blocked. */
    noStatusNeeded: ({ context }) => (context.listed && context.healthy) || !context.writable,
    eventProvesUpstream: ({ event }) => event.type === 'UPSTREAM.CHANGED' && event.listed && event.healthy,
    hasPending: ({ context }) => context.pending > 0,
    heartbeatDue: ({ context }) => heartbeatDue(context),
    heartbeatDueWithPending: ({ context }) => context.pending > 0 && heartbeatDue(context),
    tooManyPending: ({ context, event }) => event.type === 'CACHE.CHANGED' && event.pending > context.timings.maxPendingChanges,
  },
  actions: {
    takeSeq: assign(({ context }) => ({ seq: context.seq + 1 })),
    countReset: assign(({ context }) => ({ resets: context.resets + 1 })),
    noteBeat: assign(({ context }) => ({ beatAt: context.now() })),
    countHeldReset: assign(({ context }) => ({ resetsHeldForUpstream: context.resetsHeldForUpstream + 1 })),
    noteUpstream: assign(({ context, event }) =>
      event.type === 'UPSTREAM.CHANGED' ? { listed: event.listed, healthy: event.healthy } : { listed: context.listed, healthy: context.healthy },
    ),
    noteCacheChanged: assign(({ context, event }) => ({ pending: event.type === 'CACHE.CHANGED' ? event.pending : context.pending })),
    notePending: assign((_, params: { pending: number }) => ({ pending: params.pending })),
    noteBlocked: assign({ writable: false }),
    noteWritable: assign({ writable: true }),
    // Effects the hub provides. Each frame action gets the seq its frame carries.
    sendReset: (_, _params: FrameParams) => {},
    sendUpdate: (_, _params: FrameParams) => {},
    sendHeartbeat: (_, _params: FrameParams) => {},
    sendStatus: (_, _params: FrameParams) => {},
    /** Forget the pending changes (a reset will carry them, or they were just sent). */
    clearPending: () => {},
  },
}).createMachine({
  id: 'streamSubscription',
  context: ({ input }) => ({
    timings: input.timings,
    seq: input.seq ?? 0,
    pending: input.resumedWith ?? 0,
    listed: input.listed,
    healthy: input.healthy,
    writable: input.writable,
    resumed: input.resumedWith != null,
    resets: 0,
    resetsHeldForUpstream: 0,
    now: input.now ?? Date.now,
    beatAt: (input.now ?? Date.now)(),
  }),
  initial: 'starting',
  on: {
    CLOSE: { target: '.closed' },
  },
  states: {
    starting: {
      always: [
        // A resumed subscription's replay waits in the pending map like any change.
        { guard: 'resumedOnBlockedSocket', target: 'congested' },
        // Nothing to replay means no update to prove the stream: a heartbeat at once does, where
        // the first timed one would leave the client pending for a whole interval (2 s).
        { guard: 'resumedUpToDate', target: 'live', actions: heartbeat },
        { guard: 'resumed', target: 'live' },
        { guard: 'noStatusNeeded', target: 'awaitingList' },
        // Tells the client what it is waiting for.
        { target: 'awaitingList', actions: frame('sendStatus') },
      ],
    },
    awaitingList: {
      entry: dropPending,
      always: { guard: 'canSendReset', target: 'live', actions: reset },
      on: {
        'UPSTREAM.CHANGED': [
          // Tell the client what it waits for; the reset itself comes from `always` when it can.
          { guard: or(['socketBlocked', 'eventProvesUpstream']), actions: 'noteUpstream' },
          { actions: ['noteUpstream', ...frame('sendStatus')] },
        ],
        'CACHE.CHANGED': { actions: dropPending },
        'SOCKET.BLOCKED': { actions: 'noteBlocked' },
        'SOCKET.WRITABLE': { actions: 'noteWritable' },
      },
    },
    live: {
      initial: 'idle',
      after: {
        heartbeatInterval: [
          // Flushed first, so the heartbeat's count and digest describe exactly what was sent.
          { guard: 'hasPending', target: 'live', reenter: true, actions: [...flush, ...heartbeat] },
          { target: 'live', reenter: true, actions: heartbeat },
        ],
      },
      states: {
        idle: {
          always: { guard: 'hasPending', target: 'batching' },
        },
        batching: {
          after: {
            updateBatch: { target: 'idle', actions: flush },
          },
        },
      },
      on: {
        'CACHE.CHANGED': [
          // Too far behind to catch up change by change (one huge relist diff): a reset is cheaper.
          { guard: 'tooManyPending', target: 'owesReset' },
          { actions: 'noteCacheChanged' },
        ],
        'CLIENT.RESYNC': { target: 'owesReset' },
        'SOCKET.BLOCKED': { target: 'congested', actions: 'noteBlocked' },
        'UPSTREAM.CHANGED': [
          // What was sent before the status is what the status is about.
          { guard: 'hasPending', target: '.idle', actions: ['noteUpstream', ...flush, ...frame('sendStatus')] },
          { actions: ['noteUpstream', ...frame('sendStatus')] },
        ],
      },
    },
    congested: {
      on: {
        'CACHE.CHANGED': [{ guard: 'tooManyPending', target: 'owesReset' }, { actions: 'noteCacheChanged' }],
        'CLIENT.RESYNC': { target: 'owesReset' },
        // The pending changes go out as one update from `live` (its `idle` moves straight to batching),
        // unless a heartbeat is due: then they go first, and the heartbeat after them, at once.
        'SOCKET.WRITABLE': [
          { guard: 'heartbeatDueWithPending', target: 'live', actions: ['noteWritable', ...flush, ...heartbeat] },
          { guard: 'heartbeatDue', target: 'live', actions: ['noteWritable', ...heartbeat] },
          { target: 'live', actions: 'noteWritable' },
        ],
        'UPSTREAM.CHANGED': { actions: 'noteUpstream' },
      },
    },
    owesReset: {
      entry: dropPending,
      initial: 'choosing',
      states: {
        choosing: {
          always: [
            { guard: 'canSendReset', target: '#streamSubscription.live', actions: reset },
            { guard: 'socketBlocked', target: 'untilDrained' },
            { target: 'untilUpstreamProven', actions: 'countHeldReset' },
          ],
        },
        untilDrained: {
          on: { 'SOCKET.WRITABLE': { target: 'choosing', actions: 'noteWritable' } },
        },
        // The stream hop still proves itself (heartbeats carry the upstream report and its proof
        // age), but no reset is served from a cache that may be behind the API server.
        untilUpstreamProven: {
          after: {
            heartbeatInterval: { target: 'untilUpstreamProven', reenter: true, actions: heartbeat },
          },
          on: {
            'SOCKET.BLOCKED': { target: 'untilDrained', actions: 'noteBlocked' },
            'UPSTREAM.CHANGED': [
              { guard: 'eventProvesUpstream', target: 'choosing', actions: 'noteUpstream' },
              { actions: ['noteUpstream', ...frame('sendStatus')] },
            ],
          },
        },
      },
      on: {
        'CACHE.CHANGED': { actions: dropPending },
        'UPSTREAM.CHANGED': { actions: 'noteUpstream' },
      },
    },
    closed: {
      type: 'final',
      entry: dropPending,
    },
  },
});

