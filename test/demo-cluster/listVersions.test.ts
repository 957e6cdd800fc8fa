/**
 * `listVersions` is `listObjects` reduced to what a digest reads: the same objects, in the same
 * order, each as its uid and resourceVersion, for the whole cluster and for one namespace, after
 * churn, and by plural and group alike; an unknown resource is refused as `listObjects` refuses it.
 * `readObjects` hands each stored object to a reader in the same order, copying nothing.
 */
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';

let cluster: DemoCluster;
beforeAll(async () => {
  cluster = await startDemoCluster({ port: 0, nodes: 3, pods: 60, churn: 0, seed: 11 });
});
afterAll(() => cluster.stop());

const versionsOf = (objects: unknown[]) =>
  (objects as { metadata: { uid: string; resourceVersion: string } }[]).map((o) => ({ uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion }));

test('listVersionsHoldsWhatListObjectsHoldsAsUidAndResourceVersion', () => {
  cluster.churn(40);
  const namespace = (cluster.listObjects('pods')[0] as { metadata: { namespace: string } }).metadata.namespace;
  for (const [resource, ns] of [['pods', undefined], ['pods', namespace], ['deployments', undefined], ['deployments.apps', namespace], ['nodes', undefined]] as const) {
    const versions = cluster.listVersions(resource, ns);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual(versionsOf(cluster.listObjects(resource, ns)));
  }
  // Only the two fields: nothing of the stored object is handed out to be changed.
  expect(Object.keys(cluster.listVersions('pods')[0]!).sort()).toEqual(['resourceVersion', 'uid']);
});

test('readObjectsReadsWhatListObjectsHoldsWhereItLies', () => {
  cluster.churn(40);
  const namespace = (cluster.listObjects('pods')[0] as { metadata: { namespace: string } }).metadata.namespace;
  const summary = (o: unknown) => {
    const pod = o as { metadata: { name: string; ownerReferences?: { kind: string }[] }; status?: { phase?: string } };
    return `${pod.metadata.name} ${pod.metadata.ownerReferences?.[0]?.kind ?? '-'} ${pod.status?.phase ?? '-'}`;
  };
  for (const ns of [undefined, namespace]) {
    const read = cluster.readObjects('pods', summary, ns);
    expect(read.length).toBeGreaterThan(0);
    expect(read).toEqual(cluster.listObjects('pods', ns).map(summary));
  }
  // The stored objects themselves, not copies: read twice, the same objects; listed, copies.
  const first = cluster.readObjects('pods', (o) => o);
  expect(cluster.readObjects('pods', (o) => o).every((o, i) => o === first[i])).toBe(true);
  expect(cluster.listObjects('pods').some((o, i) => o === first[i])).toBe(false);
});

test('anUnknownResourceIsRefusedByAll', () => {
  expect(() => cluster.readObjects('nosuchthings', (o) => o)).toThrow(/unknown resource nosuchthings/);
  expect(() => cluster.listVersions('nosuchthings')).toThrow(/unknown resource nosuchthings/);
  expect(() => cluster.listObjects('nosuchthings')).toThrow(/unknown resource nosuchthings/);
});
