/**
 * Inspection: the orchestrator and every actor it spawns report to @statelyai/inspect when
 * created with its `inspect` observer. The adapter here records what the inspector would send
 * to the Stately UI, instead of a browser window or WebSocket.
 */
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import { flush } from '../support/clock.js';
import { startOrchestrator } from '../support/orchestratorHarness.js';

test('inspectionEventsArriveForEveryLiveActor', async () => {
  const received: StatelyInspectionEvent[] = [];
  const raw: InspectionEvent[] = [];
  const inspector = createInspector({
    start: () => {},
    stop: () => {},
    send: (event: StatelyInspectionEvent) => {
      received.push(event);
    },
  });
  const h = startOrchestrator({
    inspect: (e) => {
      raw.push(e);
      inspector.inspect.next?.(e);
    },
  });
  h.socket.open();
  h.actor.send({ type: 'SUBSCRIBE', domain: 'pods', scope: 'default' });
  h.actor.send({ type: 'SUBSCRIBE', domain: 'node-metrics', scope: '' });
  await flush();
  h.actor.send({ type: 'ROUTE', key: 'pods:default', event: { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true } });
  await flush();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the inspector forwards asynchronously

  // The Stately inspector saw every actor: orchestrator, connection, socket, both subscriptions.
  const actors = received.filter((e) => e.type === '@xstate.actor');
  expect(new Set(actors.map((e) => e.sessionId)).size).toBeGreaterThanOrEqual(5);
  const snapshotsOf = (state: string) =>
    received.filter((e) => e.type === '@xstate.snapshot' && JSON.stringify((e as { snapshot: unknown }).snapshot).includes(state));
  expect(snapshotsOf('streamingPending').length).toBeGreaterThan(0);
  const events = received.filter((e) => e.type === '@xstate.event').map((e) => (e as { event: { type: string } }).event.type);
  expect(events).toEqual(expect.arrayContaining(['SUBSCRIBE', 'SOCKET.OPENED', 'ROUTE', 'STREAM.DELIVERED']));
  expect(snapshotsOf('streamingHealthy').length).toBeGreaterThan(0);

  // XState's own inspection stream carries the routed delivery and the move to streamingHealthy.
  const podRef = h.actor.getSnapshot().context.subscriptions['pods:default']!.ref;
  const podEvents = raw.filter((e) => e.type === '@xstate.event' && e.actorRef === podRef).map((e) => (e as { event: { type: string } }).event.type);
  expect(podEvents).toContain('STREAM.DELIVERED');
  const podStates = raw
    .filter((e) => e.type === '@xstate.snapshot' && e.actorRef === podRef)
    .map((e) => JSON.stringify((e as { snapshot: { value?: unknown } }).snapshot.value));
  expect(podStates.at(-1)).toBe(JSON.stringify({ subscribed: { streamingHealthy: 'listening' } }));
  h.actor.stop();
});
