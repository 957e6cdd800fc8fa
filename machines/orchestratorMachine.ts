/**
 * The orchestrator keeps one actor per active (domain, scope), reference-counted: two views on
 * the same domain and scope share one actor, and the actor stops a short linger after the last
 * view leaves. It owns the connection actor and relays socket open/close to every streaming
 * subscription, and routes stream events to the subscription they belong to.
 *
 * Which machine a domain gets follows its retrieval kind: `stream` → subscription machine,
 * `metrics` → metrics machine, `snapshot` → snapshot-only machine.
 */
import type { ActorRefFrom } from 'xstate';
import { enqueueActions, sendTo, setup } from 'xstate';
import type { ConfigOverrides, KubeliveConfig } from './config.js';
import { defaultConfig, resolveConfig } from './config.js';
import { connectionMachine } from './connectionMachine.js';
import type { Domain, RetrievalKind } from './domains.js';
import { domainSpec, isDomain, scopeProblem, subscriptionKey } from './domains.js';
import { metricsMachine } from './metricsMachine.js';
import { snapshotOnlyMachine } from './snapshotOnlyMachine.js';
import type { SubscriptionEvent } from './subscriptionMachine.js';
import { subscriptionMachine } from './subscriptionMachine.js';
import type { Now } from './types.js';

export type DomainActorRef =
  | ActorRefFrom<typeof subscriptionMachine>
  | ActorRefFrom<typeof metricsMachine>
  | ActorRefFrom<typeof snapshotOnlyMachine>;

export interface SubscriptionEntry {
  readonly key: string;
  readonly domain: Domain;
  readonly scope: string;
  readonly retrieval: RetrievalKind;
  /** How many views hold this subscription; at 0 it lingers, then stops. */
  readonly holders: number;
  readonly ref: DomainActorRef;
}

/** Events the stream adapter routes to one subscription. */
export type RoutedEvent = Extract<
  SubscriptionEvent,
  { type: 'STREAM.DELIVERED' | 'STREAM.STATUS' | 'STREAM.ERROR' | 'STREAM.DRIFT' }
>;

export type OrchestratorEvent =
  | { type: 'SUBSCRIBE'; domain: Domain; scope: string }
  | { type: 'UNSUBSCRIBE'; domain: Domain; scope: string }
  | { type: 'ROUTE'; key: string; event: RoutedEvent }
  | { type: 'REFRESH'; key?: string }
  | { type: 'CONFIG.SET'; overrides: ConfigOverrides }
  | { type: 'LINGER.EXPIRED'; key: string }
  /** The page became visible or the network came back: reconnect now, without backoff. */
  | { type: 'RECONNECT' }
  | { type: 'SOCKET.OPENED' }
  | { type: 'SOCKET.CLOSED' };

export interface OrchestratorInput {
  config?: KubeliveConfig;
  now?: Now;
  random?: () => number;
  /** Force a retrieval kind per domain, e.g. snapshot-only where a backend cannot stream it. */
  retrieval?: Partial<Record<Domain, RetrievalKind>>;
}

export interface OrchestratorContext {
  config: KubeliveConfig;
  subscriptions: Record<string, SubscriptionEntry>;
  socketOpen: boolean;
  retrieval: Partial<Record<Domain, RetrievalKind>>;
  /** Requests refused (bad domain, bad scope, bad config, unknown key), newest last. */
  rejected: string[];
  now: Now;
  random: () => number;
}

const rejectedLogSize = 20;

function reject(context: OrchestratorContext, message: string): Partial<OrchestratorContext> {
  return { rejected: [...context.rejected.slice(-(rejectedLogSize - 1)), message] };
}

function retrievalOf(context: OrchestratorContext, domain: Domain): RetrievalKind {
  return context.retrieval[domain] ?? domainSpec(domain).retrieval;
}

/** Why a subscribe or unsubscribe request is malformed, or null. */
function requestProblem(event: { domain: unknown; scope: unknown }): string | null {
  if (!isDomain(event.domain)) return `unknown domain ${JSON.stringify(event.domain)}`;
  if (typeof event.scope !== 'string') return `scope of ${event.domain} must be a string`;
  const problem = scopeProblem(event.domain, event.scope);
  // An empty scope on a pod-scoped domain is allowed: its actor shows `no scope`.
  return problem === 'no scope' ? null : problem;
}

