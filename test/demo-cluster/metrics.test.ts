/**
 * metrics.k8s.io samples: a new sample only every resolution (so a faster poll honestly sees the
 * same sample again), each with its timestamp and window, and usage that moves between samples.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, waitUntil } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 5, metricsResolutionMs: 1000 });
});
afterAll(() => cluster.stop());

interface NodeMetricsList {
  items: { metadata: { name: string }; timestamp: string; window: string; usage: { cpu: string; memory: string } }[];
}

const readNodes = async (): Promise<NodeMetricsList> => (await call(cluster, '/apis/metrics.k8s.io/v1beta1/nodes')).json<NodeMetricsList>();

test('nodeMetricsRepeatWithinASampleAndMoveToTheNextOne', async () => {
  // Two reads that fall in the same sample return identical usage.
  const [a, b] = await waitUntil(async () => {
    const first = await readNodes();
    const second = await readNodes();
    return first.items[0]?.timestamp === second.items[0]?.timestamp ? [first, second] : undefined;
  }, 'two reads fell within one sample');
  expect(b.items).toEqual(a.items);
  expect(a.items[0]?.window).toBe('1s');
  expect(a.items).toHaveLength(cluster.listObjects('nodes').length);
  // The next sample carries a later timestamp, a whole number of resolutions on, and new usage.
  const later = await waitUntil(async () => {
    const next = await readNodes();
    return next.items[0]?.timestamp !== a.items[0]?.timestamp ? next : undefined;
  }, 'a new sample was taken');
  const step = Date.parse(later.items[0]!.timestamp) - Date.parse(a.items[0]!.timestamp);
  expect(step).toBeGreaterThanOrEqual(1000);
  expect(step % 1000).toBe(0);
  expect(later.items.map((i) => i.usage)).not.toEqual(a.items.map((i) => i.usage));
});

test('podMetricsCoverRunningPodsWithPerContainerUsage', async () => {
  const r = await call(cluster, '/apis/metrics.k8s.io/v1beta1/namespaces/data/pods');
  expect(r.status).toBe(200);
  const list = r.json<{ kind: string; items: { metadata: { name: string; namespace: string }; containers: { name: string; usage: { cpu: string; memory: string } }[] }[] }>();
  expect(list.kind).toBe('PodMetricsList');
  // Running with a container up: one backing off in a crash loop has no usage to report.
  const running = (cluster.listObjects('pods', 'data') as { status: { phase: string; containerStatuses?: { state: { running?: unknown } }[] } }[]).filter(
    (p) => p.status.phase === 'Running' && (p.status.containerStatuses ?? []).some((c) => c.state.running !== undefined),
  );
  expect(list.items).toHaveLength(running.length);
  for (const item of list.items) {
    expect(item.metadata.namespace).toBe('data');
    expect(item.containers[0]?.usage.cpu).toMatch(/^\d+n$/);
    expect(item.containers[0]?.usage.memory).toMatch(/^\d+Ki$/);
  }
  const one = await call(cluster, `/apis/metrics.k8s.io/v1beta1/namespaces/data/pods/${list.items[0]!.metadata.name}`);
  expect(one.json().kind).toBe('PodMetrics');
});

test('withoutMetricsTheGroupIsAbsentFromDiscoveryAndEveryPathIs404', async () => {
  const bare = await startDemoCluster({ seed: 4, metrics: false });
  try {
    const groups = (await call(bare, '/apis')).json().groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'batch']));
    expect(groups).not.toContain('metrics.k8s.io');
    for (const path of ['/apis/metrics.k8s.io', '/apis/metrics.k8s.io/v1beta1', '/apis/metrics.k8s.io/v1beta1/nodes', '/apis/metrics.k8s.io/v1beta1/namespaces/data/pods']) {
      const r = await call(bare, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    }
    expect((await call(bare, '/api/v1/nodes')).status).toBe(200);
  } finally {
    await bare.stop();
  }
});
