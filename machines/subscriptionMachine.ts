/**
 * The subscription machine governs one domain + scope: load a snapshot, subscribe on the stream,
 * pause snapshot polling only once the stream has proven it delivers, and resume polling the
 * moment it does not.
 *
 * Core invariant (DESIGN.md): snapshot polling is paused if and only if the machine is in
 * `streamingHealthy`. The two exceptions have nothing to poll: `blocked` for want of a scope,
 * and `stopped`.
 *
 * Effects are named, never performed here: `fetchSnapshot` and `streamSubscription` are actors,
 * `requestResync` and `dropScopeData` are actions, all supplied by the engine with
 * `.provide(...)`. The stream subscription has one owner: the `subscribed` state, over the three
 * states that stream (`streamingPending`, `streamingHealthy`, `degraded`), invokes
 * `streamSubscription`, which subscribes when it starts and unsubscribes when it stops. Whatever
 * way the machine leaves those states (a fallback, a 403, a scope change, STOP) the backend is
 * told. Every timer is a named delay, so it runs on the actor's clock.
 *
 * Freshness is proven end to end: every upstream report may carry `proofAgeMs`, the age of the
 * backend's last proof that its cache held everything the API server had. The machine keeps
 * `upstreamProvenAt = now - proofAgeMs` and, in `streamingHealthy`, a timer that fires when that
 * proof passes `freshnessBoundMs` (reason `upstream unproven`, polling at once). That is all the
 * view can know then; the backend, which sees its own watch, names its lapse when it gives up on
 * it, `upstream behind` if the watch was still delivering, else `upstream stalled`, and the
 * degraded view takes that word in place of its own.
 */
import type { EventObject } from 'xstate';
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { KubeliveConfig } from './config.js';
import { configProblems, defaultConfig, pollIntervalMs } from './config.js';
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

