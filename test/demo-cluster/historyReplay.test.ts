/**
 * A watch from a resourceVersion inside the history window replays exactly what a watch open
 * all along was sent: the same versions, whole, in the same order, filtered by the same
 * selectors and namespace. The store keeps a superseded version as its object only and writes
 * its text afresh for a replay (store.ts, `json`), so the live watches here read each version's
 * text while it was current and the replays read it after it was superseded. The replays are
 * read by clients we did not write (client-node's Watch, kubectl) as well as a raw stream.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, requireKubectlInCi, waitUntil, watch, type WatchEvent } from './client.js';

interface Pod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; labels?: Record<string, string>; ownerReferences?: { kind: string }[] };
  status?: { phase?: string };
}

let cluster: DemoCluster;
/** How long each replay stays open: it ends at its deadline, having replayed everything long before. */
const replaySeconds = 8;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 23, nodes: 3, pods: 240, churn: 0 });
});
afterAll(() => cluster.stop());

/** The events up to and including the first that `isLast`; what follows may be later settling. */
function upTo(events: readonly WatchEvent[], isLast: (e: WatchEvent) => boolean): WatchEvent[] {
  const end = events.findIndex(isLast);
  if (end < 0) throw new Error(`the last change is not among ${events.length} events`);
  return events.slice(0, end + 1);
}

/** client-node's Watch from `resourceVersion`, read until the server ends it. */
function clientNodeReplay(resourceVersion: string, labelSelector: string): Promise<WatchEvent[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const events: WatchEvent[] = [];
  return new Promise((resolve, reject) => {
    new Watch(kc)
      .watch('/api/v1/pods', { resourceVersion, labelSelector, timeoutSeconds: replaySeconds }, (type: string, object: unknown) => events.push({ type, object }), (error: unknown) => (error ? reject(error) : resolve(events)))
      .catch(reject);
  });
}

test('aWatchFromTheHistoryWindowReplaysEveryVersionAsALiveWatchWasSentIt', async () => {
  requireKubectlInCi();
  const rv: string = (await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
  const pods = cluster.listObjects('pods') as Pod[];
  const running = (namespace: string) => (cluster.listObjects('pods', namespace) as Pod[]).filter((p) => p.status?.phase === 'Running');
  // Two running pods of one ReplicaSet'd app in one namespace: each deleted in turn, and replaced.
  const replaced = pods.filter((p) => p.status?.phase === 'Running' && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
  const victim = replaced.find((p) => replaced.some((q) => q !== p && q.metadata.namespace === p.metadata.namespace && q.metadata.labels?.app === p.metadata.labels?.app))!;
  const { namespace } = victim.metadata;
  const app = victim.metadata.labels!.app!;
  const last = replaced.find((q) => q !== victim && q.metadata.namespace === namespace && q.metadata.labels?.app === app)!;
  const runningBefore = running(namespace).length;
  const path = {
    all: `/api/v1/pods?watch=1&resourceVersion=${rv}`,
    app: `/api/v1/pods?watch=1&resourceVersion=${rv}&labelSelector=app%3D${app}`,
    running: `/api/v1/namespaces/${namespace}/pods?watch=1&resourceVersion=${rv}&fieldSelector=status.phase%3DRunning`,
  };
  // Open all along: each version's text is read while that version is current.
  const live = { all: await watch(cluster, path.all), app: await watch(cluster, path.app), running: await watch(cluster, path.running) };
  try {
    // Every pod changes several times; the app's pods leave by deletion and their replacements
    // enter; the namespace's running pods lose the victim and gain its replacement once it runs
    // (a Pending pod's change to Running: entering the field selector).
    expect(cluster.load(pods.length * 2)).toBe(pods.length * 2);
    const remove = (pod: Pod) => call(cluster, `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' });
    expect((await remove(victim)).status).toBe(200);
    await waitUntil(() => running(namespace).length === runningBefore && !running(namespace).some((p) => p.metadata.uid === victim.metadata.uid), 'the deleted pod replaced and running', 60_000);
    cluster.load(pods.length);
    // The last change, which every watch here is sent.
    expect((await remove(last)).status).toBe(200);
    const isLast = (e: WatchEvent) => e.type === 'DELETED' && e.object.metadata.uid === last.metadata.uid;
    for (const [name, w] of Object.entries(live)) await waitUntil(() => w.events.some(isLast), `the live ${name} watch saw the last change`, 60_000);
    const sent = { all: upTo(live.all.events, isLast), app: upTo(live.app.events, isLast), running: upTo(live.running.events, isLast) };

    // What the replays must cover: superseded versions, and the selectors' entries and exits.
    const versionsPerPod = new Map<string, number>();
    for (const e of sent.all) versionsPerPod.set(e.object.metadata.uid, (versionsPerPod.get(e.object.metadata.uid) ?? 0) + 1);
    expect([...versionsPerPod.values()].filter((n) => n >= 3).length).toBeGreaterThanOrEqual(pods.length - 1);
    expect(new Set(sent.app.map((e) => e.type))).toEqual(new Set(['ADDED', 'MODIFIED', 'DELETED']));
    expect(sent.running.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.uid)).toEqual([victim.metadata.uid, last.metadata.uid]);
    expect(sent.running.filter((e) => e.type === 'ADDED').length).toBeGreaterThanOrEqual(1);

    // Read at once, each until the server ends it: long enough to replay everything under load.
    const [raw, labelled, namespaced] = await Promise.all([
      watch(cluster, `${path.all}&timeoutSeconds=${replaySeconds}`).then(async (w) => (await w.ended, w.events)),
      clientNodeReplay(rv, `app=${app}`),
      kubectlPath ? kubectl(cluster.kubeconfigPath, ['get', '--raw', `${path.running}&timeoutSeconds=${replaySeconds}`]) : null,
    ]);
    expect(upTo(raw, isLast)).toEqual(sent.all);
    expect(upTo(labelled, isLast)).toEqual(sent.app);
    if (namespaced) {
      expect(namespaced.code).toBe(0);
      const events = namespaced.stdout.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as WatchEvent);
      expect(upTo(events, isLast)).toEqual(sent.running);
    }
  } finally {
    for (const w of Object.values(live)) w.close();
  }
}, 120_000);
