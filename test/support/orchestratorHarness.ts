/**
 * Starts a real orchestrator on a TestClock. The socket is a callback actor the test drives
 * (`socket.open()`, `socket.close()`); fetches settle at once with a fixed result; `streams`
 * holds the keys each subscription is subscribed on the stream for, as the engine would.
 */
import type { EventObject, InspectionEvent } from 'xstate';
import { createActor, fromCallback } from 'xstate';
import type { ConnectionEvent } from '../../machines/connectionMachine.js';
import { connectionMachine } from '../../machines/connectionMachine.js';
import type { KubeliveConfig } from '../../machines/config.js';
import { metricsMachine } from '../../machines/metricsMachine.js';
import { orchestratorMachine } from '../../machines/orchestratorMachine.js';
import { snapshotOnlyMachine } from '../../machines/snapshotOnlyMachine.js';
import type { StreamSubscriptionInput } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine } from '../../machines/subscriptionMachine.js';
import { TestClock } from './clock.js';
import { FetchControl } from './fetchControl.js';
import { testConfig } from './subscriptionHarness.js';

export function startOrchestrator(options: { config?: KubeliveConfig; inspect?: (e: InspectionEvent) => void; retrieval?: Record<string, 'stream' | 'metrics' | 'snapshot'> } = {}) {
  const clock = new TestClock();
  const fetch = new FetchControl<{ domain: string; scope: string }, unknown>({ value: { count: 2, changed: true } });
  const released: string[] = [];
  let sendBack: ((e: { type: 'SOCKET.OPENED' } | { type: 'SOCKET.CLOSED' }) => void) | null = null;
  let socketsOpened = 0;
  let socketsClosed = 0;
  const socketLogic = fromCallback<ConnectionEvent>(({ sendBack: back }) => {
    socketsOpened++;
    sendBack = back as never;
    return () => {
      socketsClosed++;
      sendBack = null;
    };
  });
  const streams: string[] = [];
  const streamSubscription = fromCallback<EventObject, StreamSubscriptionInput>(({ input }) => {
    const key = `${input.domain}:${input.scope}`;
    streams.push(key);
    return () => {
      streams.splice(streams.indexOf(key), 1);
    };
  });
  const machine = orchestratorMachine.provide({
    actors: {
      connection: connectionMachine.provide({ actors: { socket: socketLogic } }),
      subscription: subscriptionMachine.provide({ actors: { fetchSnapshot: fetch.logic as never, streamSubscription } }),
      metrics: metricsMachine.provide({ actors: { fetch: fetch.logic as never } }),
      snapshotOnly: snapshotOnlyMachine.provide({ actors: { fetch: fetch.logic as never } }),
    },
    actions: {
      releaseSubscription: (_: unknown, params: { key: string }) => {
        released.push(params.key);
      },
    },
  });
  const actor = createActor(machine, {
    clock,
    inspect: options.inspect,
    input: { config: options.config ?? testConfig, now: () => clock.now(), random: () => 0.5, retrieval: options.retrieval as never },
  });
  actor.start();
  return {
    actor,
    clock,
    fetch,
    released,
    streams,
    socket: {
      open: () => sendBack?.({ type: 'SOCKET.OPENED' }),
      close: () => sendBack?.({ type: 'SOCKET.CLOSED' }),
      get live() {
        return sendBack !== null;
      },
      get opened() {
        return socketsOpened;
      },
      get closed() {
        return socketsClosed;
      },
    },
  };
}
