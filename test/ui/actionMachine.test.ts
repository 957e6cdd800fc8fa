/**
 * actionMachine on a simulated clock with its request actor provided, and the pure parts of
 * lib/actions.ts: nothing is sent before a confirmation, an answer is pending until the rows show
 * it, a refusal keeps the API server's status and words, and the stream's silence past the
 * timeout is said as unconfirmed rather than done.
 */
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { NodeRow, PodRow, WorkloadRow } from '../../adapters/rows.js';
import { actionMachine } from '../../ui/lib/actionMachine.js';
import { ActionRefused, actionLabel, hasArrived, staleReason, type ActionAnswer, type ActionRequest } from '../../ui/lib/actions.js';

const cordon: ActionRequest = { action: 'cordon', object: { kind: 'Node', name: 'worker-1' } };
const answer: ActionAnswer = { cluster: 'prod', object: cordon.object, message: 'node/worker-1 cordoned', resourceVersion: '12' };

function start(send: (request: ActionRequest) => Promise<ActionAnswer>) {
  const clock = new SimulatedClock();
  const sent: ActionRequest[] = [];
  const machine = actionMachine.provide({
    actors: {
      sendAction: fromPromise(async ({ input }: { input: { request: ActionRequest } }) => {
        sent.push(input.request);
        return send(input.request);
      }),
    },
  });
  const actor = createActor(machine, { input: { request: cordon }, clock }).start();
  return { actor, clock, sent };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('nothingIsSentUntilConfirmedAndCancelSendsNothing', async () => {
  const { actor, sent } = start(async () => answer);
  expect(actor.getSnapshot().value).toBe('confirming');
  actor.send({ type: 'ACTION.CANCEL' });
  await settle();
  expect(actor.getSnapshot().value).toBe('cancelled');
  expect(sent).toEqual([]);
});

test('anAcceptedActionIsPendingUntilTheStreamShowsItThenDone', async () => {
  const { actor, sent } = start(async () => answer);
  actor.send({ type: 'ACTION.CONFIRM', request: cordon, before: '11' });
  await settle();
  expect(sent).toEqual([cordon]);
  expect(actor.getSnapshot().value).toBe('awaitingStream');
  expect(actor.getSnapshot().context).toMatchObject({ answer, before: '11' });
  actor.send({ type: 'STREAM.ARRIVED' });
  expect(actor.getSnapshot().value).toBe('done');
});

test('aScaleSendsTheNumberChosenInTheDialog', async () => {
  const scale: ActionRequest = { action: 'scale', object: { kind: 'Deployment', namespace: 'shop', name: 'web' }, replicas: 3 };
  const { actor, sent } = start(async () => answer);
  actor.send({ type: 'ACTION.CONFIRM', request: { ...scale, replicas: 7 }, before: null });
  await settle();
  expect(sent).toEqual([{ ...scale, replicas: 7 }]);
});

test('aRefusalKeepsTheApiServersStatusAndWords', async () => {
  const words = 'nodes "worker-1" is forbidden: User "viewer" cannot patch resource "nodes" in API group "" at the cluster scope';
  const { actor } = start(async () => {
    throw new ActionRefused(403, words, 'prod');
  });
  actor.send({ type: 'ACTION.CONFIRM', request: cordon, before: null });
  await settle();
  expect(actor.getSnapshot().value).toBe('refused');
  expect(actor.getSnapshot().context.refusal).toEqual({ status: 403, reason: words });
});

test('aStreamThatStaysSilentIsUnconfirmedNotDoneAndStillSettlesLater', async () => {
  const { actor, clock } = start(async () => answer);
  actor.send({ type: 'ACTION.CONFIRM', request: cordon, before: null });
  await settle();
  clock.increment(29_999);
  expect(actor.getSnapshot().value).toBe('awaitingStream');
  clock.increment(1);
  expect(actor.getSnapshot().value).toBe('unconfirmed');
  actor.send({ type: 'STREAM.ARRIVED' });
  expect(actor.getSnapshot().value).toBe('done');
});

const node = (name: string, unschedulable: boolean) => ({ name, unschedulable }) as NodeRow;
const pod = (namespace: string, name: string, nodeName: string, deleting = false) => ({ namespace, name, nodeName, deleting }) as PodRow;
const workload = (fields: Partial<WorkloadRow>) => ({ kind: 'Deployment', namespace: 'shop', name: 'web', resourceVersion: '1', desired: 2, ...fields }) as WorkloadRow;

test('hasArrivedReadsOnlyTheRows', () => {
  expect(hasArrived(cordon, answer, { nodes: [node('worker-1', false)] }, null)).toBe(false);
  expect(hasArrived(cordon, answer, { nodes: [node('worker-1', true)] }, null)).toBe(true);
  const drain: ActionRequest = { action: 'drain', object: { kind: 'Node', name: 'worker-1' } };
  const drained: ActionAnswer = { ...answer, pods: [{ namespace: 'a', name: 'p', outcome: 'evicted' }, { namespace: 'a', name: 'q', outcome: 'blocked' }] };
  const cordoned = [node('worker-1', true)];
  expect(hasArrived(drain, drained, { nodes: cordoned, pods: [pod('a', 'p', 'worker-1'), pod('a', 'q', 'worker-1')] }, null)).toBe(false);
  // The blocked pod stays; the evicted one is Terminating, or its namesake runs elsewhere.
  expect(hasArrived(drain, drained, { nodes: cordoned, pods: [pod('a', 'p', 'worker-1', true), pod('a', 'q', 'worker-1')] }, null)).toBe(true);
  expect(hasArrived(drain, drained, { nodes: cordoned, pods: [pod('a', 'p', 'worker-2'), pod('a', 'q', 'worker-1')] }, null)).toBe(true);
  const scale: ActionRequest = { action: 'scale', object: { kind: 'Deployment', namespace: 'shop', name: 'web' }, replicas: 5 };
  expect(hasArrived(scale, answer, { workloads: [workload({ desired: 2 })] }, null)).toBe(false);
  expect(hasArrived(scale, answer, { workloads: [workload({ desired: 5 })] }, null)).toBe(true);
  // Another kind of the same name is not it.
  expect(hasArrived(scale, answer, { workloads: [workload({ kind: 'StatefulSet', desired: 5 })] }, null)).toBe(false);
  const suspend: ActionRequest = { action: 'suspend', object: { kind: 'CronJob', namespace: 'shop', name: 'web' } };
  expect(hasArrived(suspend, answer, { workloads: [workload({ kind: 'CronJob', suspended: false })] }, null)).toBe(false);
  expect(hasArrived(suspend, answer, { workloads: [workload({ kind: 'CronJob', suspended: true })] }, null)).toBe(true);
  const restart: ActionRequest = { action: 'restart', object: { kind: 'Deployment', namespace: 'shop', name: 'web' } };
  expect(hasArrived(restart, { ...answer, resourceVersion: '9' }, { workloads: [workload({ resourceVersion: '1' })] }, '1')).toBe(false);
  expect(hasArrived(restart, { ...answer, resourceVersion: '9' }, { workloads: [workload({ resourceVersion: '9' })] }, '1')).toBe(true);
  const remove: ActionRequest = { action: 'delete-pod', object: { kind: 'Pod', namespace: 'a', name: 'p' } };
  expect(hasArrived(remove, answer, { pods: [pod('a', 'p', 'n')] }, null)).toBe(false);
  expect(hasArrived(remove, answer, { pods: [pod('a', 'p', 'n', true)] }, null)).toBe(true);
  expect(hasArrived(remove, answer, { pods: [] }, null)).toBe(true);
});

test('eachButtonsNameSaysWhichObject', () => {
  expect(actionLabel('drain', { kind: 'Node', name: 'worker-1' })).toBe('Drain worker-1');
  expect(actionLabel('delete-pod', { kind: 'Pod', namespace: 'shop', name: 'web-1' })).toBe('Delete pod shop/web-1');
  expect(actionLabel('scale', { kind: 'StatefulSet', namespace: 'data', name: 'db' })).toBe('Scale statefulset data/db');
});

describe('staleReason', () => {
  const opened: ActionRequest = { action: 'delete-pod', object: { kind: 'Pod', namespace: 'data', name: 'db-0' }, uid: 'uid-a' };

  test('aDialogOnTheObjectStillThereMayAct', () => {
    expect(staleReason(opened, { uid: 'uid-a', goneAt: null })).toBeNull();
  });

  test('aDialogWhoseObjectWasDeletedSaysSoAndThatNothingWasSent', () => {
    expect(staleReason(opened, { uid: 'uid-a', goneAt: Date.UTC(2026, 0, 1, 12, 0, 5) })).toMatch(/^data\/db-0 was deleted from the cluster at \d\d:\d\d:05, after this was opened\. Nothing was sent\.$/);
  });

  test('aDialogWhoseObjectWasReplacedUnderItsNameNamesBothUidsAndSendsNothing', () => {
    const reason = staleReason(opened, { uid: 'uid-b', goneAt: null });
    expect(reason).toContain('a new object took its name (uid uid-b)');
    expect(reason).toContain('opened for the deleted one (uid uid-a), so it sends nothing');
  });

  test('aDialogOpenedBeforeTheUidWasKnownIsNotCalledReplaced', () => {
    expect(staleReason({ ...opened, uid: '' }, { uid: 'uid-b', goneAt: null })).toBeNull();
  });
});
