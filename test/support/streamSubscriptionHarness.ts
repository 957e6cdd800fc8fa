/**
 * Runs the backend's stream subscription machine on the fake clock with a recording "hub": the
 * frames it names (kind and seq), the hub's pending-map size as the hub would keep it, and the
 * facts the hub last told it (upstream listed and healthy, socket writable). `violations()`
 * checks, after any step, the promises the stream makes to a client, from what was recorded, not
 * from the machine's own context.
 */
import { createActor, type InspectionEvent } from 'xstate';
import { takenTransitionId } from '../../machines/introspect.js';
import {
  streamSubscriptionMachine,
  type FrameParams,
  type StreamSubscriptionEvent,
  type StreamSubscriptionInput,
  type StreamSubscriptionTimings,
} from '../../machines/streamSubscriptionMachine.js';
import { TestClock } from './clock.js';

export const timings: StreamSubscriptionTimings = { heartbeatIntervalMs: 1000, updateBatchMs: 25, maxPendingChanges: 3 };

export type FrameKind = 'reset' | 'update' | 'heartbeat' | 'status';

export interface SentFrame {
  readonly kind: FrameKind;
  readonly seq: number;
  /** Rows in the update (the hub's pending map when it was sent). */
  readonly changes: number;
  /** The facts the hub had told the machine when the frame went out. */
  readonly proven: boolean;
  readonly writable: boolean;
  /** When it went out, on the fake clock. */
  readonly at: number;
}

export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', null];
  return child === null || child === undefined ? key : `${key}.${stateName(child)}`;
}

export class StreamSubscriptionHarness {
  readonly clock = new TestClock();
  readonly frames: SentFrame[] = [];
  /** The hub's pending map, by size. */
  pending: number;
  listed: boolean;
  healthy: boolean;
  writable: boolean;
  readonly actor;

  constructor(
    readonly input: Omit<StreamSubscriptionInput, 'timings'>,
    taken?: Set<string>,
  ) {
    this.pending = input.resumedWith ?? 0;
    this.listed = input.listed;
    this.healthy = input.healthy;
    this.writable = input.writable;
    const record = (kind: FrameKind) => (_: unknown, params: FrameParams) => {
      this.frames.push({ kind, seq: params.seq, changes: kind === 'update' ? this.pending : 0, proven: this.listed && this.healthy, writable: this.writable, at: this.clock.now() });
    };
    const machine = streamSubscriptionMachine.provide({
      actions: {
        sendReset: record('reset'),
        sendUpdate: record('update'),
        sendHeartbeat: record('heartbeat'),
        sendStatus: record('status'),
        clearPending: () => {
          this.pending = 0;
        },
      },
    });
    this.actor = createActor(machine, {
      clock: this.clock,
      input: { timings, now: () => this.clock.now(), ...input },
      ...(taken
        ? {
            inspect: (e: InspectionEvent) => {
              if (e.type === '@xstate.microstep') for (const t of e._transitions) taken.add(takenTransitionId(t as never));
            },
          }
        : {}),
    });
    this.actor.start();
  }

  /** Sends an event as the hub would: its facts and pending map change first. */
  send(event: StreamSubscriptionEvent): void {
    if (event.type === 'UPSTREAM.CHANGED') {
      this.listed = event.listed;
      this.healthy = event.healthy;
    }
    if (event.type === 'SOCKET.BLOCKED') this.writable = false;
    if (event.type === 'SOCKET.WRITABLE') this.writable = true;
    if (event.type === 'CACHE.CHANGED') {
      // The hub merges the changes into its map, then says how big it is.
      this.pending = Math.max(this.pending, event.pending);
      this.actor.send({ type: 'CACHE.CHANGED', pending: this.pending });
      return;
    }
    this.actor.send(event);
  }

  get state(): string {
    const snapshot = this.actor.getSnapshot();
    return snapshot.status === 'done' ? 'closed' : stateName(snapshot.value);
  }

  heartbeatTimerPending(): boolean {
    return this.clock.pendingDelays().includes(timings.heartbeatIntervalMs);
  }

  /** Every promise broken so far, in words; empty when the stream kept them all. */
  violations(): string[] {
    const out: string[] = [];
    const state = this.state;
    let expectedSeq = (this.input.seq ?? 0) + 1;
    let started = this.input.resumedWith != null;
    for (const frame of this.frames) {
      if (frame.seq !== expectedSeq) out.push(`${frame.kind} numbered ${frame.seq}, expected ${expectedSeq}`);
      expectedSeq = frame.seq + 1;
      if (!frame.writable) out.push(`${frame.kind} ${frame.seq} queued while the socket was blocked`);
      if (frame.kind === 'reset') {
        if (!frame.proven) out.push(`reset ${frame.seq} sent while the upstream was not listed and healthy`);
        started = true;
      }
      if ((frame.kind === 'update' || frame.kind === 'heartbeat') && !started) out.push(`${frame.kind} ${frame.seq} before any reset`);
      if (frame.kind === 'update' && frame.changes === 0) out.push(`empty update ${frame.seq}`);
    }
    // Nothing is held for a subscription that owes a reset: the reset will carry it.
    if ((state.startsWith('owesReset') || state === 'awaitingList' || state === 'closed') && this.pending !== 0) {
      out.push(`${this.pending} changes held in ${state}`);
    }
    if (this.pending > timings.maxPendingChanges) out.push(`${this.pending} changes held, past the bound`);
    // A reset that can be sent is sent: none owed while the upstream is proven and the socket takes frames.
    if (state !== 'closed' && this.listed && this.healthy && this.writable && (state === 'awaitingList' || state.startsWith('owesReset'))) {
      out.push(`a reset still owed in ${state} though it could be sent`);
    }
    // Heartbeats run exactly where they may: started, writable, nothing owed or owed to the upstream.
    const heartbeats = state.startsWith('live') || state === 'owesReset.untilUpstreamProven';
    if (this.heartbeatTimerPending() !== heartbeats) out.push(`heartbeat timer ${heartbeats ? 'missing' : 'running'} in ${state}`);
    if (state !== 'closed' && !this.writable && !['congested', 'owesReset.untilDrained', 'awaitingList'].includes(state)) {
      out.push(`in ${state} while the socket is blocked`);
    }
    if (state === 'closed' && this.clock.pendingCount > 0) out.push('timers left running after close');
    return out;
  }
}