export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
  },
  actors: {
    connection: connectionMachine,
    subscription: subscriptionMachine,
    metrics: metricsMachine,
    snapshotOnly: snapshotOnlyMachine,
  },
  actions: {
    /** Supplied by the engine: forget a subscription's data and tell the backend. */
    releaseSubscription: (_, _params: { key: string }) => {},

    subscribe: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SUBSCRIBE') return;
      const problem = requestProblem(event);
      if (problem) {
        enqueue.assign(reject(context, `subscribe: ${problem}`));
        return;
      }
      const key = subscriptionKey(event.domain, event.scope);
      const existing = context.subscriptions[key];
      if (existing) {
        enqueue.cancel(`linger:${key}`);
        enqueue.assign({
          subscriptions: { ...context.subscriptions, [key]: { ...existing, holders: existing.holders + 1 } },
        });
        return;
      }
      const retrieval = retrievalOf(context, event.domain);
      enqueue.assign(({ spawn }) => {
        const common = {
          domain: event.domain,
          scope: event.scope,
          config: context.config,
          now: context.now,
          random: context.random,
        };
        const ref: DomainActorRef =
          retrieval === 'stream'
            ? spawn('subscription', { id: key, input: { ...common, socketOpen: context.socketOpen } })
            : spawn(retrieval === 'metrics' ? 'metrics' : 'snapshotOnly', { id: key, input: common });
        const entry: SubscriptionEntry = { key, domain: event.domain, scope: event.scope, retrieval, holders: 1, ref };
        return { subscriptions: { ...context.subscriptions, [key]: entry } };
      });
    }),

    unsubscribe: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'UNSUBSCRIBE') return;
      const problem = requestProblem(event);
      const key = problem ? null : subscriptionKey(event.domain, event.scope);
      const existing = key ? context.subscriptions[key] : undefined;
      if (!key || !existing || existing.holders === 0) {
        enqueue.assign(reject(context, `unsubscribe: ${problem ?? `no subscription ${JSON.stringify(key)}`}`));
        return;
      }
      const holders = existing.holders - 1;
      enqueue.assign({ subscriptions: { ...context.subscriptions, [key]: { ...existing, holders } } });
      if (holders === 0) {
        enqueue.raise({ type: 'LINGER.EXPIRED', key }, { id: `linger:${key}`, delay: context.config.unsubscribeLingerMs });
      }
    }),

    retire: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'LINGER.EXPIRED') return;
      const entry = context.subscriptions[event.key];
      if (!entry || entry.holders > 0) return;
      enqueue.stopChild(entry.ref);
      const { [event.key]: _gone, ...rest } = context.subscriptions;
      enqueue.assign({ subscriptions: rest });
    }),

    route: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ROUTE') return;
      const entry = typeof event.key === 'string' ? context.subscriptions[event.key] : undefined;
      if (!entry || entry.retrieval !== 'stream') {
        enqueue.assign(reject(context, `route: no streaming subscription ${JSON.stringify(event.key)}`));
        return;
      }
      enqueue.sendTo(entry.ref, event.event);
    }),

    refresh: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'REFRESH') return;
      const targets =
        event.key === undefined
          ? Object.values(context.subscriptions)
          : [context.subscriptions[event.key]].filter((e): e is SubscriptionEntry => e !== undefined);
      if (event.key !== undefined && targets.length === 0) {
        enqueue.assign(reject(context, `refresh: no subscription ${JSON.stringify(event.key)}`));
      }
      for (const entry of targets) enqueue.sendTo(entry.ref, { type: 'REFRESH' });
    }),

    configure: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CONFIG.SET') return;
      let config: KubeliveConfig;
      try {
        config = resolveConfig(event.overrides, context.config);
      } catch (error) {
        enqueue.assign(reject(context, error instanceof Error ? error.message : String(error)));
        return;
      }
      enqueue.assign({ config });
      // Every actor takes the new config: polling machines restart their wait at the new
      // cadence, streaming subscriptions use it for their next timers and report it.
      for (const entry of Object.values(context.subscriptions)) enqueue.sendTo(entry.ref, { type: 'CONFIG.CHANGED', config });
    }),

    relaySocket: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SOCKET.OPENED' && event.type !== 'SOCKET.CLOSED') return;
      enqueue.assign({ socketOpen: event.type === 'SOCKET.OPENED' });
      for (const entry of Object.values(context.subscriptions)) {
        if (entry.retrieval === 'stream') enqueue.sendTo(entry.ref, { type: event.type });
      }
    }),
  },
  guards: {
    nobodyHolds: ({ context, event }) =>
      event.type === 'LINGER.EXPIRED' && context.subscriptions[event.key]?.holders === 0,
  },
}).createMachine({
  id: 'orchestrator',
  context: ({ input }) => ({
    config: input.config ?? defaultConfig,
    subscriptions: {},
    socketOpen: false,
    retrieval: input.retrieval ?? {},
    rejected: [],
    now: input.now ?? Date.now,
    random: input.random ?? Math.random,
  }),
  invoke: {
    id: 'connection',
    src: 'connection',
    input: ({ context }) => ({ config: context.config, now: context.now, random: context.random }),
  },
  on: {
    SUBSCRIBE: { actions: 'subscribe' },
    UNSUBSCRIBE: { actions: 'unsubscribe' },
    'LINGER.EXPIRED': {
      guard: 'nobodyHolds',
      actions: [{ type: 'releaseSubscription', params: ({ event }) => ({ key: event.key }) }, 'retire'],
    },
    ROUTE: { actions: 'route' },
    REFRESH: { actions: 'refresh' },
    'CONFIG.SET': { actions: 'configure' },
    'SOCKET.OPENED': { actions: 'relaySocket' },
    'SOCKET.CLOSED': { actions: 'relaySocket' },
    RECONNECT: { actions: sendTo('connection', { type: 'RECONNECT' }) },
  },
});

export type OrchestratorMachine = typeof orchestratorMachine;
