/**
 * A cluster without metrics-server: the backend says so plainly (503 `metrics-unavailable`),
 * remembers it instead of asking the API server on every poll, looks at discovery again after
 * `metricsAbsenceRecheckMs`, and keeps serving everything else. Against real demo clusters, one
 * started with `metrics: false` (404 and no metrics.k8s.io in discovery).
 */
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { MetricsCache, MetricsUnavailableError, metricsAbsenceRecheckMs } from '../../server/metricsCache.js';
import { getJson, startStack, testConfig, type Stack } from './support.js';

const metricsApi = '/apis/metrics.k8s.io';

/** Requests the demo cluster received under metrics.k8s.io: lists and discovery alike. */
function metricsRequests(demo: DemoCluster): number {
  return Object.entries(demo.requestCounts())
    .filter(([key]) => key.startsWith(`GET ${metricsApi}`))
    .reduce((sum, [, n]) => sum + n, 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a cluster that serves no metrics.k8s.io', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ demo: { metrics: false } });
  });

  afterAll(async () => {
    await stack.stop();
  });

  test('answersMetricsUnavailableAndDoesNotAskAgainEveryPoll', async () => {
    const first = await getJson(`${stack.base}/api/v1/metrics/node-metrics`);
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ error: 'metrics-unavailable', reason: 'metrics.k8s.io is not served by this cluster (no metrics-server)' });
    const retryAfter = Number(first.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(metricsAbsenceRecheckMs / 1000);
    // One list that got the 404, and one discovery request that confirmed the group is absent.
    expect(metricsRequests(stack.demo)).toBe(2);

    // Polls at the client's cadence (and past it, when an ordinary failure would be retried), for
    // every metrics domain and scope, through both routes: the remembered answer, with no new request.
    const paths = ['/api/v1/metrics/node-metrics', '/api/v1/metrics/pod-metrics', '/api/v1/metrics/pod-metrics?scope=default', '/api/v1/snapshot/pod-metrics'];
    for (let poll = 0; poll < 3; poll++) {
      await sleep(testConfig.metricsIntervalMs!);
      for (const path of paths) {
        const answer = await getJson(`${stack.base}${path}`);
        expect([answer.status, answer.body.error]).toEqual([503, 'metrics-unavailable']);
      }
    }
    expect(metricsRequests(stack.demo)).toBe(2);
  }, 20_000);

  test('showsEverythingElse', async () => {
    const nodes = await getJson(`${stack.base}/api/v1/snapshot/nodes`);
    const pods = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    expect(nodes.status).toBe(200);
    expect(nodes.body.items).toHaveLength(stack.demo.listObjects('nodes').length);
    expect(pods.status).toBe(200);
    expect(pods.body.items).toHaveLength(stack.demo.listObjects('pods').length);
  });

  test('badMetricsRequestsStillGetTheirOwnErrors', async () => {
    const unknown = await getJson(`${stack.base}/api/v1/metrics/widgets`);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'unknown-domain']);
  });
});

describe('MetricsCache against a real API server', () => {
  let absent: DemoCluster;
  let present: DemoCluster;

  beforeAll(async () => {
    [absent, present] = await Promise.all([startDemoCluster({ nodes: 2, pods: 10, metrics: false }), startDemoCluster({ nodes: 2, pods: 10 })]);
  });

  afterAll(async () => {
    await Promise.all([absent.stop(), present.stop()]);
  });

  const cacheFor = (demo: DemoCluster) => new MetricsCache(new KubeClient(loadKubeConfig({ kubeconfigYaml: demo.kubeconfigYaml })), () => 1000);

  test('looksAtDiscoveryAgainOnlyAfterTheRecheckInterval', async () => {
    const cache = cacheFor(absent);
    const t0 = 1_000_000;
    await expect(cache.get('node-metrics', '', t0)).rejects.toBeInstanceOf(MetricsUnavailableError);
    expect(metricsRequests(absent)).toBe(2);

    const meanwhile = cache.get('pod-metrics', 'default', t0 + metricsAbsenceRecheckMs / 2);
    await expect(meanwhile).rejects.toMatchObject({ code: 'metrics-unavailable', retryAfterMs: metricsAbsenceRecheckMs / 2 });
    expect(metricsRequests(absent)).toBe(2);

    // Due again: discovery alone is asked (still absent), not the metrics lists.
    await expect(cache.get('node-metrics', '', t0 + metricsAbsenceRecheckMs + 1)).rejects.toMatchObject({ code: 'metrics-unavailable', retryAfterMs: metricsAbsenceRecheckMs });
    expect(absent.requestCounts()[`GET ${metricsApi}`]).toBe(2);
    expect(metricsRequests(absent)).toBe(3);
    expect(cache.discoveryChecks).toBe(2);
  });

  test('aMetricsServerThatIsDownIsAnOrdinaryFailureNotAnAbsence', async () => {
    const cache = cacheFor(present);
    present.faults.set({ fault: 'stop-metrics' });
    const down = await cache.get('node-metrics', '').catch((error: unknown) => error);
    expect(down).not.toBeInstanceOf(MetricsUnavailableError);
    expect(down).toMatchObject({ status: 503 });
    expect(cache.unavailable).toBe(false);
    present.faults.clear();
    const body = await cache.get('node-metrics', '', Date.now() + 10_000);
    expect(body.count).toBe(2);
  });
});
