/**
 * Starts a real subscription actor on a TestClock with a controllable snapshot fetch, and
 * records the effects the machine asks for (subscribe, unsubscribe, resync, drop data). The
 * stream subscription is the machine's invoked `streamSubscription` actor: starting it records a
 * subscribe, its cleanup an unsubscribe, as the engine's does on the wire.
 */
import type { EventObject } from 'xstate';
import { createActor, fromCallback } from 'xstate';
import type { KubeliveConfig } from '../../machines/config.js';
import { resolveConfig } from '../../machines/config.js';
import type { Domain } from '../../machines/domains.js';
import type { StreamSubscriptionInput } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine, subscriptionStateName } from '../../machines/subscriptionMachine.js';
import type { FetchResult } from '../../machines/types.js';
import { TestClock } from './clock.js';
import { FetchControl } from './fetchControl.js';

/** Distinct values, so a timer's delay names the timer. */
export const testConfig: KubeliveConfig = resolveConfig({
  snapshotPollIntervalMs: { pods: 10_000, nodes: 10_000, 'pod-logs': 10_000 },
  pendingTimeoutMs: 2_500,
  heartbeatIntervalMs: 1_000,
  stallTimeoutMs: 3_500,
  degradeTimeoutMs: 7_000,
  hysteresisCount: 3,
  backoffBaseMs: 400,
  backoffCapMs: 8_000,
  metricsIntervalMs: 5_000,
  // Above the stall timeout, as the defaults are (10 s over 6 s), and unlike any other delay.
  freshnessBoundMs: 4_200,
});

export type Effect = 'subscribeToStream' | 'unsubscribeFromStream' | 'requestResync' | 'dropScopeData';

export function startSubscription(options: {
  domain?: Domain;
  scope?: string;
  config?: KubeliveConfig;
  socketOpen?: boolean;
  fetch?: FetchControl<{ domain: Domain; scope: string }, FetchResult>;
  start?: boolean;
}) {
  const clock = new TestClock();
  const fetch = options.fetch ?? new FetchControl<{ domain: Domain; scope: string }, FetchResult>({ value: { count: 3, changed: true } });
  const effects: Effect[] = [];
  const record = (name: Effect) => () => {
    effects.push(name);
  };
  const streamSubscription = fromCallback<EventObject, StreamSubscriptionInput>(() => {
    effects.push('subscribeToStream');
    return () => {
      effects.push('unsubscribeFromStream');
    };
  });
  const machine = subscriptionMachine.provide({
    actors: { fetchSnapshot: fetch.logic, streamSubscription },
    actions: {
      requestResync: record('requestResync'),
      dropScopeData: record('dropScopeData'),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      domain: options.domain ?? 'pods',
      scope: options.scope ?? 'default',
      config: options.config ?? testConfig,
      socketOpen: options.socketOpen ?? true,
      now: () => clock.now(),
      random: () => 0.5,
    },
  });
  if (options.start !== false) actor.start();
  const state = () => subscriptionStateName(actor.getSnapshot());
  return { actor, clock, fetch, effects, machine, state };
}
