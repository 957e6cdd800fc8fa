/**
 * Starts a real subscription actor on a TestClock with a controllable snapshot fetch, and
 * records the effects the machine asks for (subscribe, unsubscribe, resync, drop data).
 */
import { createActor } from 'xstate';
import type { KubeliveConfig } from '../../machines/config.js';
import { resolveConfig } from '../../machines/config.js';
import type { Domain } from '../../machines/domains.js';
import { subscriptionMachine } from '../../machines/subscriptionMachine.js';
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
  const machine = subscriptionMachine.provide({
    actors: { fetchSnapshot: fetch.logic },
    actions: {
      subscribeToStream: record('subscribeToStream'),
      unsubscribeFromStream: record('unsubscribeFromStream'),
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
  const state = () => {
    const value = actor.getSnapshot().value;
    return typeof value === 'string' ? value : Object.keys(value)[0];
  };
  return { actor, clock, fetch, effects, machine, state };
}
