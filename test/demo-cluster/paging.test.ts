/**
 * Paging a large list while the cluster changes: every pod exactly once, all as of the one
 * resourceVersion of the first page. The expected set is rebuilt independently, from a full list
 * taken earlier plus the watch events up to that version.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, watch } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21, nodes: 40, pods: 10_000, namespaces: 12, churn: 300 });
});
afterAll(() => cluster.stop());

interface Pod {
  metadata: { name: string; namespace: string; resourceVersion: string };
}
interface PodList {
  metadata: { resourceVersion: string; continue?: string };
  items: Pod[];
}

const key = (p: Pod): string => `${p.metadata.namespace}/${p.metadata.name}`;

test('pagedListOf10000PodsReturnsEachPodOnceAtOneResourceVersionWhileChurnWrites', async () => {
  const full = (await call(cluster, '/api/v1/pods')).json<PodList>();
  expect(full.items.length).toBeGreaterThanOrEqual(9_000);
  const changes = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${full.metadata.resourceVersion}`);

  const paged: Pod[] = [];
  let pages = 0;
  let token: string | undefined;
  let pageVersion: string | undefined;
  do {
    const r = await call(cluster, `/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    expect(r.status).toBe(200);
    const page = r.json<PodList>();
    pageVersion ??= page.metadata.resourceVersion;
    expect(page.metadata.resourceVersion).toBe(pageVersion);
    expect(page.items.length).toBeLessThanOrEqual(500);
    paged.push(...page.items);
    token = page.metadata.continue;
    pages++;
    // Let churn write between pages, so later pages must be read from the past.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (token);

  const keys = paged.map(key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(pages).toBeGreaterThanOrEqual(Math.floor(keys.length / 500));

  // Rebuild the state at the page version: the full list, then every change up to that version.
  const at = Number(pageVersion);
  await changes.waitFor((e) => Number(e.object.metadata.resourceVersion) > at, 30_000);
  const expected = new Map(full.items.map((p) => [key(p), p.metadata.resourceVersion]));
  let changesApplied = 0;
  for (const e of changes.events) {
    if (Number(e.object.metadata.resourceVersion) > at) break;
    changesApplied++;
    if (e.type === 'DELETED') expected.delete(key(e.object));
    else expected.set(key(e.object), e.object.metadata.resourceVersion);
  }
  changes.close();
  expect(changesApplied).toBeGreaterThan(0);
  expect(new Map(paged.map((p) => [key(p), p.metadata.resourceVersion]))).toEqual(expected);
  // Churn kept writing during the paging: the cluster is now past the page version.
  const now = (await call(cluster, '/api/v1/pods?limit=1')).json<PodList>().metadata.resourceVersion;
  expect(Number(now)).toBeGreaterThan(at);
}, 90_000);

test('pagingWithALabelSelectorReturnsOnlyMatchingPods', async () => {
  const all: Pod[] = [];
  let token: string | undefined;
  do {
    const page = (await call(cluster, `/api/v1/namespaces/shop/pods?limit=100&labelSelector=${encodeURIComponent('app in (frontend,cart),tier!=none')}${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).json<PodList & { items: (Pod & { metadata: { labels: Record<string, string> } })[] }>();
    all.push(...page.items);
    for (const p of page.items) expect(['frontend', 'cart']).toContain(p.metadata.labels.app);
    token = page.metadata.continue;
  } while (token);
  expect(all.length).toBeGreaterThan(0);
  expect(all.every((p) => p.metadata.namespace === 'shop')).toBe(true);
});
