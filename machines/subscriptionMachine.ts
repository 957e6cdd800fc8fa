/**
 * The subscription machine governs one domain + scope: load a snapshot, subscribe on the stream,
 * pause snapshot polling only once the stream has proven it delivers, and resume polling the
 * moment it does not.
 *
 * Core invariant (DESIGN.md): snapshot polling is paused if and only if the machine is in
 * `streamingHealthy`. The two exceptions have nothing to poll: `blocked` for want of a scope,
 * and `stopped`.
 *
 * Effects are named, never performed here: `fetchSnapshot` is an actor and `subscribeToStream`,
 * `unsubscribeFromStream`, `requestResync` and `dropScopeData` are actions, all supplied by the
 * engine with `.provide(...)`. Every timer is a named delay, so it runs on the actor's clock.
 */
import { assign, fromPromise, setup } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { KubeliveConfig } from './config.js';
import { configProblems, defaultConfig } from './config.js';
import type { Domain } from './domains.js';
import { needsScope } from './domains.js';
import type { FetchResult, Now, Reason, TransitionRecord, UpstreamReport } from './types.js';
import { enteredState, failureMessage, failureStatus } from './types.js';

export type DeliveryKind = 'heartbeat' | 'update' | 'reset';

export type SubscriptionEvent =
  | { type: 'SOCKET.OPENED' }
  | { type: 'SOCKET.CLOSED' }
  /** A frame arrived for this subscription. On heartbeats, `digestAgrees` is the drift check's verdict. */
  | { type: 'STREAM.DELIVERED'; kind: DeliveryKind; digestAgrees?: boolean; upstream?: UpstreamReport | null }
  /** The backend reported a change in its upstream list-watch (a `status` frame). */
  | { type: 'STREAM.STATUS'; upstream: UpstreamReport }
  | { type: 'STREAM.ERROR'; message: string; fatal?: boolean }
  /** The drift check found a sequence gap or a heartbeat that disagrees with the store. */
  | { type: 'STREAM.DRIFT'; detail: string }
  | { type: 'SCOPE.CHANGED'; scope: string }
  /** New intervals; running timers keep theirs, the next ones use the new values. */
  | { type: 'CONFIG.CHANGED'; config: KubeliveConfig }
  | { type: 'REFRESH' }
  | { type: 'STOP' };

export interface SubscriptionInput {
  domain: Domain;
  scope: string;
  config?: KubeliveConfig;
  socketOpen?: boolean;
  now?: Now;
  random?: () => number;
}

export interface SubscriptionCounters {
  snapshots: number;
  unchangedPolls: number;
  snapshotErrors: number;
  deliveries: number;
  heartbeats: number;
  drifts: number;
  fallbacks: number;
  resyncs: number;
  streamSubscribes: number;
}

export interface SubscriptionContext {
  domain: Domain;
  scope: string;
  config: KubeliveConfig;
  socketOpen: boolean;
  reason: Reason | null;
  /** The top-level state the machine last entered, for the transition log. */
  current: string;
  /** Consecutive failed snapshot fetches: drives retry backoff. */
  snapshotFailures: number;
  /** Consecutive fallbacks without reaching `streamingHealthy`: drives stream retry backoff. */
  streamAttempts: number;
  /** Good deliveries in a row while `degraded` (hysteresis). */
  goodDeliveries: number;
  /** Whether a heartbeat's digest agreed with the store since entering `degraded`. */
  digestAgreed: boolean;
  lastDeliveryAt: number | null;
  lastSnapshotAt: number | null;
  lastError: string | null;
  itemCount: number | null;
  upstream: UpstreamReport | null;
  counters: SubscriptionCounters;
  transitions: TransitionRecord[];
  now: Now;
  random: () => number;
}

const zeroCounters: SubscriptionCounters = {
  snapshots: 0,
  unchangedPolls: 0,
  snapshotErrors: 0,
  deliveries: 0,
  heartbeats: 0,
  drifts: 0,
  fallbacks: 0,
  resyncs: 0,
  streamSubscribes: 0,
};

/** The HTTP status that means "you may not": the machine stops retrying in a hot loop. */
const forbiddenStatus = 403;

/**
 * The polling region shared by every state in which snapshot polling is on: fetch, wait one
 * poll interval, fetch again. `initial: 'fetching'` makes entering the state fetch at once.
 */
