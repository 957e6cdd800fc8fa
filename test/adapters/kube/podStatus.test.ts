/**
 * A pod's STATUS as `kubectl get pods` prints it. kubectl 1.32 no longer prints pods itself
 * (`--server-print=false` shows only NAME and AGE): the STATUS column comes from
 * kube-apiserver's pod printer. The expected values here are what that printer shows for each
 * state, the facts operators read every day; the pods are built the way the kubelet reports them.
 */
import { podRow, podStatus, type KubeObject } from '../../../adapters/kube/rows.js';

const running = { running: { startedAt: '2026-11-30T10:00:00Z' } };
const waiting = (reason: string) => ({ waiting: { reason } });
const terminated = (exitCode: number, reason?: string, signal?: number) => ({ terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } });

function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', ...metadata }, spec: { containers: [{ name: 'app' }], ...spec }, status } as KubeObject;
}

const ready = (type: string) => ({ type, status: 'True' });

test.each([
  ['a running, ready pod', pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: running }] }), 'Running'],
  ['a pod whose container waits in a crash loop', pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 5, state: waiting('CrashLoopBackOff') }] }), 'CrashLoopBackOff'],
  ['a pod whose image is being pulled', pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, state: waiting('ContainerCreating') }] }), 'ContainerCreating'],
  ['a pod whose image cannot be pulled', pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, state: waiting('ImagePullBackOff') }] }), 'ImagePullBackOff'],
  ['a finished Job pod', pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, state: terminated(0, 'Completed') }] }), 'Completed'],
  ['a container killed for memory', pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: false, state: terminated(137, 'OOMKilled') }] }), 'OOMKilled'],
  ['a container ended by a signal, no reason', pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: terminated(0, undefined, 9) }] }), 'Signal:9'],
  ['a container that exited 3, no reason', pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: terminated(3) }] }), 'ExitCode:3'],
  ['an evicted pod (the pod\'s own reason)', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
  ['a pending pod not yet scheduled', pod({ phase: 'Pending' }), 'Pending'],
  [
    'the second of two init containers running',
    pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'a', state: terminated(0, 'Completed') }, { name: 'b', state: running }], containerStatuses: [{ name: 'app', ready: false, state: waiting('PodInitializing') }] },
      { initContainers: [{ name: 'a' }, { name: 'b' }] },
    ),
    'Init:1/2',
  ],
  [
    'an init container in a crash loop',
    pod({ phase: 'Pending', initContainerStatuses: [{ name: 'a', state: waiting('CrashLoopBackOff') }] }, { initContainers: [{ name: 'a' }] }),
    'Init:CrashLoopBackOff',
  ],
  ['an init container that failed', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'a', state: terminated(1, 'Error') }] }, { initContainers: [{ name: 'a' }] }), 'Init:Error'],
  [
    'a running sidecar (restartable init container) does not hold the pod in Init',
    pod(
      { phase: 'Running', conditions: [ready('Initialized'), ready('Ready')], initContainerStatuses: [{ name: 'proxy', started: true, ready: true, state: running }], containerStatuses: [{ name: 'app', ready: true, state: running }] },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    ),
    'Running',
  ],
  [
    'one container completed while another still runs, pod Ready',
    pod(
      { phase: 'Running', conditions: [ready('Ready')], containerStatuses: [{ name: 'app', ready: true, state: running }, { name: 'job', ready: false, state: terminated(0, 'Completed') }] },
      { containers: [{ name: 'app' }, { name: 'job' }] },
    ),
    'Running',
  ],
  [
    'one container completed while another still runs, pod not Ready',
    pod(
      { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'app', ready: true, state: running }, { name: 'job', ready: false, state: terminated(0, 'Completed') }] },
      { containers: [{ name: 'app' }, { name: 'job' }] },
    ),
    'NotReady',
  ],
  ['a pod being deleted', pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: running }] }, {}, { deletionTimestamp: '2026-11-30T10:00:00Z' }), 'Terminating'],
  ['a finished pod being deleted keeps its end state', pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', state: terminated(0, 'Completed') }] }, {}, { deletionTimestamp: '2026-11-30T10:00:00Z' }), 'Completed'],
  ['a pod held by scheduling gates', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), 'SchedulingGated'],
  ['a pod on a lost node being deleted', pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: '2026-11-30T10:00:00Z' }), 'Unknown'],
])('%s reads %s', (_what, object, expected) => {
  expect(podStatus(object)).toBe(expected);
  expect(podRow(object).status).toBe(expected);
});

test('READY counts a started sidecar with the main containers, and only containers that run', () => {
  const object = pod(
    { phase: 'Running', initContainerStatuses: [{ name: 'proxy', started: true, ready: true, state: running }], containerStatuses: [{ name: 'app', ready: true, state: running }, { name: 'job', ready: false, state: terminated(0, 'Completed') }] },
    { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }, { name: 'job' }] },
  );
  expect(podRow(object).ready).toBe('2/3');
});

test('RESTARTS counts init containers while the pod initialises, then sidecars and main containers, with when the last run ended', () => {
  const lastRun = (finishedAt: string) => ({ terminated: { exitCode: 1, reason: 'Error', finishedAt } });
  const initialising = pod(
    { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', restartCount: 9, state: waiting('CrashLoopBackOff'), lastState: lastRun('2026-11-30T10:00:00Z') }], containerStatuses: [{ name: 'app', restartCount: 0, state: waiting('PodInitializing') }] },
    { initContainers: [{ name: 'migrate' }] },
  );
  expect(podRow(initialising)).toMatchObject({ restarts: 9, lastRestartAt: '2026-11-30T10:00:00Z' });
  const initialised = pod(
    {
      phase: 'Running',
      conditions: [ready('Initialized')],
      initContainerStatuses: [{ name: 'setup', restartCount: 4, state: terminated(0, 'Completed') }, { name: 'proxy', restartCount: 2, started: true, state: running, lastState: lastRun('2026-11-30T09:00:00Z') }],
      containerStatuses: [{ name: 'app', restartCount: 3, state: running, lastState: lastRun('2026-11-30T11:00:00Z') }],
    },
    { initContainers: [{ name: 'setup' }, { name: 'proxy', restartPolicy: 'Always' }] },
  );
  expect(podRow(initialised)).toMatchObject({ restarts: 5, lastRestartAt: '2026-11-30T11:00:00Z' });
  expect(podRow(pod({ phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 0, state: running }] })).lastRestartAt).toBeUndefined();
});
