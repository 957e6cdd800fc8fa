/**
 * `listVersions` is `listObjects` reduced to what a digest reads: the same objects, in the same
 * order, each as its uid and resourceVersion, for the whole cluster and for one namespace, after
 * churn, and by plural and group alike; an unknown resource is refused as `listObjects` refuses it.
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

test('anUnknownResourceIsRefusedByBoth', () => {
  expect(() => cluster.listVersions('nosuchthings')).toThrow(/unknown resource nosuchthings/);
  expect(() => cluster.listObjects('nosuchthings')).toThrow(/unknown resource nosuchthings/);
});
