/**
 * Pod logs per container run, as the kubelet serves them: a finished run's follow ends, a
 * crash-looping container shows its last run, `previous` reads the run before the current one
 * and is a 400 when there is none.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  // Seed 2 builds crash-looping, completed and restarted pods.
  cluster = await startDemoCluster({ seed: 2 });
});
afterAll(() => cluster.stop());

interface Run {
  startedAt?: string;
  finishedAt?: string;
}
interface Pod {
  metadata: { name: string; namespace: string };
  spec: { containers: { name: string }[] };
  status: { phase: string; containerStatuses?: { state: { running?: Run; waiting?: { reason: string }; terminated?: Run }; lastState: { terminated?: Run } }[] };
}

function findPod(match: (p: Pod) => boolean): Pod {
  const pod = (cluster.listObjects('pods') as Pod[]).find((p) => match(p));
  if (!pod) throw new Error('seed 2 has no such pod');
  return pod;
}

/** The log of the pod's first container (the one the simulation restarts). */
const logPath = (p: Pod, query: string): string => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/log?container=${p.spec.containers[0]!.name}&${query}`;

/** The timestamps of a `timestamps=true` log, in ms. */
const times = (text: string): number[] => text.trim().split('\n').map((l) => Date.parse((l.split(' ')[0] ?? '').replace(/(\.\d{3})\d*Z$/, '$1Z')));

test('followingAFinishedContainerEndsTheResponse', async () => {
  const done = findPod((p) => p.status.phase === 'Succeeded');
  // call() resolves only once the response has ended.
  const r = await call(cluster, logPath(done, 'follow=true'));
  expect(r.status).toBe(200);
  expect(r.text).toMatch(/^level=info msg="starting /);
});

test('aCrashLoopingContainerShowsItsLastRunAndItsFollowEnds', async () => {
  const looping = findPod((p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
  const last = looping.status.containerStatuses![0]!.lastState.terminated!;
  const r = await call(cluster, logPath(looping, 'follow=true&timestamps=true'));
  expect(r.status).toBe(200);
  const stamps = times(r.text);
  expect(stamps.length).toBeGreaterThan(1);
  expect(Math.min(...stamps)).toBeGreaterThanOrEqual(Date.parse(last.startedAt!));
  expect(Math.max(...stamps)).toBeLessThanOrEqual(Date.parse(last.finishedAt!));
  // The kubelet's previous container of a crash-looping one is that same last run.
  const previous = await call(cluster, logPath(looping, 'previous=true&timestamps=true'));
  expect(previous.text).toBe(r.text);
});

test('previousReadsTheRunBeforeTheCurrentOne', async () => {
  const restarted = findPod((p) => !!p.status.containerStatuses?.[0]?.state.running && !!p.status.containerStatuses[0].lastState.terminated);
  const status = restarted.status.containerStatuses![0]!;
  const previous = times((await call(cluster, logPath(restarted, 'previous=true&timestamps=true'))).text);
  expect(previous.length).toBeGreaterThan(0);
  expect(Math.min(...previous)).toBeGreaterThanOrEqual(Date.parse(status.lastState.terminated!.startedAt!));
  expect(Math.max(...previous)).toBeLessThanOrEqual(Date.parse(status.lastState.terminated!.finishedAt!));
  const current = times((await call(cluster, logPath(restarted, 'timestamps=true'))).text);
  expect(Math.min(...current)).toBeGreaterThanOrEqual(Date.parse(status.state.running!.startedAt!));
});

test('previousWithoutAPreviousContainerIsA400WordedAsARealServers', async () => {
  const fresh = findPod((p) => !!p.status.containerStatuses?.[0]?.state.running && !p.status.containerStatuses[0].lastState.terminated);
  const r = await call(cluster, logPath(fresh, 'previous=true'));
  expect(r.status).toBe(400);
  expect(r.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  expect(r.json().message).toMatch(/^previous terminated container "[a-z0-9-]+" in pod "[a-z0-9-]+" not found$/);
  // previous=false (any case) is no previous: the current run's lines.
  expect((await call(cluster, logPath(fresh, 'previous=False&tailLines=1'))).status).toBe(200);
});

(kubectlPath ? test : test.skip)('kubectlLogsPreviousAndFollowOfAFinishedContainerExit', async () => {
  const looping = findPod((p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
  const args = ['logs', '-n', looping.metadata.namespace, looping.metadata.name, '-c', looping.spec.containers[0]!.name];
  const previous = await kubectl(cluster.kubeconfigPath, [...args, '--previous']);
  expect(previous.code).toBe(0);
  expect(previous.stdout).toMatch(/^level=/);
  // -f on a container that is not running returns once its log is printed.
  const follow = await kubectl(cluster.kubeconfigPath, [...args, '-f'], 20_000);
  expect(follow.code).toBe(0);
  expect(follow.stdout).toBe(previous.stdout);
});
