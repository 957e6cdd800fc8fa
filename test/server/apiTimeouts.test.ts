/**
 * Requests to the API server end: a slow or black-holed cluster answers our callers with 504
 * naming the cluster and the request (reads, writes and watch starts each have their deadline),
 * and a kubeconfig that changes under a running backend (a recreated cluster with a new CA,
 * token and port; or rotated credentials found through a 401) is picked up without a restart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiError, KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { startDemoCluster } from '../../demo-cluster/index.js';
import { startBackend } from '../../server/serve.js';
import { demoDigest, getJson, startStack, testConfig, waitFor, type Stack } from './support.js';

describe('deadlines on API server requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { nodes: 2, pods: 4 }, config: { apiReadTimeoutMs: 400, apiWriteTimeoutMs: 400, watchStartTimeoutMs: 400 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  const node = () => (stack.demo.listObjects('nodes')[0] as { metadata: { name: string } }).metadata.name;

  test('aSlowReadAnswers504NamingTheClusterAndTheRequest', async () => {
    stack.demo.faults.set({ fault: 'slow', resource: 'nodes', ms: 5000 });
    const started = Date.now();
    const answer = await getJson(`${stack.base}/api/v1/object/nodes/${node()}`);
    expect(answer.status).toBe(504);
    expect(answer.body.error).toBe('upstream-timeout');
    expect(answer.body.reason).toContain(stack.backend.kube.server);
    expect(answer.body.reason).toContain(stack.backend.kube.context);
    expect(answer.body.reason).toContain(`GET /api/v1/nodes/${node()}`);
    // Answered at the deadline, not when the slow cluster finally would have.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test('aSlowWriteAnswers504', async () => {
    stack.demo.faults.set({ fault: 'slow', resource: 'nodes', ms: 5000 });
    const answer = await getJson(`${stack.base}/api/v1/nodes/${node()}/cordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(answer.status).toBe(504);
    expect(answer.body.reason).toContain(`PATCH /api/v1/nodes/${node()}`);
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.kube.timedOut.write).toBeGreaterThanOrEqual(1);
    stack.demo.faults.clear();
    // Had the cluster applied it late, the caller was told it might have: uncordon either way.
    expect((await getJson(`${stack.base}/api/v1/nodes/${node()}/uncordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
  });

  test('aWatchThatNeverStartsIsAbandonedAtItsDeadline', async () => {
    stack.demo.faults.set({ fault: 'blackhole-watches', resource: 'namespaces' });
    await getJson(`${stack.base}/api/v1/snapshot/namespaces`);
    const timedOut = await waitFor('a watch start to time out', async () => {
      const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
      return diagnostics.body.kube.timedOut.watchStart > 0 ? diagnostics.body : undefined;
    });
    const upstream = timedOut.upstreams.find((u: { key: string }) => u.key === 'namespaces');
    expect(upstream.lastError ?? '').toMatch(/did not start answering within 400 ms|watch/);
  });
});

describe('the kubeconfig is read again', () => {
  test('aClusterRecreatedInTheSameKubeconfigFileIsPickedUp', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kubelive-kubeconfig-')), 'config');
    const a = await startDemoCluster({ port: 0, nodes: 2, pods: 4, seed: 1, kubeconfigOut: file, bookmarkIntervalMs: 1000 });
    let b: Awaited<ReturnType<typeof startDemoCluster>> | null = null;
    const backend = await startBackend({ kubeconfigPath: file, port: 0, config: testConfig });
    try {
      const nodes = async () => (await getJson(`${backend.url}api/v1/snapshot/nodes`)).body;
      await waitFor('cluster A served', async () => (await nodes()).count === 2);
      const serverA = a.url;
      await a.stop();
      // B: another port, CA and token, written to the same file.
      b = await startDemoCluster({ port: 0, nodes: 5, pods: 4, seed: 2, kubeconfigOut: file, bookmarkIntervalMs: 1000 });
      expect(b.url).not.toBe(serverA);
      const fromB = await waitFor('cluster B served', async () => {
        const body = await nodes();
        return body.count === 5 && body.source === 'cache' ? body : undefined;
      }, 30_000);
      expect({ count: fromB.count, digest: fromB.digest }).toEqual(demoDigest(b, 'nodes'));
      const diagnostics = await getJson(`${backend.url}api/v1/diagnostics`);
      expect(diagnostics.body.kube.server).toBe(b.url.replace(/\/$/, ''));
      expect(diagnostics.body.kube.kubeconfigReloads).toBeGreaterThanOrEqual(1);
    } finally {
      await backend.stop();
      await b?.stop();
    }
  }, 60_000);

  test('a401RereadsTheKubeconfigOnceAndRetriesOnce', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelive-kubeconfig-'));
    const cluster = await startDemoCluster({ port: 0, nodes: 2, pods: 0, kubeconfigOut: join(dir, 'good') });
    try {
      const good = readFileSync(cluster.kubeconfigPath, 'utf8');
      const stale = good.replace(cluster.token, 'a-token-that-was-rotated-away');
      expect(stale).not.toBe(good);
      const file = join(dir, 'config');
      writeFileSync(file, stale);
      const client = new KubeClient(loadKubeConfig({ kubeconfigPath: file }), { reloadFrom: { kubeconfigPath: file } });

      // Still stale on disk: one re-read, one retry, then the 401 is reported.
      const refused = await client.requestJson('GET', '/api/v1/nodes').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(KubeApiError);
      expect((refused as KubeApiError).status).toBe(401);
      expect(client.reloads).toBe(1);

      // Rotated on disk: the 401 finds the new token and the request succeeds.
      writeFileSync(file, good);
      const list = await client.requestJson<{ items: unknown[] }>('GET', '/api/v1/nodes');
      expect(list.items).toHaveLength(2);
      expect(client.reloads).toBe(2);
      client.close();
    } finally {
      await cluster.stop();
    }
  });
});