/** What the engine's `streamSubscription` actor needs to subscribe on the stream. */
export interface StreamSubscriptionInput {
  domain: Domain;
  scope: string;
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
  /**
   * When the backend last proved its upstream cache complete, on our clock (`now - proofAgeMs`
   * of the newest report that carried one). null: nothing proven, or no proof applies (logs).
   */
  upstreamProvenAt: number | null;
  /**
   * Distinct upstream proofs seen since the upstream last showed trouble (unhealthy, or a proof
   * past the bound), up to 2. A cache that relists after a stall is proven by its list; a second,
   * later proof shows its watch delivers again. Leaving `degraded` needs both, so a watch that
   * stalls again after every relist cannot flip the view back to its cache (anti-flap).
   */
  proofsSinceTrouble: number;
  /** When a delivery last showed the store equal to the backend's view (an agreeing heartbeat, an applied reset). */
  lastAgreedAt: number | null;
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
 * Where the upstream proof stands once `upstream` is taken into account: a report with a number
 * moves it to `now - proofAgeMs`, a report with `null` says no proof applies (or none yet), a
 * report without the field (an older backend) or no report leaves it as it was. The age was
 * measured when the backend built the frame; the frame's time in transit is not counted, since
 * the two clocks are not shared.
 */
export function provenAtAfter(
  context: Pick<SubscriptionContext, 'upstreamProvenAt' | 'now'>,
  upstream: UpstreamReport | null | undefined,
): number | null {
  if (!upstream || upstream.proofAgeMs === undefined) return context.upstreamProvenAt;
  if (upstream.proofAgeMs === null || !Number.isFinite(upstream.proofAgeMs)) return null;
  return context.now() - Math.max(0, upstream.proofAgeMs);
}

/**
 * How far a proof must move to count as a new one: the same proof, seen on two frames, moves
 * only by their difference in transit time (`now - proofAgeMs` is measured on arrival).
 */
function renewalMarginMs(config: KubeliveConfig): number {
  return config.heartbeatIntervalMs / 2;
}

/**
 * The proof-related context after an upstream report: where the proof stands, and how many
 * distinct proofs have come since the upstream last showed trouble.
 */
function takeUpstream(
  context: Pick<SubscriptionContext, 'upstreamProvenAt' | 'proofsSinceTrouble' | 'now' | 'config'>,
  upstream: UpstreamReport | null | undefined,
): Pick<SubscriptionContext, 'upstreamProvenAt' | 'proofsSinceTrouble'> {
  const upstreamProvenAt = provenAtAfter(context, upstream);
  const lapsed = upstreamProvenAt !== null && context.now() - upstreamProvenAt > context.config.freshnessBoundMs;
  if (upstream?.healthy === false || lapsed) return { upstreamProvenAt, proofsSinceTrouble: 0 };
  const renewed =
    upstreamProvenAt !== null &&
    (context.upstreamProvenAt === null || upstreamProvenAt - context.upstreamProvenAt > renewalMarginMs(context.config));
  return { upstreamProvenAt, proofsSinceTrouble: renewed ? Math.min(2, context.proofsSinceTrouble + 1) : context.proofsSinceTrouble };
}

/** A proof within the bound, or none that applies. */
function proofFresh(provenAt: number | null, context: Pick<SubscriptionContext, 'config' | 'now'>): boolean {
  return provenAt === null || context.now() - provenAt <= context.config.freshnessBoundMs;
}

/**
 * The reason an unhealthy upstream report gives: the backend gave up on a watch that still
 * delivered but could not be proven within the bound (`upstream behind`), or on one that had gone
 * quiet (`upstream stalled`); a watch whose proof went stale but that the backend still probes,
 * not yet knowing which it is (`proving`, said here `upstream unproven`); each possibly prefixed
 * by the resource (`"deployments: upstream behind"`); or any other trouble (`upstream`).
 */
export function upstreamReason(upstream: UpstreamReport | null | undefined): Reason {
  const reason = typeof upstream?.reason === 'string' ? upstream.reason : '';
  if (/(^|: )upstream behind$/.test(reason)) return 'upstream behind';
  if (/(^|: )upstream stalled$/.test(reason)) return 'upstream stalled';
  return /(^|: )proving$/.test(reason) ? 'upstream unproven' : 'upstream';
}

/** The reasons that are the backend's watch's, not the stream's: a view that fell back for one of these fell back for its upstream. */
export const upstreamReasons: ReadonlySet<Reason | null> = new Set<Reason>(['upstream', 'upstream unproven', 'upstream stalled', 'upstream behind']);

/**
 * The reason of a view already degraded, once an unhealthy upstream report is taken into account:
 * the report's, except that one saying only that no proof came yet (`upstream unproven`) does not
 * replace the backend's word on which lapse this is (`upstream behind`, `upstream stalled`) while
 * that lapse goes on. One upstream does not go from a named lapse back to `proving` without a
 * passed probe between, but a view over several reports its first unhealthy one, which can be
 * another, merely unproven, while the named lapse goes on. Once a fresh proof has come since the
 * trouble (`provenSinceTrouble`, read before this report is recorded), that lapse is over, even if
 * the view is still earning its way back: a new `proving` is a new lapse, not yet named.
 */
function refinedReason(current: Reason | null, reported: Reason, provenSinceTrouble: boolean): Reason {
  const named = current === 'upstream behind' || current === 'upstream stalled';
  return named && !provenSinceTrouble && reported === 'upstream unproven' ? current : reported;
}

function upstreamOf(event: SubscriptionEvent): UpstreamReport | null | undefined {
  return event.type === 'STREAM.DELIVERED' || event.type === 'STREAM.STATUS' ? event.upstream : undefined;
}

/** The states that stream sit inside `subscribed`; everything else is top level. */
export type SubscriptionStateName =
  | 'snapshotting'
  | 'streamingPending'
  | 'streamingHealthy'
  | 'degraded'
  | 'fallbackPolling'
  | 'blocked'
  | 'stopped';

/**
 * The named state a subscription snapshot is in, as diagnostics, the UI and tests speak of it:
 * `{subscribed: {streamingHealthy: 'listening'}}` reads `streamingHealthy`.
 */
export function subscriptionStateName(snapshot: { readonly value: unknown; readonly status: string }): SubscriptionStateName {
  if (snapshot.status === 'done') return 'stopped';
  let value = snapshot.value;
  if (value && typeof value === 'object' && 'subscribed' in value) value = (value as { subscribed: unknown }).subscribed;
  if (typeof value === 'string') return value as SubscriptionStateName;
  return (value && typeof value === 'object' ? Object.keys(value)[0] : 'stopped') as SubscriptionStateName;
}

/**
 * The polling region shared by every state in which snapshot polling is on: fetch, wait one
 * poll interval, fetch again. `initial: 'fetching'` makes entering the state fetch at once.
 * `retryOnUpstreamBack` (fallbackPolling): a poll whose upstream report shows the trouble the view
 * fell back for is over subscribes again at once, instead of waiting out the stream's backoff.
 */
function pollingRegion(initial: 'fetching' | 'waiting', retryOnUpstreamBack = false) {
  const polled = { target: 'waiting', actions: 'recordSnapshot' as const };
  return {
    initial,
    states: {
      fetching: {
        invoke: {
          id: 'snapshot',
          src: 'fetchSnapshot' as const,
          input: ({ context }: { context: SubscriptionContext }) => ({ domain: context.domain, scope: context.scope }),
          onDone: retryOnUpstreamBack
            ? [{ guard: 'upstreamBackOnPoll' as const, target: '#subscription.subscribed', actions: 'recordSnapshot' as const }, polled]
            : polled,
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

/**
 * An unhealthy upstream, or a proof the backend itself reports past the bound: stop trusting the
 * stream. For deliveries and status frames alike (each record action ignores the other's event).
 */
const upstreamTrouble = [
  {
    guard: 'upstreamUnhealthy',
    target: '#subscription.subscribed.degraded',
    actions: ['recordDelivery', 'recordUpstream', 'startHysteresis', 'becauseOfUpstream'],
  },
  {
    guard: 'upstreamProofLapsed',
    target: '#subscription.subscribed.degraded',
    actions: ['recordDelivery', 'recordUpstream', 'startHysteresis', { type: 'because', params: { reason: 'upstream unproven' } }],
  },
] as const;

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
    /** Supplied by the engine: subscribe on the stream when started, unsubscribe in the cleanup. */
    streamSubscription: fromCallback<EventObject, StreamSubscriptionInput>(() => () => {}),
  },
  actions: {
    // Effects the engine supplies. Here they are named and do nothing.
    requestResync: () => {},
    dropScopeData: () => {},

    enter: assign(({ context }, params: { state: string }) => enteredState(context, params.state, context.reason)),
    because: assign((_, params: { reason: Reason | null }) => ({ reason: params.reason })),
    becauseOfUpstream: assign(({ event }) => ({ reason: upstreamReason(upstreamOf(event)) })),
    /**
     * In `degraded`: the report's reason, but never a vaguer one over the backend's name for a lapse
     * that goes on. Runs before the report is recorded, which resets the proofs since trouble.
     */
    refineReasonFromUpstream: assign(({ context, event }) => ({
      reason: refinedReason(context.reason, upstreamReason(upstreamOf(event)), context.proofsSinceTrouble > 0),
    })),
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
    upstreamTroubleSeen: assign({ proofsSinceTrouble: 0 }),
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
        ...takeUpstream(context, result?.upstream),
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
        lastAgreedAt: event.digestAgrees === true ? context.now() : context.lastAgreedAt,
        upstream: event.upstream ?? context.upstream,
        ...takeUpstream(context, event.upstream),
        counters: {
          ...context.counters,
          deliveries: context.counters.deliveries + 1,
          heartbeats: context.counters.heartbeats + (event.kind === 'heartbeat' ? 1 : 0),
        },
      };
    }),
    recordUpstream: assign(({ context, event }) =>
      event.type === 'STREAM.STATUS' ? { upstream: event.upstream, ...takeUpstream(context, event.upstream) } : {},
    ),
    /** Runs after recordDelivery: a delivery counts only with a healthy upstream and a fresh proof. */
    countGoodDelivery: assign(({ context, event }) => {
      if (event.type !== 'STREAM.DELIVERED') return {};
      const upstreamHealthy = context.upstream?.healthy !== false;
      if (!upstreamHealthy || !proofFresh(context.upstreamProvenAt, context)) return { goodDeliveries: 0 };
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
      upstreamProvenAt: null,
      proofsSinceTrouble: 0,
      lastAgreedAt: null,
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
    upstreamUnhealthy: ({ event }) => upstreamOf(event)?.healthy === false,
    /**
     * The view fell back for its upstream's sake, and a poll's report now shows that upstream
     * healthy with no proof we know to be old: the stream it left would deliver again, and the
     * reason it still shows would no longer be true. A 304 carries no report and proves nothing.
     */
    upstreamBackOnPoll: ({ context, event }) => {
      const upstream = (event as unknown as { output?: FetchResult }).output?.upstream;
      return context.socketOpen && upstreamReasons.has(context.reason) && upstream?.healthy === true && proofFresh(provenAtAfter(context, upstream), context);
    },
    /** The report itself carries a proof older than the bound (however the backend judged it). */
    upstreamProofLapsed: ({ context, event }) => {
      const age = upstreamOf(event)?.proofAgeMs;
      return typeof age === 'number' && age > context.config.freshnessBoundMs;
    },
    /** May a first delivery make the stream healthy: an open socket, and no proof we know to be old. */
    socketOpenAndProofFresh: ({ context, event }) => context.socketOpen && proofFresh(provenAtAfter(context, upstreamOf(event)), context),
    /** A proof applies, so `streamingHealthy` runs its lapse timer. */
    upstreamProven: ({ context }) => context.upstreamProvenAt !== null,
    /** Once this event is taken into account, a proof applies. */
    proofAppliesAfterEvent: ({ context, event }) => provenAtAfter(context, upstreamOf(event)) !== null,
    provenAgain: ({ context }) =>
      context.goodDeliveries >= context.config.hysteresisCount &&
      context.digestAgreed &&
      context.upstream?.healthy !== false &&
      proofFresh(context.upstreamProvenAt, context) &&
      (context.upstreamProvenAt === null || context.proofsSinceTrouble >= 2),
  },
  delays: {
    snapshotPollInterval: ({ context }) => pollIntervalMs(context.config, context.domain),
    snapshotRetry: ({ context }) =>
      backoffDelay(context.snapshotFailures - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
    streamRetry: ({ context }) =>
      backoffDelay(context.streamAttempts - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
    pendingTimeout: ({ context }) => context.config.pendingTimeoutMs,
    stallTimeout: ({ context }) => context.config.stallTimeoutMs,
    /** Until the upstream proof passes the freshness bound; entered only while a proof applies. */
    upstreamProofLapse: ({ context }) =>
      Math.max(0, (context.upstreamProvenAt ?? context.now()) + context.config.freshnessBoundMs - context.now()),
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
    upstreamProvenAt: null,
    proofsSinceTrouble: 0,
    lastAgreedAt: null,
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
      actions: ['dropScopeData', 'takeScope', 'forgetScopeData'],
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
              { target: '#subscription.subscribed', actions: 'recordSnapshot' },
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

    // The one owner of the stream subscription: subscribed on entry, unsubscribed on exit, by
    // whatever transition leaves (fallback, 403, scope change, STOP).
    subscribed: {
      entry: 'countSubscribe',
      invoke: {
        id: 'stream',
        src: 'streamSubscription',
        input: ({ context }) => ({ domain: context.domain, scope: context.scope }),
      },
      on: {
        // Losing the socket or the stream falls back to polling at once, with the reason.
        'SOCKET.CLOSED': {
          target: 'fallbackPolling',
          actions: ['socketClosed', { type: 'because', params: { reason: 'disconnect' } }],
        },
        'STREAM.ERROR': {
          target: 'fallbackPolling',
          actions: ['recordStreamError', { type: 'because', params: { reason: 'errors' } }],
        },
      },
      initial: 'streamingPending',
      states: {
        streamingPending: {
          entry: { type: 'enter', params: { state: 'streamingPending' } },
          after: {
            pendingTimeout: {
              target: '#subscription.fallbackPolling',
              actions: { type: 'because', params: { reason: 'no delivery' } },
            },
          },
          on: {
            'STREAM.DELIVERED': [
              ...upstreamTrouble,
              { guard: 'socketOpenAndProofFresh', target: 'streamingHealthy', actions: 'recordDelivery' },
              // A delivery while we only know an old proof: wait for one that carries a fresh proof.
              { actions: 'recordDelivery' },
            ],
            'STREAM.STATUS': { actions: 'recordUpstream' },
            'STREAM.DRIFT': { actions: ['recordDrift', 'countResync', 'requestResync'] },
            REFRESH: { target: '.fetching', reenter: true },
          },
          ...pollingRegion('waiting'),
        },

        streamingHealthy: {
          entry: ['markHealthy', { type: 'enter', params: { state: 'streamingHealthy' } }],
          initial: 'listening',
          states: {
            // No proof applies (a log follower): only the stall timer. Re-entered on every delivery.
            listening: {
              always: { guard: 'upstreamProven', target: 'proven' },
              after: {
                stallTimeout: {
                  target: '#subscription.subscribed.degraded',
                  actions: ['startHysteresis', { type: 'because', params: { reason: 'stalled' } }],
                },
              },
            },
            // A proof applies: the stall timer, and the proof's own deadline. Re-entered on every
            // delivery and status, so both timers are re-armed from what is known now.
            proven: {
              after: {
                stallTimeout: {
                  target: '#subscription.subscribed.degraded',
                  actions: ['startHysteresis', { type: 'because', params: { reason: 'stalled' } }],
                },
                upstreamProofLapse: {
                  target: '#subscription.subscribed.degraded',
                  actions: ['startHysteresis', 'upstreamTroubleSeen', { type: 'because', params: { reason: 'upstream unproven' } }],
                },
              },
            },
          },
          on: {
            'STREAM.DELIVERED': [
              ...upstreamTrouble,
              { guard: 'proofAppliesAfterEvent', target: '.proven', reenter: true, actions: 'recordDelivery' },
              { target: '.listening', reenter: true, actions: 'recordDelivery' },
            ],
            'STREAM.STATUS': [
              ...upstreamTrouble,
              { guard: 'proofAppliesAfterEvent', target: '.proven', reenter: true, actions: 'recordUpstream' },
              { target: '.listening', reenter: true, actions: 'recordUpstream' },
            ],
            'STREAM.DRIFT': {
              target: 'degraded',
              actions: ['recordDrift', 'startHysteresis', 'countResync', 'requestResync', { type: 'because', params: { reason: 'drift' } }],
            },
            REFRESH: { actions: ['countResync', 'requestResync'] },
          },
        },

        degraded: {
          entry: { type: 'enter', params: { state: 'degraded' } },
          after: { degradeTimeout: '#subscription.fallbackPolling' },
          on: {
            'STREAM.DELIVERED': [
              // The upstream's trouble is what keeps the episode going now: say so.
              { guard: 'upstreamUnhealthy', actions: ['refineReasonFromUpstream', 'recordDelivery', 'countGoodDelivery'] },
              { actions: ['recordDelivery', 'countGoodDelivery'] },
            ],
            'STREAM.STATUS': [
              { guard: 'upstreamUnhealthy', actions: ['refineReasonFromUpstream', 'recordUpstream'] },
              { actions: 'recordUpstream' },
            ],
            'STREAM.DRIFT': {
              actions: ['recordDrift', 'countResync', 'requestResync', { type: 'because', params: { reason: 'drift' } }],
            },
            REFRESH: { target: '.fetching', reenter: true },
          },
          // Checked after every event: enough good deliveries with an agreeing digest and a fresh
          // upstream proof end the episode.
          always: { guard: 'provenAgain', target: 'streamingHealthy' },
          ...pollingRegion('fetching'),
        },
      },
    },

    fallbackPolling: {
      entry: ['countFallback', { type: 'enter', params: { state: 'fallbackPolling' } }],
      after: {
        streamRetry: { guard: 'socketOpen', target: 'subscribed' },
      },
      on: {
        // The connection paid its own reconnect backoff; subscribe again at once.
        'SOCKET.OPENED': { target: 'subscribed', actions: 'socketOpened' },
        REFRESH: { target: '.fetching', reenter: true },
      },
      ...pollingRegion('fetching', true),
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
      entry: { type: 'enter', params: { state: 'stopped' } },
      type: 'final',
    },
  },
});

export type SubscriptionMachine = typeof subscriptionMachine;
