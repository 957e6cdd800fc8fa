/**
 * DELETE of a Node, as a real cluster has it: `kubectl delete node` removes the Node at once (a
 * DELETED watch event at a new resourceVersion), the node controller records RemovingNode, and
 * the pods bound to it stay as they were until the pod garbage collector's quarantine is over;
 * then each is marked Failed with a DisruptionTarget condition (DeletionByPodGC) and deleted, and
 * a ReplicaSet's pod comes back on another node. RBAC decides who may, as for any delete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, waitUntil, watch } from './client.js';

let cluster: DemoCluster;
let cacheDir: string;
const describeWithKubectl = kubectlPath ? describe : describe.skip;
/** The pod garbage collector's quarantine here; a real one waits 40 s. */
const quarantineMs = 3000;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-node-delete-'));
  cluster = await startDemoCluster({ nodes: 4, pods: 60, seed: 23, podGcQuarantineMs: quarantineMs });
});
afterAll(async () => {
  await cluster.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; resourceVersion: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const as = (context: string, args: string[]) => kubectl(cluster.kubeconfigPath, ['--cache-dir', cacheDir, '--context', context, ...args]);
const podsOn = (node: string) => (cluster.listObjects('pods') as Obj[]).filter((p) => p.spec?.nodeName === node);

describeWithKubectl('kubectl delete node', () => {
  test('theViewerIsForbiddenInRbacsWordsAndTheNodeStays', async () => {
    const node = 'demo-worker-3';
    const r = await as(cluster.users.contexts.readOnly, ['delete', 'node', node]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): nodes "${node}" is forbidden: User "viewer" cannot delete resource "nodes" in API group "" at the cluster scope`);
    expect((await call(cluster, `/api/v1/nodes/${node}`)).status).toBe(200);
  });

  test('theNodeGoesAtOnceAndItsPodsOnlyAfterThePodGarbageCollectorsQuarantine', async () => {
    const node = 'demo-worker-2';
    const before = (await call(cluster, `/api/v1/nodes/${node}`)).json() as Obj;
    const bound = podsOn(node);
    const fromReplicaSets = bound.filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
    expect(fromReplicaSets.length).toBeGreaterThan(0);
    const list = (await call(cluster, '/api/v1/nodes')).json() as { metadata: { resourceVersion: string } };
    const nodes = await watch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    const pods = await watch(cluster, `/api/v1/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`);

    const deletedAt = Date.now();
    const r = await as(cluster.users.contexts.admin, ['delete', 'node', node]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`node "${node}" deleted`);
    const gone = await nodes.waitFor((e) => e.type === 'DELETED' && e.object.metadata.name === node);
    expect(gone.object.metadata.uid).toBe(before.metadata.uid);
    expect(gone.object.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    const get = await as(cluster.users.contexts.admin, ['get', 'node', node]);
    expect(get.stderr.trim()).toBe(`Error from server (NotFound): nodes "${node}" not found`);
    // The node controller says so, about the node's uid.
    const events = JSON.parse((await as(cluster.users.contexts.admin, ['get', 'events', '-n', 'default', '--field-selector', `involvedObject.uid=${before.metadata.uid}`, '-o', 'json'])).stdout) as { items: { reason: string; message: string }[] };
    expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContain(`RemovingNode: Node ${node} event: Removing Node ${node} from Controller`);

    // Within the quarantine its pods are still there, as they were.
    expect(podsOn(node).map((p) => p.metadata.uid).sort()).toEqual(bound.map((p) => p.metadata.uid).sort());
    // Then each is marked Failed by the pod GC, and deleted.
    for (const pod of bound) {
      const marked = await pods.waitFor((e) => e.type === 'MODIFIED' && e.object.metadata.uid === pod.metadata.uid && e.object.status?.conditions?.some((c: { type: string }) => c.type === 'DisruptionTarget'), quarantineMs + 10_000);
      expect(marked.object.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
      if (pod.status?.phase !== 'Succeeded') expect(marked.object.status.phase).toBe('Failed');
      await pods.waitFor((e) => e.type === 'DELETED' && e.object.metadata.uid === pod.metadata.uid, 10_000);
    }
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(quarantineMs);
    expect(podsOn(node)).toEqual([]);
    // The ReplicaSets replace theirs elsewhere, and nothing is scheduled to the deleted node.
    await waitUntil(() => fromReplicaSets.every((p) => (cluster.listObjects('pods', p.metadata.namespace) as Obj[]).some((q) => q.metadata.ownerReferences?.[0]?.name === p.metadata.ownerReferences?.[0]?.name && q.metadata.uid !== p.metadata.uid)), 'the ReplicaSets to replace their pods');
    expect((cluster.listObjects('pods') as Obj[]).filter((p) => p.spec?.nodeName === node)).toEqual([]);
    expect((await call(cluster, '/api/v1/nodes')).json().items.map((n: Obj) => n.metadata.name)).not.toContain(node);
    nodes.close();
    pods.close();
  }, 60_000);

  test('aDeleteOfANodeThatIsGoneIsNotFoundAndAStaleUidPreconditionIsAConflict', async () => {
    expect((await call(cluster, '/api/v1/nodes/demo-worker-2', { method: 'DELETE' })).status).toBe(404);
    const wrong = await call(cluster, '/api/v1/nodes/demo-worker-1', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preconditions: { uid: 'not-this-one' } }) });
    expect(wrong.status).toBe(409);
    expect((await call(cluster, '/api/v1/nodes/demo-worker-1')).status).toBe(200);
  });
});

describe('the last worker deleted', () => {
  let small: DemoCluster;
  beforeAll(async () => {
    small = await startDemoCluster({ nodes: 2, pods: 10, seed: 5, podGcQuarantineMs: 500 });
  });
  afterAll(() => small.stop());

  test('itsReplicaSetPodsComeBackPendingWithTheSchedulersFailedScheduling', async () => {
    const worker = 'demo-worker-1';
    const pods = (small.listObjects('pods') as Obj[]).filter((p) => p.spec?.nodeName === worker && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
    expect(pods.length).toBeGreaterThan(0);
    expect((await call(small, `/api/v1/nodes/${worker}`, { method: 'DELETE' })).status).toBe(200);
    const owner = pods[0]!.metadata.ownerReferences![0]!.name;
    const replacement = await waitUntil(
      () => (small.listObjects('pods', pods[0]!.metadata.namespace) as Obj[]).find((p) => p.metadata.ownerReferences?.[0]?.name === owner && !pods.some((q) => q.metadata.uid === p.metadata.uid)),
      'a replacement pod',
    );
    // The scheduler's turn comes a moment after the pod is created: it finds no node for it.
    const reasons = () => (small.listObjects('events', replacement.metadata.namespace) as { reason: string; involvedObject: { uid?: string } }[]).filter((e) => e.involvedObject.uid === replacement.metadata.uid).map((e) => e.reason);
    await waitUntil(() => reasons().includes('FailedScheduling'), 'the scheduler to say it found no node');
    const now = (small.listObjects('pods', replacement.metadata.namespace) as Obj[]).find((p) => p.metadata.uid === replacement.metadata.uid)!;
    expect(now.spec?.nodeName).toBeUndefined();
    expect(now.status?.phase).toBe('Pending');
  });
});
