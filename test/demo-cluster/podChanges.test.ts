/**
 * `onPodChange`: the bench times each probe from the moment the cluster commits the pod's
 * deletion (bench/clusterProcess.ts), so the listener must hear the commit, with the pod's uid,
 * before any watch can have it, and hear nothing once unsubscribed.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, watch } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 33 });
});
afterAll(() => cluster.stop());

interface Pod {
  status?: { phase?: string };
  metadata: { name: string; namespace: string; uid: string; ownerReferences?: { kind: string; name: string }[] };
}

function replicaSetPods(): Pod[] {
  return (cluster.listObjects('pods', 'shop') as Pod[]).filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.status?.phase === 'Running');
}

test('hearsADeletionsCommitBeforeAWatchDeliversIt', async () => {
  const [victim] = replicaSetPods();
  const heard: { type: string; uid: string }[] = [];
  const unsubscribe = cluster.onPodChange((type, uid) => heard.push({ type, uid }));
  const rv = (await call(cluster, '/api/v1/namespaces/shop/pods?limit=1')).json().metadata.resourceVersion;
  const w = await watch(cluster, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}`);
  const deleted = w.waitFor((e) => e.type === 'DELETED' && e.object.metadata.uid === victim!.metadata.uid);
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim!.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  // Heard by the time the DELETE is answered, which is before the watch can deliver it.
  const heardWhenAnswered = heard.filter((h) => h.uid === victim!.metadata.uid);
  await deleted;
  // The ReplicaSet's replacement is a pod change too: the bench counts these as the probes' cost.
  const owner = victim!.metadata.ownerReferences![0]!.name;
  const replacement = await w.waitFor((e) => e.type === 'ADDED' && e.object.metadata.ownerReferences?.[0]?.name === owner);
  w.close();
  unsubscribe();
  expect(heardWhenAnswered).toEqual([{ type: 'DELETED', uid: victim!.metadata.uid }]);
  expect(heard).toContainEqual({ type: 'ADDED', uid: replacement.object.metadata.uid });
});

test('hearsNothingOnceUnsubscribed', async () => {
  const [victim] = replicaSetPods();
  const heard: string[] = [];
  const unsubscribe = cluster.onPodChange((_type, uid) => heard.push(uid));
  unsubscribe();
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim!.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  expect(heard).toEqual([]);
  expect((await call(cluster, `/api/v1/namespaces/shop/pods/${victim!.metadata.name}`)).status).toBe(404);
});