function pollingRegion(initial: 'fetching' | 'waiting') {
  return {
    initial,
    states: {
      fetching: {
        invoke: {
          id: 'snapshot',
          src: 'fetchSnapshot' as const,
          input: ({ context }: { context: SubscriptionContext }) => ({ domain: context.domain, scope: context.scope }),
          onDone: { target: 'waiting', actions: 'recordSnapshot' as const },
          onError: [
            { guard: 'forbidden' as const, target: '#subscription.blocked.permissions', actions: 'recordForbidden' as const },
            { target: 'waiting', actions: 'recordSnapshotError' as const },
          ],
        },
      },
      waiting: {
        after: { snapshotPollInterval: 'fetching' },
      },
    },
  };
}

/** While subscribed, losing the socket or the stream falls back to polling at once, with the reason. */
const streamLost = {
  'SOCKET.CLOSED': {
    target: 'fallbackPolling',
    actions: ['socketClosed', { type: 'because', params: { reason: 'disconnect' } }],
  },
  'STREAM.ERROR': {
    target: 'fallbackPolling',
    actions: ['recordStreamError', { type: 'because', params: { reason: 'errors' } }],
  },
} as const;

export const subscriptionMachine = setup({
  types: {
    context: {} as SubscriptionContext,
    events: {} as SubscriptionEvent,
    input: {} as SubscriptionInput,
  },
  actors: {
    /** Supplied by the engine: fetch a snapshot, apply it to the store, resolve with a summary. */
    fetchSnapshot: fromPromise<FetchResult, { domain: Domain; scope: string }>(async () => {
      throw new Error('fetchSnapshot is not provided');
    }),
  },
  actions: {
    // Effects the engine supplies. Here they are named and do nothing.
    subscribeToStream: () => {},
    unsubscribeFromStream: () => {},
    requestResync: () => {},
    dropScopeData: () => {},

    enter: assign(({ context }, params: { state: string }) => enteredState(context, params.state, context.reason)),
    because: assign((_, params: { reason: Reason | null }) => ({ reason: params.reason })),
    countFallback: assign(({ context }) => ({
      streamAttempts: context.streamAttempts + 1,
      counters: { ...context.counters, fallbacks: context.counters.fallbacks + 1 },
    })),
    countSubscribe: assign(({ context }) => ({
      counters: { ...context.counters, streamSubscribes: context.counters.streamSubscribes + 1 },
    })),
    countResync: assign(({ context }) => ({
      counters: { ...context.counters, resyncs: context.counters.resyncs + 1 },
    })),
    markHealthy: assign({ reason: null, streamAttempts: 0, goodDeliveries: 0, digestAgreed: false }),
    startHysteresis: assign({ goodDeliveries: 0, digestAgreed: false }),
    recordSnapshot: assign(({ context, event }) => {
      const result = (event as unknown as { output: FetchResult }).output;
      return {
        snapshotFailures: 0,
        lastSnapshotAt: context.now(),
        lastError: null,
        itemCount: typeof result?.count === 'number' ? result.count : context.itemCount,
        upstream: result?.upstream ?? context.upstream,
        counters: {
          ...context.counters,
          snapshots: context.counters.snapshots + (result?.changed === false ? 0 : 1),
          unchangedPolls: context.counters.unchangedPolls + (result?.changed === false ? 1 : 0),
        },
      };
    }),
    recordSnapshotError: assign(({ context, event }) => ({
      snapshotFailures: context.snapshotFailures + 1,
      lastError: failureMessage((event as unknown as { error: unknown }).error),
      counters: { ...context.counters, snapshotErrors: context.counters.snapshotErrors + 1 },
    })),
    recordForbidden: assign(({ context, event }) => ({
      reason: 'permissions' as const,
      lastError: failureMessage((event as unknown as { error: unknown }).error),
      counters: { ...context.counters, snapshotErrors: context.counters.snapshotErrors + 1 },
    })),
    recordDelivery: assign(({ context, event }) => {
      if (event.type !== 'STREAM.DELIVERED') return {};
      return {
        lastDeliveryAt: context.now(),
        upstream: event.upstream ?? context.upstream,
        counters: {
          ...context.counters,
          deliveries: context.counters.deliveries + 1,
          heartbeats: context.counters.heartbeats + (event.kind === 'heartbeat' ? 1 : 0),
        },
      };
    }),
    recordUpstream: assign(({ event }) => (event.type === 'STREAM.STATUS' ? { upstream: event.upstream } : {})),
    countGoodDelivery: assign(({ context, event }) => {
      if (event.type !== 'STREAM.DELIVERED') return {};
      const upstreamHealthy = (event.upstream ?? context.upstream)?.healthy !== false;
      if (!upstreamHealthy) return { goodDeliveries: 0 };
      return {
        goodDeliveries: context.goodDeliveries + 1,
        digestAgreed: context.digestAgreed || (event.kind === 'heartbeat' && event.digestAgrees === true),
      };
    }),
    recordDrift: assign(({ context }) => ({
      goodDeliveries: 0,
      digestAgreed: false,
      counters: { ...context.counters, drifts: context.counters.drifts + 1 },
    })),
    socketOpened: assign({ socketOpen: true }),
    socketClosed: assign({ socketOpen: false }),
    recordStreamError: assign(({ event }) => (event.type === 'STREAM.ERROR' ? { lastError: event.message } : {})),
    takeScope: assign(({ event }) => (event.type === 'SCOPE.CHANGED' ? { scope: event.scope } : {})),
    takeConfig: assign(({ event }) => (event.type === 'CONFIG.CHANGED' ? { config: event.config } : {})),
    forgetScopeData: assign({
      itemCount: null,
      lastSnapshotAt: null,
      lastDeliveryAt: null,
      snapshotFailures: 0,
      streamAttempts: 0,
      upstream: null,
      reason: 'starting' as const,
    }),
  },
  guards: {
    socketOpen: ({ context }) => context.socketOpen,
    socketClosed: ({ context }) => !context.socketOpen,
    scopeMissing: ({ context }) => needsScope(context.domain) && context.scope === '',
    scopeGiven: ({ event }) => event.type === 'SCOPE.CHANGED' && typeof event.scope === 'string',
    validConfig: ({ event }) => event.type === 'CONFIG.CHANGED' && configProblems(event.config).length === 0,
    forbidden: ({ event }) => failureStatus((event as unknown as { error: unknown }).error) === forbiddenStatus,
    upstreamUnhealthy: ({ event }) =>
      (event.type === 'STREAM.STATUS' || event.type === 'STREAM.DELIVERED') && event.upstream?.healthy === false,
    provenAgain: ({ context }) =>
      context.goodDeliveries >= context.config.hysteresisCount &&
      context.digestAgreed &&
      context.upstream?.healthy !== false,
  },
  delays: {
    snapshotPollInterval: ({ context }) => context.config.snapshotPollIntervalMs[context.domain],
    snapshotRetry: ({ context }) =>
      backoffDelay(context.snapshotFailures - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
    streamRetry: ({ context }) =>
      backoffDelay(context.streamAttempts - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
    pendingTimeout: ({ context }) => context.config.pendingTimeoutMs,
    stallTimeout: ({ context }) => context.config.stallTimeoutMs,
    degradeTimeout: ({ context }) => context.config.degradeTimeoutMs,
    permissionRecheck: ({ context }) => context.config.backoffCapMs,
  },
}).createMachine({
  id: 'subscription',
  context: ({ input }) => ({
    domain: input.domain,
    scope: input.scope,
    config: input.config ?? defaultConfig,
    socketOpen: input.socketOpen ?? false,
    reason: 'starting',
    current: 'new',
    snapshotFailures: 0,
    streamAttempts: 0,
    goodDeliveries: 0,
    digestAgreed: false,
    lastDeliveryAt: null,
    lastSnapshotAt: null,
    lastError: null,
    itemCount: null,
    upstream: null,
    counters: { ...zeroCounters },
    transitions: [],
    now: input.now ?? Date.now,
    random: input.random ?? Math.random,
  }),
  initial: 'snapshotting',
  on: {
    'SOCKET.OPENED': { actions: 'socketOpened' },
    'SOCKET.CLOSED': { actions: 'socketClosed' },
    'SCOPE.CHANGED': {
      guard: 'scopeGiven',
      target: '.snapshotting',
      reenter: true,
      actions: ['unsubscribeFromStream', 'dropScopeData', 'takeScope', 'forgetScopeData'],
    },
    'CONFIG.CHANGED': { guard: 'validConfig', actions: 'takeConfig' },
    STOP: { target: '.stopped' },
  },
  states: {
    snapshotting: {
      entry: { type: 'enter', params: { state: 'snapshotting' } },
      always: {
        guard: 'scopeMissing',
        target: 'blocked.noScope',
        actions: { type: 'because', params: { reason: 'no scope' } },
      },
      initial: 'loading',
      states: {
        loading: {
          invoke: {
            id: 'snapshot',
            src: 'fetchSnapshot',
            input: ({ context }) => ({ domain: context.domain, scope: context.scope }),
            onDone: [
              {
                guard: 'socketClosed',
                target: '#subscription.fallbackPolling',
                actions: ['recordSnapshot', { type: 'because', params: { reason: 'disconnect' } }],
              },
              { target: '#subscription.streamingPending', actions: ['recordSnapshot', 'countSubscribe', 'subscribeToStream'] },
            ],
            onError: [
              { guard: 'forbidden', target: '#subscription.blocked.permissions', actions: 'recordForbidden' },
              { target: 'retrying', actions: ['recordSnapshotError', { type: 'because', params: { reason: 'errors' } }] },
            ],
          },
        },
        retrying: {
          after: { snapshotRetry: 'loading' },
          on: { REFRESH: 'loading' },
        },
      },
    },

    streamingPending: {
      entry: { type: 'enter', params: { state: 'streamingPending' } },
      after: {
        pendingTimeout: { target: 'fallbackPolling', actions: { type: 'because', params: { reason: 'no delivery' } } },
      },
      on: {
        'STREAM.DELIVERED': [
          {
            guard: 'upstreamUnhealthy',
            target: 'degraded',
            actions: ['recordDelivery', 'startHysteresis', { type: 'because', params: { reason: 'upstream' } }],
          },
          { guard: 'socketOpen', target: 'streamingHealthy', actions: 'recordDelivery' },
        ],
        'STREAM.STATUS': { actions: 'recordUpstream' },
        'STREAM.DRIFT': { actions: ['recordDrift', 'countResync', 'requestResync'] },
        ...streamLost,
        REFRESH: { target: '.fetching', reenter: true },
      },
      ...pollingRegion('waiting'),
    },

    streamingHealthy: {
      entry: ['markHealthy', { type: 'enter', params: { state: 'streamingHealthy' } }],
      initial: 'listening',
      states: {
        // Re-entered on every delivery, which restarts the stall timer.
        listening: {
          after: {
            stallTimeout: {
              target: '#subscription.degraded',
              actions: ['startHysteresis', { type: 'because', params: { reason: 'stalled' } }],
            },
          },
        },
      },
      on: {
        'STREAM.DELIVERED': [
          {
            guard: 'upstreamUnhealthy',
            target: 'degraded',
            actions: ['recordDelivery', 'startHysteresis', { type: 'because', params: { reason: 'upstream' } }],
          },
          { target: '.listening', reenter: true, actions: 'recordDelivery' },
        ],
        'STREAM.STATUS': [
          {
            guard: 'upstreamUnhealthy',
            target: 'degraded',
            actions: ['recordUpstream', 'startHysteresis', { type: 'because', params: { reason: 'upstream' } }],
          },
          { actions: 'recordUpstream' },
        ],
        'STREAM.DRIFT': {
          target: 'degraded',
          actions: ['recordDrift', 'startHysteresis', 'countResync', 'requestResync', { type: 'because', params: { reason: 'drift' } }],
        },
        ...streamLost,
        REFRESH: { actions: ['countResync', 'requestResync'] },
      },
    },

    degraded: {
      entry: { type: 'enter', params: { state: 'degraded' } },
      after: { degradeTimeout: 'fallbackPolling' },
      on: {
        'STREAM.DELIVERED': { actions: ['recordDelivery', 'countGoodDelivery'] },
        'STREAM.STATUS': { actions: 'recordUpstream' },
        'STREAM.DRIFT': { actions: ['recordDrift', 'countResync', 'requestResync', { type: 'because', params: { reason: 'drift' } }] },
        ...streamLost,
        REFRESH: { target: '.fetching', reenter: true },
      },
      // Checked after every event: enough good deliveries with an agreeing digest end the episode.
      always: { guard: 'provenAgain', target: 'streamingHealthy' },
      ...pollingRegion('fetching'),
    },

    fallbackPolling: {
      entry: ['countFallback', 'unsubscribeFromStream', { type: 'enter', params: { state: 'fallbackPolling' } }],
      after: {
        streamRetry: { guard: 'socketOpen', target: 'streamingPending', actions: ['countSubscribe', 'subscribeToStream'] },
      },
      on: {
        // The connection paid its own reconnect backoff; subscribe again at once.
        'SOCKET.OPENED': { target: 'streamingPending', actions: ['socketOpened', 'countSubscribe', 'subscribeToStream'] },
        REFRESH: { target: '.fetching', reenter: true },
      },
      ...pollingRegion('fetching'),
    },

    blocked: {
      entry: { type: 'enter', params: { state: 'blocked' } },
      on: { REFRESH: { target: 'snapshotting' } },
      initial: 'permissions',
      states: {
        // Permission may be granted later: check again, but only as often as the backoff cap.
        permissions: { after: { permissionRecheck: '#subscription.snapshotting' } },
        // Nothing to fetch until a scope arrives (SCOPE.CHANGED).
        noScope: {},
      },
    },

    stopped: {
      entry: ['unsubscribeFromStream', { type: 'enter', params: { state: 'stopped' } }],
      type: 'final',
    },
  },
});

export type SubscriptionMachine = typeof subscriptionMachine;
