/**
 * A polling machine fetches on a fixed cadence and backs off on errors. It has no stream, so
 * polling is always on while it runs. Two machines are made from it: the metrics machine
 * (`metrics-only`, every `metricsIntervalMs`) and the snapshot-only machine (`polling`, every
 * snapshot poll interval of its domain).
 */
import { assign, fromPromise, setup } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { KubeliveConfig } from './config.js';
import { configProblems, defaultConfig } from './config.js';
import type { Domain } from './domains.js';
import { needsScope } from './domains.js';
import type { FetchResult, Now, Reason, RetrievalMode, TransitionRecord } from './types.js';
import { enteredState, failureCode, failureMessage, failureStatus } from './types.js';

export interface PollResult extends FetchResult {
  /** For metrics: the newest sample's time (ms since epoch); a repeat of the last one is not new. */
  readonly sampleTime?: number | null;
}

export type PollingEvent =
  | { type: 'REFRESH' }
  | { type: 'SCOPE.CHANGED'; scope: string }
  | { type: 'CONFIG.CHANGED'; config: KubeliveConfig }
  | { type: 'STOP' };

export interface PollingInput {
  domain: Domain;
  scope: string;
  config?: KubeliveConfig;
  now?: Now;
  random?: () => number;
}

export interface PollingCounters {
  polls: number;
  unchangedPolls: number;
  errors: number;
}

export interface PollingContext {
  domain: Domain;
  scope: string;
  config: KubeliveConfig;
  mode: RetrievalMode;
  reason: Reason | null;
  current: string;
  failures: number;
  lastFetchAt: number | null;
  lastSampleTime: number | null;
  lastError: string | null;
  itemCount: number | null;
  counters: PollingCounters;
  transitions: TransitionRecord[];
  now: Now;
  random: () => number;
}

const forbiddenStatus = 403;

/**
 * How long a domain the cluster does not serve (no metrics-server) waits before asking again:
 * the backend itself looks at discovery once a minute, so asking sooner only hears its memory.
 */
export const unavailableRecheckMs = 60_000;

function failureReason(error: unknown): Reason {
  if (failureCode(error) === 'metrics-unavailable') return 'metrics unavailable';
  return failureStatus(error) === forbiddenStatus ? 'permissions' : 'errors';
}

export interface PollingMachineOptions {
  id: string;
  mode: RetrievalMode;
  /** The poll cadence, read from the config on every tick so a changed setting applies at once. */
  intervalMs: (config: KubeliveConfig, domain: Domain) => number;
}

