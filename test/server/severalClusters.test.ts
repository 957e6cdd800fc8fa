/**
 * Several clusters at once (issue 13), over real sockets against three demo clusters behind one
 * kubeconfig: one client's views of pods on each cluster hold exactly that cluster's pods (as
 * kubectl reads them), and one cluster's trouble reaches only its own views: with one cluster's
 * watches stalled and another stopped, the third stays healthy in every frame and in
 * `GET /api/v1/clusters`, while the other two say what is wrong with them.
 */
import { execFile } from 'node:child_process';
import type { HeartbeatFrame, ResetFrame, ServerFrame, StatusFrame } from '../../adapters/protocol.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { startBackend, type Backend } from '../../server/backend.js';
import { call, kubectlPath } from '../demo-cluster/client.js';
import { getJson, StreamClient, testConfig, waitFor } from './support.js';

const contexts = ['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3'] as const;

/** What the cluster holds, as `uid@resourceVersion`, read by kubectl through the same kubeconfig (or straight from its API without kubectl). */
async function truth(backend: Backend, index: number): Promise<string[]> {
  const demo = backend.demo!.clusters[index]!;
  let items: { metadata: { uid: string; resourceVersion: string } }[];
  if (kubectlPath) {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(kubectlPath!, ['--kubeconfig', backend.demo!.kubeconfigPath, '--context', contexts[index]!, 'get', 'pods', '-A', '-o', 'json'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    items = JSON.parse(out).items;
  } else {
    items = (await call(demo, '/api/v1/pods')).json<{ items: typeof items }>().items;
  }
  return items.map((p) => `${p.metadata.uid}@${p.metadata.resourceVersion}`).sort();
}

function rowsOf(frame: ResetFrame): string[] {
  return frame.items.map((r) => `${r.uid}@${r.resourceVersion}`).sort();
}

function upstreamOf(frame: ServerFrame) {
  return frame.type === 'heartbeat' || frame.type === 'status' || frame.type === 'reset' ? frame.upstream : null;
}

describe('several clusters', () => {
  let backend: Backend;
  let base: string;
  let demos: readonly DemoCluster[];
  beforeAll(async () => {
    backend = await startBackend({
      demo: { clusters: 3, nodes: 2, pods: 24, churn: 0, seed: 5 },
      port: 0,
      // A looser freshness bound than the other tests': the healthy cluster must stay healthy on a busy machine.
      config: { ...testConfig, freshnessBoundMs: 8000 },
    });
    base = backend.url.replace(/\/$/, '');
    demos = backend.demo!.clusters;
  });
  afterAll(() => backend.stop());

  test('the cluster list names every context and the default, and an idle cluster is probed, not started', async () => {
    const { status, body } = await getJson(`${base}/api/v1/clusters`);
    expect(status).toBe(200);
    expect(body.default).toBe('kubelive-demo');
    const names = body.clusters.map((c: { name: string }) => c.name);
    for (const name of contexts) expect(names).toContain(name);
    expect(names).toContain('kubelive-demo-2-jane');
    const second = body.clusters.find((c: { name: string }) => c.name === 'kubelive-demo-2');
    expect(second).toMatchObject({ default: false, inUse: false, server: demos[1]!.url.replace(/\/$/, ''), subscriptions: 0 });
    // Not in use, and probed for this list: the demo answers.
    expect(second.health).toBe('idle');
  });

  test('an unknown cluster is refused in a query and in a frame, and nothing starts', async () => {
    const before = (await getJson(`${base}/api/v1/diagnostics`)).body.clusters.inUse;
    const snapshot = await getJson(`${base}/api/v1/snapshot/pods?cluster=nope`);
    expect(snapshot.status).toBe(404);
    expect(snapshot.body.error).toBe('unknown-cluster');
    const object = await getJson(`${base}/api/v1/identity?cluster=${encodeURIComponent('kubelive-demo-9')}`);
    expect(object.status).toBe(404);
    expect(object.body.error).toBe('unknown-cluster');
    // A path that is no route starts no cluster, even one that exists.
    const typo = await getJson(`${base}/api/v1/snapshots/pods?cluster=kubelive-demo-3`);
    expect([typo.status, typo.body.error]).toEqual([404, 'not-found']);

    const client = await StreamClient.connect(base);
    client.send({ type: 'subscribe', id: 'x', cluster: 'nope', domain: 'pods', scope: '' });
    client.send({ type: 'subscribe', id: 'y', cluster: 42, domain: 'pods', scope: '' });
    const refused = await waitFor('two refusals', () => (client.errors().length >= 2 ? client.errors() : false));
    expect(refused.map((e) => e.type === 'error' && [e.id, e.code, e.fatal])).toEqual([
      ['x', 'unknown-cluster', true],
      ['y', 'malformed-frame', true],
    ]);
    const diagnostics = (await getJson(`${base}/api/v1/diagnostics`)).body;
    expect(diagnostics.clusters.inUse).toBe(before);
    const mine = diagnostics.clients.find((c: { framesIn: number; subscriptions: unknown[] }) => c.framesIn === 2);
    expect(mine.subscriptions).toEqual([]);
    client.close();
  });

  test('a request or frame that names no cluster goes to the default', async () => {
    const snapshot = await getJson(`${base}/api/v1/snapshot/pods`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.cluster).toBe('kubelive-demo');
    expect(snapshot.body.items.map((r: { uid: string; resourceVersion: string }) => `${r.uid}@${r.resourceVersion}`).sort()).toEqual(await truth(backend, 0));
    const client = await StreamClient.connect(base);
    client.send({ type: 'subscribe', id: 'd', domain: 'nodes', scope: '' });
    const reset = await client.next('d', 'reset');
    expect(reset.cluster).toBe('kubelive-demo');
    expect(reset.count).toBe(demos[0]!.listObjects('nodes').length);
    client.close();
  });

  test('every route takes ?cluster= and answers from that cluster alone', async () => {
    const q = '?cluster=kubelive-demo-2';
    const second = demos[1]!;
    const identity = (await getJson(`${base}/api/v1/identity${q}`)).body;
    expect(identity).toMatchObject({ context: 'kubelive-demo-2', server: second.url.replace(/\/$/, ''), demo: true });
    const counts = (await getJson(`${base}/api/v1/counts${q}`)).body;
    expect(counts.cluster).toBe('kubelive-demo-2');
    expect(counts.items.find((i: { domain: string }) => i.domain === 'core/v1/pods').count).toBe(second.listObjects('pods').length);
    const metrics = await getJson(`${base}/api/v1/metrics/nodes${q}`);
    expect([metrics.status, metrics.body.cluster]).toEqual([200, 'kubelive-demo-2']);
    const node = second.listObjects('nodes')[0] as { metadata: { name: string; uid: string } };
    const object = (await getJson(`${base}/api/v1/object/nodes/${node.metadata.name}${q}`)).body;
    expect(object.metadata.uid).toBe(node.metadata.uid);
    const actions = (await getJson(`${base}/api/v1/actions${q}`)).body;
    expect(actions).toMatchObject({ cluster: 'kubelive-demo-2', server: second.url.replace(/\/$/, '') });
    const diagnostics = (await getJson(`${base}/api/v1/diagnostics${q}`)).body;
    expect(diagnostics.cluster).toBe('kubelive-demo-2');
    expect(diagnostics.kube.server).toBe(second.url.replace(/\/$/, ''));
    expect(diagnostics.upstreams.length).toBeGreaterThan(0);
    expect(diagnostics.upstreams.every((u: { cluster: string }) => u.cluster === 'kubelive-demo-2')).toBe(true);
  });

  test('each cluster view holds its cluster; one stalled and one stopped leave the third healthy', async () => {
    const client = await StreamClient.connect(base);
    contexts.forEach((cluster, i) => client.send({ type: 'subscribe', id: `p${i}`, cluster, domain: 'pods', scope: '' }));
    const resets = await Promise.all(contexts.map((_, i) => client.next(`p${i}`, 'reset')));
    for (const [i, reset] of resets.entries()) {
      expect(reset.cluster).toBe(contexts[i]);
      expect(rowsOf(reset)).toEqual(await truth(backend, i));
    }
    // The clusters are of different sizes, so a view showing another cluster's pods could not pass the above.
    expect(new Set(resets.map((r) => r.count)).size).toBe(3);
    // Snapshots by `?cluster=` agree, each with its own cluster's pods.
    for (const [i, cluster] of contexts.entries()) {
      const { body } = await getJson(`${base}/api/v1/snapshot/pods?cluster=${cluster}`);
      expect(body.cluster).toBe(cluster);
      expect(body.count).toBe(resets[i]!.count);
    }
    await waitFor('every cluster in use to be healthy', async () => {
      const { body } = await getJson(`${base}/api/v1/clusters`);
      return contexts.every((name) => body.clusters.find((c: { name: string }) => c.name === name)?.health === 'healthy');
    });

    const from = client.frames.length;
    const faultedAt = Date.now();
    demos[1]!.faults.set({ fault: 'stall-watches', resource: 'pods' });
    await demos[2]!.stop();

    const unhealthy = (id: string) => () =>
      client.frames.slice(from).find((f): f is HeartbeatFrame | StatusFrame => (f.type === 'heartbeat' || f.type === 'status') && f.id === id && !f.upstream.healthy);
    const stalled = await waitFor('the stalled cluster to say so', unhealthy('p1'), 30_000);
    const stopped = await waitFor('the stopped cluster to say so', unhealthy('p2'), 30_000);
    console.log(`after ${Date.now() - faultedAt} ms: stalled cluster says "${stalled.upstream.reason}", stopped cluster says "${stopped.upstream.reason}"`);
    expect(stalled.upstream.reason).toMatch(/stalled|lapsed|proving|errors/);
    expect(stopped.upstream.reason).toEqual(expect.any(String));

    const list = await waitFor('the cluster list to say the same', async () => {
      const { body } = await getJson(`${base}/api/v1/clusters`);
      const byName = new Map<string, { health: string; reason: string | null; subscriptions: number }>(body.clusters.map((c: { name: string }) => [c.name, c]));
      return byName.get('kubelive-demo-3')?.health === 'unreachable' && byName.get('kubelive-demo-2')?.health === 'degraded' ? byName : false;
    }, 30_000);
    console.log(`after ${Date.now() - faultedAt} ms the cluster list agrees: ${[...list.values()].filter((c) => c.subscriptions > 0).map((c) => JSON.stringify(c)).join(' ')}`);
    expect(list.get('kubelive-demo')).toMatchObject({ health: 'healthy', reason: null, subscriptions: 1 });
    expect(list.get('kubelive-demo-2')!.reason).toMatch(/^pods: /);
    expect(list.get('kubelive-demo-3')!.reason).toEqual(expect.any(String));

    // The untouched cluster's heartbeats kept coming, every one of them healthy, and its view still holds its truth.
    const untouched = client.frames.slice(from).filter((f) => f.type !== 'error' && f.id === 'p0');
    expect(untouched.filter((f) => f.type === 'heartbeat').length).toBeGreaterThan(3);
    expect(untouched.filter((f) => upstreamOf(f)?.healthy === false)).toEqual([]);
    const last = untouched.filter((f): f is HeartbeatFrame => f.type === 'heartbeat').pop()!;
    expect(last.cluster).toBe('kubelive-demo');
    expect(last.count).toBe((await truth(backend, 0)).length);
    client.close();
  }, 90_000);
});

describe('clusters in use are bounded', () => {
  let backend: Backend;
  let base: string;
  beforeAll(async () => {
    backend = await startBackend({ demo: { clusters: 3, nodes: 1, pods: 6, churn: 0 }, port: 0, config: testConfig, clusterLimits: { maxInUse: 2, idleMs: 1500 } });
    base = backend.url.replace(/\/$/, '');
  });
  afterAll(() => backend.stop());

  const running = async () => {
    const { body } = await getJson(`${base}/api/v1/diagnostics`);
    return body.clusters.clusters.filter((c: { running: boolean }) => c.running).map((c: { name: string }) => c.name).sort();
  };

  test('past the bound a cluster is refused while every other one is held, made room for once one is let go, and disposed when idle', async () => {
    const client = await StreamClient.connect(base);
    client.send({ type: 'subscribe', id: 'two', cluster: 'kubelive-demo-2', domain: 'pods', scope: '' });
    await client.next('two', 'reset');
    expect(await running()).toEqual(['kubelive-demo', 'kubelive-demo-2']);

    const refused = await getJson(`${base}/api/v1/snapshot/pods?cluster=kubelive-demo-3`);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('too-many-clusters');
    expect(refused.headers.get('retry-after')).toEqual(expect.any(String));
    client.send({ type: 'subscribe', id: 'three', cluster: 'kubelive-demo-3', domain: 'pods', scope: '' });
    const error = await client.next('three', 'error');
    expect([error.code, error.fatal]).toEqual(['too-many-upstreams', true]);
    expect(await running()).toEqual(['kubelive-demo', 'kubelive-demo-2']);

    // Let go: the next cluster asked for takes its place at once.
    client.send({ type: 'unsubscribe', id: 'two' });
    await waitFor('the second cluster to be let go', async () => {
      const { body } = await getJson(`${base}/api/v1/diagnostics`);
      return body.clusters.clusters.find((c: { name: string }) => c.name === 'kubelive-demo-2').holds === 0;
    });
    const third = await getJson(`${base}/api/v1/snapshot/pods?cluster=kubelive-demo-3`);
    expect(third.status).toBe(200);
    expect(third.body.count).toBe(backend.demo!.clusters[2]!.listObjects('pods').length);
    expect(await running()).toEqual(['kubelive-demo', 'kubelive-demo-3']);

    // Unused past idleMs, a cluster's runtime goes; the default's stays.
    await waitFor('the third cluster to be disposed for idleness', async () => ((await running()).length === 1 ? true : false));
    expect(await running()).toEqual(['kubelive-demo']);
    client.close();
  }, 60_000);
});

describe('a slow cluster keeps its bounds to itself', () => {
  let backend: Backend;
  let base: string;
  beforeAll(async () => {
    backend = await startBackend({ demo: { clusters: 2, nodes: 1, pods: 8, churn: 0 }, port: 0, config: { ...testConfig, freshnessBoundMs: 3000 }, httpLimits: { maxConcurrentSnapshots: 1 } });
    base = backend.url.replace(/\/$/, '');
  });
  afterAll(() => backend.stop());

  const snapshotsOf = async (cluster: string) => (await getJson(`${base}/api/v1/diagnostics?cluster=${cluster}`)).body.http.snapshots;

  test("a snapshot read slowly from one cluster holds that cluster's only slot, not the other's", async () => {
    const slow = backend.demo!.clusters[1]!;
    const client = await StreamClient.connect(base);
    client.send({ type: 'subscribe', id: 'p', cluster: 'kubelive-demo-2', domain: 'pods', scope: '' });
    await client.next('p', 'reset');
    // Its watch goes silent, so its snapshots are read fresh from the API server, which now answers slowly.
    slow.faults.set({ fault: 'stall-watches', resource: 'pods' });
    await waitFor('the stalled upstream to be unhealthy', () => client.frames.some((f) => f.type === 'status' && f.id === 'p' && !f.upstream.healthy), 30_000);
    // Once it has relisted and watches again (still unproven), a fresh read starts at once, inside the slot.
    await waitFor('the stalled upstream to watch again, unproven', async () => {
      const d = (await getJson(`${base}/api/v1/diagnostics?cluster=kubelive-demo-2`)).body;
      const pods = d.upstreams.find((u: { key: string }) => u.key === 'pods');
      return pods.state === 'watching' && !pods.report.healthy;
    }, 30_000);
    slow.faults.set({ fault: 'slow', resource: 'pods', ms: 8000 });
    const held = getJson(`${base}/api/v1/snapshot/pods?cluster=kubelive-demo-2`);
    await waitFor("the slow cluster's only snapshot slot to be taken", async () => {
      const snapshots = await snapshotsOf('kubelive-demo-2');
      return snapshots.inFlight === 1 && snapshots.max === 1;
    }, 30_000);

    const other = await getJson(`${base}/api/v1/snapshot/pods`);
    expect(other.status).toBe(200);
    expect(other.body.cluster).toBe('kubelive-demo');
    expect(other.body.count).toBe(backend.demo!.clusters[0]!.listObjects('pods').length);
    // The slot was still held while the other cluster was served.
    expect((await snapshotsOf('kubelive-demo-2')).inFlight).toBe(1);

    slow.faults.clear();
    const answered = await held;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ cluster: 'kubelive-demo-2', source: 'api', count: slow.listObjects('pods').length });
    client.close();
  }, 60_000);
});
