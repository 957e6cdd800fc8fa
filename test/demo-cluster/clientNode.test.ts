/**
 * @kubernetes/client-node 1.4 (the library the backend uses) against the demo cluster: its own
 * typed API calls, its ListWatch informer following changes, and its recovery from a 410 Expired
 * forced by the `expire` fault.
 */
import { CoreV1Api, KubeConfig, ListWatch, PatchStrategy, Watch, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { waitUntil } from './client.js';

let cluster: DemoCluster;
let kc: KubeConfig;
let core: CoreV1Api;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 11 });
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(() => cluster.stop());

test('typedListCallsReturnTheStoredObjectsWithAResourceVersion', async () => {
  const nodes = await core.listNode();
  expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual((cluster.listObjects('nodes') as V1Node[]).map((n) => n.metadata?.name).sort());
  expect(nodes.metadata?.resourceVersion).toMatch(/^\d+$/);
  const page = await core.listPodForAllNamespaces({ limit: 50 });
  expect(page.items).toHaveLength(50);
  expect(page.metadata?._continue).toBeTruthy();
});

test('informerFollowsPodsAddedAndDeleted', async () => {
  const informer = makeInformer(kc, '/api/v1/namespaces/shop/pods', () => core.listNamespacedPod({ namespace: 'shop' }));
  const added: string[] = [];
  const deleted: string[] = [];
  informer.on('add', (p: V1Pod) => added.push(p.metadata?.name ?? ''));
  informer.on('delete', (p: V1Pod) => deleted.push(p.metadata?.name ?? ''));
  const terminating: string[] = [];
  informer.on('update', (p: V1Pod) => {
    if (p.metadata?.deletionTimestamp) terminating.push(p.metadata.name ?? '');
  });
  await informer.start();
  try {
    const shopPods = cluster.listObjects('pods', 'shop') as V1Pod[];
    await waitUntil(() => added.length === shopPods.length, 'the informer listed every shop pod');
    const victim = shopPods.find((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet')!;
    // A graceful delete: the pod is first updated with a deletionTimestamp, then removed.
    await core.deleteNamespacedPod({ namespace: 'shop', name: victim.metadata!.name!, gracePeriodSeconds: 1 });
    await waitUntil(() => terminating.includes(victim.metadata!.name!), 'the informer saw the pod terminating');
    await waitUntil(() => deleted.includes(victim.metadata!.name!), 'the informer saw the delete');
    // The ReplicaSet's replacement arrives through the same watch.
    await waitUntil(() => added.length === shopPods.length + 1, 'the informer saw the replacement');
    const cached = informer.list('shop').map((p) => p.metadata?.name).sort();
    await waitUntil(() => {
      const stored = (cluster.listObjects('pods', 'shop') as V1Pod[]).map((p) => p.metadata?.name).sort();
      return JSON.stringify(stored) === JSON.stringify(informer.list('shop').map((p) => p.metadata?.name).sort());
    }, 'the informer cache matches the server');
    expect(cached).not.toContain(victim.metadata!.name);
  } finally {
    await informer.stop();
  }
});

test('listWatchRecoversFromAForced410ByRelisting', async () => {
  let lists = 0;
  const listWatch = new ListWatch<V1Node>(
    '/api/v1/nodes',
    new Watch(kc),
    () => {
      lists++;
      return core.listNode();
    },
    false,
  );
  const errors: unknown[] = [];
  listWatch.on('error', (e) => errors.push(e));
  await listWatch.start();
  try {
    await waitUntil(() => listWatch.list().length === cluster.listObjects('nodes').length, 'the first list arrived');
    await waitUntil(() => cluster.openWatches() > 0, 'the watch is open');
    const listsBefore = lists;
    // Forget history, then drop the watch: the client's resume from its last resourceVersion gets 410.
    cluster.faults.set({ fault: 'expire' });
    cluster.faults.set({ fault: 'drop-watches' });
    await waitUntil(() => lists > listsBefore, 'the client relisted after the 410');
    cluster.faults.clear();
    // And it is live again: a cordon made now reaches its cache.
    await core.patchNode({ name: 'demo-worker-2', body: { spec: { unschedulable: true } } }, mergePatch);
    await waitUntil(() => listWatch.get('demo-worker-2')?.spec?.unschedulable === true, 'the cache saw the cordon');
    expect(errors).toEqual([]);
  } finally {
    await listWatch.stop();
  }
});

test('watchFromAnExpiredResourceVersionGetsAnInStream410', async () => {
  const nodes = await core.listNode();
  const old = nodes.metadata!.resourceVersion!;
  await core.patchNode({ name: 'demo-worker-3', body: { metadata: { labels: { touched: 'yes' } } } }, mergePatch);
  cluster.faults.set({ fault: 'expire', resource: 'nodes' });
  const seen: { type: string; code?: number; reason?: string }[] = [];
  await new Promise<void>((resolve) => {
    void new Watch(kc).watch('/api/v1/nodes', { resourceVersion: old }, (type, obj: { code?: number; reason?: string }) => seen.push({ type, code: obj.code, reason: obj.reason }), () => resolve());
  });
  cluster.faults.clear();
  expect(seen).toEqual([{ type: 'ERROR', code: 410, reason: 'Expired' }]);
});