export function createPollingMachine(options: PollingMachineOptions) {
  return setup({
    types: {
      context: {} as PollingContext,
      events: {} as PollingEvent,
      input: {} as PollingInput,
    },
    actors: {
      /** Supplied by the engine: fetch, apply to the store, resolve with a summary. */
      fetch: fromPromise<PollResult, { domain: Domain; scope: string }>(async () => {
        throw new Error('fetch is not provided');
      }),
    },
    actions: {
      dropScopeData: () => {},
      enter: assign(({ context }, params: { state: string }) => enteredState(context, params.state, context.reason)),
      because: assign((_, params: { reason: Reason | null }) => ({ reason: params.reason })),
      recordPoll: assign(({ context, event }) => {
        const result = (event as unknown as { output: PollResult }).output;
        const unchanged = result?.changed === false;
        return {
          failures: 0,
          reason: null,
          lastError: null,
          lastFetchAt: context.now(),
          lastSampleTime: result?.sampleTime ?? context.lastSampleTime,
          itemCount: typeof result?.count === 'number' ? result.count : context.itemCount,
          counters: {
            ...context.counters,
            polls: context.counters.polls + 1,
            unchangedPolls: context.counters.unchangedPolls + (unchanged ? 1 : 0),
          },
        };
      }),
      recordError: assign(({ context, event }) => {
        const error = (event as unknown as { error: unknown }).error;
        return {
          failures: context.failures + 1,
          lastError: failureMessage(error),
          reason: failureReason(error),
          counters: { ...context.counters, errors: context.counters.errors + 1 },
        };
      }),
      takeConfig: assign(({ event }) => (event.type === 'CONFIG.CHANGED' ? { config: event.config } : {})),
      takeScope: assign(({ event }) =>
        event.type === 'SCOPE.CHANGED'
          ? { scope: event.scope, itemCount: null, lastFetchAt: null, lastSampleTime: null, failures: 0, reason: null }
          : {},
      ),
    },
    guards: {
      scopeMissing: ({ context }) => needsScope(context.domain) && context.scope === '',
      forbidden: ({ event }) => failureStatus((event as unknown as { error: unknown }).error) === forbiddenStatus,
      notServed: ({ event }) => failureCode((event as unknown as { error: unknown }).error) === 'metrics-unavailable',
      validConfig: ({ event }) => event.type === 'CONFIG.CHANGED' && configProblems(event.config).length === 0,
      scopeGiven: ({ event }) => event.type === 'SCOPE.CHANGED' && typeof event.scope === 'string',
    },
    delays: {
      pollInterval: ({ context }) => options.intervalMs(context.config, context.domain),
      errorBackoff: ({ context }) =>
        backoffDelay(context.failures - 1, context.config.backoffBaseMs, context.config.backoffCapMs, context.random),
      permissionRecheck: ({ context }) => context.config.backoffCapMs,
      unavailableRecheck: unavailableRecheckMs,
    },
  }).createMachine({
    id: options.id,
    context: ({ input }) => ({
      domain: input.domain,
      scope: input.scope,
      config: input.config ?? defaultConfig,
      mode: options.mode,
      reason: 'starting',
      current: 'new',
      failures: 0,
      lastFetchAt: null,
      lastSampleTime: null,
      lastError: null,
      itemCount: null,
      counters: { polls: 0, unchangedPolls: 0, errors: 0 },
      transitions: [],
      now: input.now ?? Date.now,
      random: input.random ?? Math.random,
    }),
    initial: 'polling',
    on: {
      // A change of cadence restarts the wait so the new interval applies from now.
      'CONFIG.CHANGED': { guard: 'validConfig', target: '.polling', reenter: true, actions: 'takeConfig' },
      'SCOPE.CHANGED': { guard: 'scopeGiven', target: '.polling', reenter: true, actions: ['dropScopeData', 'takeScope'] },
      STOP: '.stopped',
    },
    states: {
      polling: {
        entry: { type: 'enter', params: { state: 'polling' } },
        always: {
          guard: 'scopeMissing',
          target: 'blocked.noScope',
          actions: { type: 'because', params: { reason: 'no scope' } },
        },
        initial: 'fetching',
        states: {
          fetching: {
            invoke: {
              id: 'poll',
              src: 'fetch',
              input: ({ context }) => ({ domain: context.domain, scope: context.scope }),
              onDone: { target: 'waiting', actions: 'recordPoll' },
              onError: [
                { guard: 'forbidden', target: '#' + options.id + '.blocked.permissions', actions: 'recordError' },
                // Not a failure to back off from: the cluster has no such API. Say so and ask rarely.
                { guard: 'notServed', target: '#' + options.id + '.blocked.unavailable', actions: 'recordError' },
                { target: '#' + options.id + '.backingOff', actions: 'recordError' },
              ],
            },
          },
          waiting: {
            after: { pollInterval: 'fetching' },
            on: { REFRESH: { target: 'fetching' } },
          },
        },
      },
      backingOff: {
        entry: { type: 'enter', params: { state: 'backingOff' } },
        after: { errorBackoff: 'polling' },
        on: { REFRESH: 'polling' },
      },
      blocked: {
        entry: { type: 'enter', params: { state: 'blocked' } },
        on: { REFRESH: 'polling' },
        initial: 'permissions',
        states: {
          permissions: { after: { permissionRecheck: '#' + options.id + '.polling' } },
          unavailable: { after: { unavailableRecheck: '#' + options.id + '.polling' } },
          noScope: {},
        },
      },
      stopped: {
        entry: { type: 'enter', params: { state: 'stopped' } },
        type: 'final',
      },
    },
  });
}

export type PollingMachine = ReturnType<typeof createPollingMachine>;
