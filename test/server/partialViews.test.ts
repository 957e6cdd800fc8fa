/**
 * Partial views, over real sockets on the demo cluster with its namespace-limited user `jane`
 * (RBAC enforced by the cluster, as kube-apiserver does): the pods view of all namespaces holds
 * exactly the pods of the namespaces jane may list (compared with what the admin's kubectl reads
 * in each), says it is partial, gains a namespace within one recheck of a grant made while it
 * runs and loses it after a revocation; a view with nothing permitted stays `forbidden`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import type { Row, ServerFrame } from '../../adapters/protocol.js';
import WebSocket from 'ws';
import { createEngine, type SocketLike } from '../../adapters/engine/engine.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { kubectl, kubectlPath } from '../demo-cluster/client.js';
import { getJson, MiniStore, StreamClient, testConfig, feed, waitFor } from './support.js';

const recheckMs = 1500;

describe('partial views for a user limited to some namespaces', () => {
  let demo: DemoCluster;
  let backend: Backend;
  let base: string;
  let client: StreamClient;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-partial-'));
    demo = await startDemoCluster({ port: 0, nodes: 3, pods: 60, churn: 0, seed: 7, bookmarkIntervalMs: 1000 });
    backend = await startBackend({
      kubeconfigYaml: demo.kubeconfigYaml,
      context: demo.users.contexts.namespaceUser,
      port: 0,
      config: { ...testConfig, permissionsRecheckMs: recheckMs },
    });
    base = backend.url.replace(/\/$/, '');
    client = await StreamClient.connect(base);
  });
  afterAll(async () => {
    client?.close();
    await backend?.stop();
    await demo?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  /** The pod names in a namespace as the admin reads them: kubectl when there is one, else the cluster's own store. */
  async function adminPods(namespace: string): Promise<string[]> {
    if (kubectlPath) {
      const r = await kubectl(demo.kubeconfigPath, ['--cache-dir', cacheDir, '--context', demo.users.contexts.admin, 'get', 'pods', '-n', namespace, '-o', 'name']);
      expect(r.code).toBe(0);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => `${namespace}/${l.replace(/^pod\//, '')}`).sort();
    }
    return (demo.listObjects('pods', namespace) as { metadata: { name: string } }[]).map((p) => `${namespace}/${p.metadata.name}`).sort();
  }

  const names = (rows: Iterable<Row>) => [...rows].map((r) => { const p = r as { namespace?: string; name?: string }; return `${p.namespace}/${p.name}`; }).sort();

  /** Creates (or deletes) as the admin, through the demo cluster's API with the admin token. */
  async function asAdmin(method: 'POST' | 'DELETE', path: string, body?: object): Promise<number> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const payload = body ? JSON.stringify(body) : undefined;
      const req = request(new URL(path, demo.url), { method, ca: demo.caPem, headers: { Authorization: `Bearer ${demo.token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const grant = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'jane-monitoring', namespace: 'monitoring' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }],
  };

  test('thePodsViewHoldsExactlyThePodsOfJanesNamespacesAndSaysItIsPartial', async () => {
    const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
    client.send({ type: 'subscribe', id: 'pods', domain: 'pods', scope: '' });
    const reset = await client.next('pods', 'reset');
    expect(names(reset.items)).toEqual([...(await adminPods(shop)), ...(await adminPods(payments))].sort());
    const namespaces = (demo.listObjects('namespaces') as { metadata: { name: string } }[]).map((n) => n.metadata.name);
    expect(reset.upstream.healthy).toBe(true);
    expect(reset.upstream.partial).toMatchObject({ namespaces: [payments, shop].sort(), total: namespaces.length, summary: `pods in 2 of ${namespaces.length} namespaces` });
    const refused = reset.upstream.partial!.refused.map((r) => r.namespace);
    expect(refused.sort()).toEqual(namespaces.filter((n) => n !== shop && n !== payments).sort());
    expect(reset.upstream.partial!.refused[0]!.reason).toMatch(/list and watch not permitted|cannot list/);

    // The snapshot says the same, from the same upstreams.
    const snapshot = await getJson(`${base}/api/v1/snapshot/pods?scope=`);
    expect(snapshot.status).toBe(200);
    expect(names(snapshot.body.items)).toEqual(names(reset.items));
    expect(snapshot.body.upstream.partial.summary).toBe(`pods in 2 of ${namespaces.length} namespaces`);

    // Diagnostics: what is permitted and refused, and why; one upstream per permitted namespace, each with its own proof.
    const diagnostics = (await getJson(`${base}/api/v1/diagnostics`)).body;
    const pods = diagnostics.permissions.resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods.access.kind).toBe('namespaces');
    expect(pods.access.permitted).toEqual([payments, shop].sort());
    expect(pods.access.clusterWideRefusal).toBe('cannot list pods at the cluster scope');
    expect(pods.access.sources).toContain('namespace list');
    expect(diagnostics.permissions.user).toEqual({ username: 'jane', groups: ['kubelive-demo:developers', 'system:authenticated'] });
    const keys = diagnostics.upstreams.map((u: { key: string }) => u.key);
    expect(keys).toEqual(expect.arrayContaining([`pods@${shop}`, `pods@${payments}`]));
    expect(keys).not.toContain('pods');
    for (const ns of [shop, payments]) {
      const upstream = diagnostics.upstreams.find((u: { key: string }) => u.key === `pods@${ns}`);
      expect(upstream.proof.passed).toBeGreaterThanOrEqual(0);
      expect(upstream.report.healthy).toBe(true);
    }
  });

  test('aGrantMadeWhileItRunsAddsTheNamespaceWithinOneRecheckAndARevocationRemovesIt', async () => {
    const store = new MiniStore();
    let fed = feed(store, client, 'pods', 0);
    const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
    const granted = Date.now();
    expect(await asAdmin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/monitoring/rolebindings', grant)).toBe(201);
    const expected = [...(await adminPods(shop)), ...(await adminPods(payments)), ...(await adminPods('monitoring'))].sort();
    await waitFor('the view to gain monitoring', () => {
      fed = feed(store, client, 'pods', fed);
      return names(store.rows.values()).join() === expected.join();
    }, recheckMs * 2 + 10_000);
    // One recheck, plus the new namespace's first list and the reset it is owed.
    expect(Date.now() - granted).toBeLessThan(recheckMs + 8_000);
    const lastReset = client.framesFor('pods').filter((f): f is Extract<ServerFrame, { type: 'reset' }> => f.type === 'reset').at(-1)!;
    expect(lastReset.upstream.partial?.namespaces).toEqual(['monitoring', payments, shop].sort());

    expect(await asAdmin('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/monitoring/rolebindings/jane-monitoring')).toBe(200);
    const without = [...(await adminPods(shop)), ...(await adminPods(payments))].sort();
    await waitFor('the view to lose monitoring', () => {
      fed = feed(store, client, 'pods', fed);
      return names(store.rows.values()).join() === without.join();
    }, recheckMs * 2 + 10_000);
    expect(store.gaps).toEqual([]);
    // The store keeps agreeing with the heartbeats of the new plan.
    const mark = store.heartbeatsAgreeing;
    await waitFor('agreeing heartbeats after the revocation', () => {
      fed = feed(store, client, 'pods', fed);
      return store.heartbeatsAgreeing >= mark + 2;
    });
    expect(store.disagreements.filter((d) => !d.startsWith('heartbeat'))).toEqual([]);
  }, 60_000);

  test('aResourceDomainIsNarrowedTheSameWay', async () => {
    const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
    client.send({ type: 'subscribe', id: 'cm', domain: 'core/v1/configmaps', scope: '' });
    const reset = await client.next('cm', 'reset');
    const expected = [shop, payments].flatMap((ns) => (demo.listObjects('configmaps', ns) as { metadata: { name: string } }[]).map((c) => `${ns}/${c.metadata.name}`)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(names(reset.items)).toEqual(expected);
    expect(reset.columns?.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(reset.upstream.partial?.summary).toMatch(/^core\/v1\/configmaps in 2 of \d+ namespaces$/);
    client.send({ type: 'unsubscribe', id: 'cm' });
  });

  test('theSidebarCountsOfAllNamespacesAreOfTheNamespacesThePartialViewsCover', async () => {
    const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
    const counts = (await getJson(`${base}/api/v1/counts?scope=`)).body.items as { domain: string; count: number | null; reason: string | null; namespaces?: string[] }[];
    const configmaps = counts.find((c) => c.domain === 'core/v1/configmaps')!;
    expect(configmaps.count).toBe(demo.listObjects('configmaps', shop).length + demo.listObjects('configmaps', payments).length);
    expect(configmaps.namespaces).toEqual([payments, shop].sort());
    const nodes = counts.find((c) => c.domain === 'core/v1/nodes')!;
    expect(nodes).toMatchObject({ count: null, reason: 'forbidden' });
  });

  test('aHeadlessEngineHoldsThePartialViewStreamingHealthyWithItsNote', async () => {
    const [shop, payments] = demo.users.namespaceUserNamespaces as [string, string];
    const engine = createEngine({ server: backend.url, config: testConfig, socket: (url) => new WebSocket(url) as unknown as SocketLike });
    try {
      engine.subscribe('pods', '');
      const row = await waitFor('pods streamingHealthy', () => {
        const r = engine.diagnostics().rows.find((x) => x.key === 'pods:');
        return r?.state === 'streamingHealthy' ? r : undefined;
      });
      expect(row.upstream?.partial?.namespaces).toEqual([payments, shop].sort());
      expect(names(engine.store.rows('pods:'))).toEqual([...(await adminPods(shop)), ...(await adminPods(payments))].sort());
      // Nothing permitted at all: blocked.permissions, as before.
      engine.subscribe('pods', 'kube-system');
      const blocked = await waitFor('pods:kube-system blocked', () => {
        const r = engine.diagnostics().rows.find((x) => x.key === 'pods:kube-system');
        return r?.state.startsWith('blocked') ? r : undefined;
      });
      expect(blocked.reason).toBe('permissions');
    } finally {
      engine.stop();
    }
  });

  test('aViewWithNothingPermittedIsForbidden', async () => {
    client.send({ type: 'subscribe', id: 'mon', domain: 'pods', scope: 'kube-system' });
    const status = await waitFor('a forbidden status', () =>
      client.framesFor('mon').find((f): f is Extract<ServerFrame, { type: 'status' }> => f.type === 'status' && f.upstream.state === 'forbidden'),
    );
    expect(status.upstream.healthy).toBe(false);
    expect(status.upstream.partial).toBeUndefined();
    client.send({ type: 'unsubscribe', id: 'mon' });
  });

  test('aViewScopedToAPermittedNamespaceIsServedFromThatNamespace', async () => {
    const shop = demo.users.namespaceUserNamespaces[0]!;
    client.send({ type: 'subscribe', id: 'shop-workloads', domain: 'workloads', scope: shop });
    const reset = await client.next('shop-workloads', 'reset');
    expect(reset.upstream.partial).toBeUndefined();
    const expected = ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs'].reduce((n, r) => n + demo.listObjects(r, shop).length, 0);
    expect(reset.items.length).toBe(expected);
    client.send({ type: 'unsubscribe', id: 'shop-workloads' });
  });
});

describe('the admin keeps one cluster-wide list-watch', () => {
  test('anAdminsPodsViewIsNotPartial', async () => {
    const demo = await startDemoCluster({ port: 0, nodes: 2, pods: 20, seed: 3, bookmarkIntervalMs: 1000 });
    const backend = await startBackend({ kubeconfigYaml: demo.kubeconfigYaml, port: 0, config: testConfig });
    try {
      const snapshot = await getJson(`${backend.url.replace(/\/$/, '')}/api/v1/snapshot/pods?scope=`);
      expect(snapshot.body.count).toBe(demo.listObjects('pods').length);
      expect(snapshot.body.upstream.partial).toBeUndefined();
      const diagnostics = (await getJson(`${backend.url.replace(/\/$/, '')}/api/v1/diagnostics`)).body;
      expect(diagnostics.permissions.resources.find((r: { resource: string }) => r.resource === 'pods').access).toEqual({ kind: 'cluster' });
      expect(diagnostics.upstreams.map((u: { key: string }) => u.key)).toContain('pods');
    } finally {
      await backend.stop();
      await demo.stop();
    }
  });
});


describe('a revocation between rechecks', () => {
  test('aNamespaceWhoseListWatchIsRefusedIsRecheckedAtOnceAndLeavesTheView', async () => {
    const demo = await startDemoCluster({ port: 0, nodes: 3, pods: 60, churn: 0, seed: 7, bookmarkIntervalMs: 1000 });
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-data', namespace: 'data' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }],
    };
    const { request } = await import('node:https');
    const admin = (method: string, path: string, body?: object) =>
      new Promise<number>((resolve, reject) => {
        const payload = body ? JSON.stringify(body) : undefined;
        const req = request(new URL(path, demo.url), { method, ca: demo.caPem, headers: { Authorization: `Bearer ${demo.token}`, ...(payload ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(payload);
      });
    expect(await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/data/rolebindings', binding)).toBe(201);
    // The round is ten minutes away: only the refusal can bring the recheck.
    const backend = await startBackend({ kubeconfigYaml: demo.kubeconfigYaml, context: demo.users.contexts.namespaceUser, port: 0, config: { ...testConfig, permissionsRecheckMs: 600_000 } });
    const client = await StreamClient.connect(backend.url.replace(/\/$/, ''));
    try {
      client.send({ type: 'subscribe', id: 'pods', domain: 'pods', scope: '' });
      const reset = await client.next('pods', 'reset');
      expect(reset.upstream.partial?.namespaces).toEqual(['data', 'payments', 'shop']);
      expect(await admin('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/data/rolebindings/jane-data')).toBe(200);
      const revokedAt = Date.now();
      const after = await waitFor('a reset without data', () =>
        client.frames.find((f): f is Extract<ServerFrame, { type: 'reset' }> => f.type === 'reset' && f.id === 'pods' && f !== reset && f.upstream.partial?.namespaces.join() === 'payments,shop'),
        40_000,
      );
      expect(after.items.every((r) => (r as { namespace?: string }).namespace !== 'data')).toBe(true);
      expect(Date.now() - revokedAt).toBeLessThan(30_000);
    } finally {
      client.close();
      await backend.stop();
      await demo.stop();
    }
  }, 60_000);
});
