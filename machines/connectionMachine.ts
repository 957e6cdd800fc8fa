/**
 * The connection machine owns the one WebSocket to the backend: it connects, reports when the
 * socket opens or closes, and reconnects with exponential backoff and jitter. It tells its
 * parent (the orchestrator), which tells every subscription.
 *
 * The socket itself is the `socket` actor, supplied by the stream adapter: it opens the
 * WebSocket, sends `SOCKET.OPENED` / `SOCKET.CLOSED` back, and closes the socket in its
 * cleanup. It is invoked in `live` only, so leaving `live` always closes the socket.
 */
import { assign, fromCallback, sendParent, setup } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { KubeliveConfig } from './config.js';
import { defaultConfig } from './config.js';
import type { Now, TransitionRecord } from './types.js';
import { enteredState } from './types.js';

export type ConnectionEvent =
  | { type: 'SOCKET.OPENED' }
  | { type: 'SOCKET.CLOSED'; code?: number; reason?: string }
  | { type: 'CLOSE' }
  /** Skip the wait: reconnect now (the page became visible, the network came back). */
  | { type: 'RECONNECT' };

export interface ConnectionInput {
  config?: KubeliveConfig;
  now?: Now;
  random?: () => number;
}

export interface ConnectionContext {
  config: KubeliveConfig;
  /** Failed or dropped connections since the socket was last open: drives the backoff. */
  attempts: number;
  connects: number;
  disconnects: number;
  lastOpenedAt: number | null;
  lastClosedAt: number | null;
  lastCloseReason: string | null;
  current: string;
  transitions: TransitionRecord[];
  now: Now;
  random: () => number;
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
  },
  actors: {
    /** Supplied by the stream adapter. */
    socket: fromCallback<ConnectionEvent>(() => {
      throw new Error('socket is not provided');
    }),
  },
  actions: {
    tellParentOpened: sendParent({ type: 'SOCKET.OPENED' }),
    tellParentClosed: sendParent({ type: 'SOCKET.CLOSED' }),
    enter: assign(({ context }, params: { state: string }) => enteredState(context, params.state, params.state === 'reconnecting' ? ('disconnect' as const) : null)),
    recordOpened: assign(({ context }) => ({ attempts: 0, connects: context.connects + 1, lastOpenedAt: context.now() })),
    recordClosed: assign(({ context, event }) => ({
      attempts: context.attempts + 1,
      disconnects: context.disconnects + 1,
      lastClosedAt: context.now(),
      lastCloseReason: event.type === 'SOCKET.CLOSED' ? (event.reason ?? `code ${event.code ?? 'unknown'}`) : 'timeout',
    })),
  },
  delays: {
    reconnectBackoff: ({ context }) =>
      backoffDelay(context.attempts - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
    // A socket that neither opens nor fails this long is as good as failed.
    connectTimeout: ({ context }) => context.config.pendingTimeoutMs,
  },
}).createMachine({
  id: 'connection',
  context: ({ input }) => ({
    config: input.config ?? defaultConfig,
    attempts: 0,
    connects: 0,
    disconnects: 0,
    lastOpenedAt: null,
    lastClosedAt: null,
    lastCloseReason: null,
    current: 'new',
    transitions: [],
    now: input.now ?? Date.now,
    random: input.random ?? Math.random,
  }),
  initial: 'live',
  on: { CLOSE: '.closed' },
  states: {
    live: {
      invoke: { id: 'socket', src: 'socket' },
      initial: 'connecting',
      states: {
        connecting: {
          entry: { type: 'enter', params: { state: 'connecting' } },
          on: { 'SOCKET.OPENED': 'open' },
          after: { connectTimeout: { target: '#connection.reconnecting', actions: 'recordClosed' } },
        },
        open: {
          entry: ['recordOpened', 'tellParentOpened', { type: 'enter', params: { state: 'open' } }],
          exit: 'tellParentClosed',
        },
      },
      on: { 'SOCKET.CLOSED': { target: 'reconnecting', actions: 'recordClosed' } },
    },
    reconnecting: {
      entry: { type: 'enter', params: { state: 'reconnecting' } },
      after: { reconnectBackoff: 'live' },
      on: { RECONNECT: 'live' },
    },
    closed: {
      entry: { type: 'enter', params: { state: 'closed' } },
      type: 'final',
    },
  },
});

export type ConnectionMachine = typeof connectionMachine;
