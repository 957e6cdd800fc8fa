/**
 * A metadata-only list (`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`),
 * as metadata informers read: every object, its metadata alone, paged like any list.
 */
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { call } from './client.js';

let cluster: DemoCluster;
const accept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 5, pods: 40 });
});
afterAll(() => cluster.stop());

test('aMetadataOnlyListHoldsEveryObjectsMetadataAndNothingElse', async () => {
  const reply = await call(cluster, '/api/v1/pods', { headers: { Accept: accept } });
  expect(reply.status).toBe(200);
  const list = reply.json();
  expect(list.kind).toBe('PartialObjectMetadataList');
  const truth = cluster.listObjects('pods') as { metadata: { uid: string; resourceVersion: string } }[];
  expect(list.items.map((i: { metadata: { uid: string; resourceVersion: string } }) => `${i.metadata.uid}@${i.metadata.resourceVersion}`).sort()).toEqual(truth.map((o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`).sort());
  expect(list.items.every((i: Record<string, unknown>) => i.kind === 'PartialObjectMetadata' && i.spec === undefined && i.status === undefined)).toBe(true);
});

test('aMetadataOnlyListPagesWithAContinueToken', async () => {
  const first = (await call(cluster, '/api/v1/pods?limit=10', { headers: { Accept: accept } })).json();
  expect(first.items).toHaveLength(10);
  expect(first.metadata.continue).toEqual(expect.any(String));
  const second = (await call(cluster, `/api/v1/pods?limit=10&continue=${encodeURIComponent(first.metadata.continue)}`, { headers: { Accept: accept } })).json();
  expect(second.items[0].metadata.name).not.toBe(first.items[0].metadata.name);
});
