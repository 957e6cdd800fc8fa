/**
 * The log of a pod deleted while it is followed ends with the pod. The kubelet removes a deleted
 * pod's containers and their logs, so the API server answers 404 for both the pod and its log:
 * the backend's follower takes that as the end of the log, not as trouble. It stays healthy with
 * the lines it held, so no client is told to read the log itself (which would be that 404 again),
 * says so on the wire (`upstream.ended: "pod-deleted"`, on a status frame as it happens and on
 * every heartbeat and snapshot after), and its last release forgets it at once (a pod that takes
 * the name later has a log of its own). On the real demo cluster, whose follow ends as the pod goes.
 */
import { call } from '../demo-cluster/client.js';
import { getJson, startStack, StreamClient, upstreamOf, waitFor, type Stack } from './support.js';

interface DemoPod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string };
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 40, namespaces: 5 } });
});

afterAll(async () => {
  await stack.stop();
});

test('aFollowedPodsDeletionEndsItsLogWithTheUpstreamHealthyAndForgottenAtRelease', async () => {
  const pod = (stack.demo.listObjects('pods') as DemoPod[]).find((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
  if (!pod) throw new Error('the demo cluster generated no running ReplicaSet pod to follow');
  const { name, namespace } = pod.metadata;
  const scope = `${namespace}/${name}/${pod.spec.containers[0]!.name}`;
  const key = `pod-logs:${scope}`;
  const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;

  const client = await StreamClient.connect(stack.base);
  client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope });
  const reset = await client.next('log', 'reset');
  expect(reset.items.length).toBeGreaterThan(0);
  expect(reset.upstream.ended).toBeUndefined();
  const fromDeletion = client.frames.length;
  const podGets = () => stack.demo.requestCounts()[`GET ${podPath}`] ?? 0;
  const getsBefore = podGets();

  expect((await call(stack.demo, `${podPath}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  expect((await call(stack.demo, podPath)).status).toBe(404);
  // The follow ends with the pod, and the follower asks the pod why: a 404. Past its answer, two heartbeats.
  await waitFor('the follower to ask the pod why its follow ended', () => podGets() > getsBefore);
  const asked = client.frames.length;
  await waitFor('two heartbeats after that', () => client.framesFor('log').slice(asked).filter((f) => f.type === 'heartbeat').length >= 2 || undefined);

  // Never said to be in trouble: no frame since the deletion reports the upstream unhealthy.
  const reports = client.frames
    .slice(fromDeletion)
    .flatMap((f) => (f.type !== 'error' && f.id === 'log' && 'upstream' in f && f.upstream ? [f.upstream] : []));
  expect(reports.length).toBeGreaterThan(0);
  expect(reports.filter((u) => u!.healthy === false)).toEqual([]);
  const upstream = await upstreamOf(stack, key);
  expect(upstream.report).toMatchObject({ state: 'watching', healthy: true, errors: 0, ended: 'pod-deleted' });

  // Said as it happened, on a status frame, healthy; and on every heartbeat after it.
  const since = client.frames.slice(fromDeletion).filter((f) => f.type !== 'error' && f.id === 'log');
  const statuses = since.filter((f) => f.type === 'status');
  expect(statuses.map((f) => f.type === 'status' && f.upstream)).toContainEqual(expect.objectContaining({ healthy: true, ended: 'pod-deleted' }));
  const saidAt = since.findIndex((f) => f.type === 'status' && f.upstream.ended === 'pod-deleted');
  const heartbeatsAfter = since.slice(saidAt).filter((f) => f.type === 'heartbeat');
  expect(heartbeatsAfter.length).toBeGreaterThan(0);
  expect(heartbeatsAfter.every((f) => f.type === 'heartbeat' && f.upstream.ended === 'pod-deleted')).toBe(true);

  // A page that asks anyway gets the lines held, from the cache, not a 404.
  const snapshot = await getJson(`${stack.base}/api/v1/snapshot/pod-logs?scope=${encodeURIComponent(scope)}`);
  expect(snapshot.status).toBe(200);
  expect(snapshot.body.source).toBe('cache');
  expect(snapshot.body.upstream).toMatchObject({ healthy: true, ended: 'pod-deleted' });
  expect(snapshot.body.items.length).toBeGreaterThanOrEqual(reset.items.length);

  // Let go: forgotten at once, with no grace period for a pod that is gone.
  const before = (await getJson(`${stack.base}/api/v1/diagnostics`)).body.upstreamBounds.forgottenAtRelease as number;
  client.send({ type: 'unsubscribe', id: 'log' });
  await waitFor('the follower to be forgotten', async () => (await upstreamOf(stack, key)) === undefined);
  expect((await getJson(`${stack.base}/api/v1/diagnostics`)).body.upstreamBounds.forgottenAtRelease).toBe(before + 1);
  client.close();
}, 30_000);
