/**
 * A paginated list asks for each next page as soon as it has read the page before, from the
 * continue token at the head of its text, while it parses that page: the API server prepares a
 * page while the backend parses the last. Against the demo cluster over real sockets: every page
 * after the first is asked ahead, no request is wasted, and the rows are the cluster's.
 */
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { continueAhead, listAll, tableCollection } from '../../../adapters/kube/listWatch.js';
import type { RowBase } from '../../../adapters/rows.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';

let cluster: DemoCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 41, nodes: 3, pods: 300, churn: 0 });
  client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
});
afterAll(async () => {
  client.close();
  await cluster.stop();
});

const versionsOf = (rows: readonly Pick<RowBase, 'uid' | 'resourceVersion'>[]): string[] => rows.map((r) => `${r.uid}@${r.resourceVersion}`).sort();

test('asksEveryNextPageAheadWithoutWastingARequest', async () => {
  const before = cluster.requestCounts()['GET /api/v1/pods'] ?? 0;
  const pages: number[] = [];
  const listed = await listAll(client, { ...tableCollection('/api/v1/pods'), pageSize: 50 }, undefined, undefined, (rows) => pages.push(rows.length));
  const truth = (cluster.listObjects('pods') as { metadata: { uid: string; resourceVersion: string } }[]).map((pod) => pod.metadata);
  expect(pages).toEqual([50, 50, 50, 50, 50, 50]);
  expect({ mode: listed.mode, askedAhead: listed.askedAhead }).toEqual({ mode: 'paginated', askedAhead: 5 });
  expect((cluster.requestCounts()['GET /api/v1/pods'] ?? 0) - before).toBe(6);
  expect(versionsOf(listed.rows as RowBase[])).toEqual(versionsOf(truth));
});

describe('continueAhead', () => {
  test('readsTheTokenOfAListsMetadata', () => {
    expect(continueAhead('{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"7","continue":"eyJ2Ijoi_-+/="},"columnDefinitions":[],"rows":[]}')).toBe('eyJ2Ijoi_-+/=');
    expect(continueAhead('{"kind":"PodList","metadata":{"continue":"abc"},"items":[]}')).toBe('abc');
  });

  test('takesNoTokenFromAnObjectNorAnOddOne', () => {
    // The last page: no token in the metadata, one in an object's annotations.
    expect(continueAhead('{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"annotations":{"continue":"abc"}}}]}')).toBeNull();
    expect(continueAhead('{"kind":"Table","metadata":{},"columnDefinitions":[{"name":"continue"}],"rows":[{"object":{"continue":"abc"}}]}')).toBeNull();
    expect(continueAhead('{"metadata":{"continue":"a\\u0022b"}}')).toBeNull();
    expect(continueAhead('{"metadata":{"continue":""}}')).toBeNull();
    expect(continueAhead(`{"metadata":{"resourceVersion":"${'7'.repeat(5000)}","continue":"abc"}}`)).toBeNull();
  });
});
