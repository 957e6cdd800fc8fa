/**
 * Graceful pod deletion and dry-run writes, as a real API server has them: a deleted pod stays
 * Terminating with a deletionTimestamp for its grace period (kubectl prints it so), its
 * controller replaces it at once, and `dryRun=All` checks and answers but stores nothing.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, waitUntil, watch } from './client.js';

let cluster: DemoCluster;
const itWithKubectl = kubectlPath ? test : test.skip;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21 });
});
afterAll(() => cluster.stop());

interface Pod {
  status?: { phase?: string };
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; ownerReferences?: { kind: string; name: string }[] };
}

/** A running ReplicaSet pod no earlier test has touched (a replacement still starting would change under a test). */
function aLivePod(): Pod {
  const pods = cluster.listObjects('pods', 'shop') as Pod[];
  const pod = pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && p.metadata.deletionTimestamp === undefined && p.status?.phase === 'Running');
  if (!pod) throw new Error('no live ReplicaSet pod in shop');
  return pod;
}

const podPath = (p: Pod, query = ''): string => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}${query}`;

test('aDeletedPodStaysTerminatingForItsGracePeriodThenGoes', async () => {
  const victim = aLivePod();
  const owner = victim.metadata.ownerReferences?.[0]?.name ?? '';
  const rv = (await call(cluster, '/api/v1/namespaces/shop/pods?limit=1')).json().metadata.resourceVersion;
  const w = await watch(cluster, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}`);
  const before = Date.now();
  const r = await call(cluster, podPath(victim, '?gracePeriodSeconds=2'), { method: 'DELETE' });
  expect(r.status).toBe(200);
  const answered = r.json() as Pod;
  expect(answered.metadata.deletionGracePeriodSeconds).toBe(2);
  expect(Date.parse(answered.metadata.deletionTimestamp ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 1000);
  const modified = await w.waitFor((e) => e.type === 'MODIFIED' && e.object.metadata.uid === victim.metadata.uid);
  expect(modified.object.metadata.deletionTimestamp).toBe(answered.metadata.deletionTimestamp);
  // The ReplicaSet does not count a Terminating pod: its replacement comes before the pod goes.
  const replacement = await w.waitFor((e) => e.type === 'ADDED' && e.object.metadata.ownerReferences?.[0]?.name === owner);
  const deleted = await w.waitFor((e) => e.type === 'DELETED' && e.object.metadata.uid === victim.metadata.uid, 10_000);
  expect(w.events.indexOf(replacement)).toBeLessThan(w.events.indexOf(deleted));
  expect(w.events.indexOf(modified)).toBeLessThan(w.events.indexOf(deleted));
  expect((await call(cluster, podPath(victim))).status).toBe(404);
  w.close();
});

interface EventObject {
  reason: string;
  message: string;
  source?: { component?: string; host?: string };
  involvedObject: { kind: string; name: string; uid?: string };
}

test('aClientsDeleteOfAPodOnANodeRecordsTheKubeletsKillingOfEachContainerOnce', async () => {
  const victim = aLivePod();
  const about = `/api/v1/namespaces/shop/events?fieldSelector=${encodeURIComponent(`involvedObject.uid=${victim.metadata.uid}`)}`;
  const killing = async () => ((await call(cluster, about)).json().items as EventObject[]).filter((e) => e.reason === 'Killing');
  expect(await killing()).toEqual([]);
  expect((await call(cluster, podPath(victim, '?gracePeriodSeconds=2'), { method: 'DELETE' })).status).toBe(200);
  const containers = (cluster.listObjects('pods', 'shop') as Array<Pod & { spec: { nodeName: string; containers: { name: string }[] } }>).find((p) => p.metadata.uid === victim.metadata.uid)!.spec;
  const recorded = await killing();
  expect(recorded.map((e) => e.message).sort()).toEqual(containers.containers.map((c) => `Stopping container ${c.name}`).sort());
  expect(recorded.every((e) => e.source?.component === 'kubelet' && e.source.host === containers.nodeName && e.involvedObject.name === victim.metadata.name)).toBe(true);
  // A second DELETE of the Terminating pod stops nothing more.
  await call(cluster, podPath(victim, '?gracePeriodSeconds=2'), { method: 'DELETE' });
  expect(await killing()).toHaveLength(recorded.length);
});

test('gracePeriodZeroDeletesAtOnceAndASecondDeleteOfATerminatingPodChangesNothing', async () => {
  const slow = aLivePod();
  const first = (await call(cluster, podPath(slow), { method: 'DELETE' })).json() as Pod;
  expect(first.metadata.deletionGracePeriodSeconds).toBe(30);
  const again = (await call(cluster, podPath(slow), { method: 'DELETE' })).json() as Pod;
  expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  // kubectl sends its options in a DeleteOptions body.
  const now = await call(cluster, podPath(slow), { method: 'DELETE', body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 }), headers: { 'Content-Type': 'application/json' } });
  expect(now.status).toBe(200);
  expect((await call(cluster, podPath(slow))).status).toBe(404);
});

itWithKubectl('kubectlGetPodsPrintsTerminatingForAPodBeingDeleted', async () => {
  const victim = aLivePod();
  expect((await call(cluster, podPath(victim), { method: 'DELETE' })).status).toBe(200);
  const r = await kubectl(cluster.kubeconfigPath, ['get', 'pod', '-n', 'shop', victim.metadata.name]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`${victim.metadata.name}\\s+\\d/\\d\\s+Terminating\\s`));
});

itWithKubectl('kubectlServerSideDryRunChecksButStoresNothing', async () => {
  const kc = cluster.kubeconfigPath;
  const victim = aLivePod();
  const del = await kubectl(kc, ['delete', 'pod', '-n', 'shop', victim.metadata.name, '--dry-run=server']);
  expect(del.code).toBe(0);
  expect(del.stdout).toContain('(server dry run)');
  expect(((await call(cluster, podPath(victim))).json() as Pod).metadata).toEqual(victim.metadata);
  const nodeBefore = (await call(cluster, '/api/v1/nodes/demo-worker-1')).json();
  const cordon = await kubectl(kc, ['cordon', 'demo-worker-1', '--dry-run=server']);
  expect(cordon.code).toBe(0);
  const label = await kubectl(kc, ['label', 'node', 'demo-worker-1', 'dry=run', '--dry-run=server', '-o', 'json']);
  expect(label.code).toBe(0);
  expect(JSON.parse(label.stdout).metadata.labels.dry).toBe('run');
  const deployment = (cluster.listObjects('deployments', 'shop') as { metadata: { name: string }; spec: { replicas: number } }[])[0]!;
  const scale = await kubectl(kc, ['scale', 'deployment', '-n', 'shop', deployment.metadata.name, '--replicas', String(deployment.spec.replicas + 3), '--dry-run=server']);
  expect(scale.code).toBe(0);
  expect((await call(cluster, '/api/v1/nodes/demo-worker-1')).json()).toEqual(nodeBefore);
  const after = (cluster.listObjects('deployments', 'shop') as { metadata: { name: string }; spec: { replicas: number } }[]).find((d) => d.metadata.name === deployment.metadata.name)!;
  expect(after.spec.replicas).toBe(deployment.spec.replicas);
  // A bad value changes nothing and says why, as a real server's 422 does.
  const bad = await call(cluster, '/api/v1/nodes/demo-worker-1?dryRun=Some', { method: 'PATCH', body: '{"metadata":{"labels":{"dry":"bad"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  expect(bad.status).toBe(422);
  expect(bad.json()).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  expect(bad.json().message).toContain('dryRun: Unsupported value');
  expect((await call(cluster, '/api/v1/nodes/demo-worker-1')).json()).toEqual(nodeBefore);
});

test('theSimulationsOwnDeletionsGoThroughTerminatingToo', async () => {
  const churning = await startDemoCluster({ seed: 22, churn: 50 });
  try {
    const rv = (await call(churning, '/api/v1/pods?limit=1')).json().metadata.resourceVersion;
    const w = await watch(churning, `/api/v1/pods?watch=true&resourceVersion=${rv}`);
    const deleted = await w.waitFor((e) => e.type === 'DELETED', 15_000);
    const terminating = w.events.find((e) => e.type === 'MODIFIED' && e.object.metadata.uid === deleted.object.metadata.uid && e.object.metadata.deletionTimestamp);
    expect(terminating).toBeDefined();
    expect(terminating!.object.metadata.deletionGracePeriodSeconds).toBeLessThanOrEqual(3);
    w.close();
  } finally {
    await churning.stop();
  }
});

test('aDeleteWhoseUidPreconditionNamesAnotherObjectIsA409AndDeletesNothing', async () => {
  const victim = aLivePod();
  const asDelete = (preconditions: Record<string, string>) => ({
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions }),
  });
  // Another uid: the API server's 409 Conflict, naming both, and the pod untouched.
  const wrong = await call(cluster, podPath(victim), asDelete({ uid: '00000000-0000-4000-8000-000000000000' }));
  expect(wrong.status).toBe(409);
  expect(wrong.json()).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
  expect(wrong.json().message).toContain(`Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: ${victim.metadata.uid}`);
  const after = (await call(cluster, podPath(victim))).json() as Pod;
  expect(after.metadata.uid).toBe(victim.metadata.uid);
  expect(after.metadata.deletionTimestamp).toBeUndefined();
  // A stale resourceVersion is refused the same way.
  const stale = await call(cluster, podPath(victim), asDelete({ resourceVersion: '1' }));
  expect(stale.status).toBe(409);
  // Its own uid: deleted, gracefully as ever.
  const right = await call(cluster, podPath(victim), asDelete({ uid: victim.metadata.uid }));
  expect(right.status).toBe(200);
  expect((right.json() as Pod).metadata.deletionTimestamp).toBeDefined();
});

test('aPatchNamingAnotherUidIsA409AsAnUpdatePreconditionAndChangesNothing', async () => {
  const node = (cluster.listObjects('nodes') as Pod[])[1]!;
  const patch = (path: string, body: object, type = 'application/merge-patch+json') => call(cluster, path, { method: 'PATCH', headers: { 'content-type': type }, body: JSON.stringify(body) });
  const wrong = await patch(`/api/v1/nodes/${node.metadata.name}`, { metadata: { uid: 'another' }, spec: { unschedulable: true } }, 'application/strategic-merge-patch+json');
  expect(wrong.status).toBe(409);
  expect(wrong.json().message).toContain(`Precondition failed: UID in precondition: another, UID in object meta: ${node.metadata.uid}`);
  expect(((await call(cluster, `/api/v1/nodes/${node.metadata.name}`)).json() as { spec: { unschedulable?: boolean } }).spec.unschedulable).toBeUndefined();
  // The Scale of a Deployment carries the Deployment's uid, and is held to it the same way.
  const deployment = (cluster.listObjects('deployments', 'shop') as Pod[])[0]!;
  const scale = await patch(`/apis/apps/v1/namespaces/shop/deployments/${deployment.metadata.name}/scale`, { metadata: { uid: 'another' }, spec: { replicas: 9 } });
  expect(scale.status).toBe(409);
  // Its own uid: done.
  const right = await patch(`/api/v1/nodes/${node.metadata.name}`, { metadata: { uid: node.metadata.uid }, spec: { unschedulable: true } }, 'application/strategic-merge-patch+json');
  expect(right.status).toBe(200);
  expect((await patch(`/api/v1/nodes/${node.metadata.name}`, { spec: { unschedulable: null } })).status).toBe(200);
});

test('aScaleDownTerminatesEachPodOnceAndNeverMovesItsDeletionTimestamp', async () => {
  const scalePath = '/apis/apps/v1/namespaces/shop/deployments/frontend/scale';
  const scaleTo = (replicas: number) => call(cluster, scalePath, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { replicas } }) });
  const original = Number((await call(cluster, scalePath)).json().spec.replicas);
  const frontend = () => (cluster.listObjects('pods', 'shop') as Pod[]).filter((p) => (p.metadata as { labels?: Record<string, string> }).labels?.app === 'frontend');
  const standing = () => frontend().filter((p) => p.metadata.deletionTimestamp === undefined);
  try {
    expect((await scaleTo(60)).status).toBe(200);
    await waitUntil(() => standing().length === 60 && frontend().length === 60, 'the frontend at 60 pods, none terminating');
    const rv = (await call(cluster, '/api/v1/namespaces/shop/pods?limit=1')).json().metadata.resourceVersion;
    const w = await watch(cluster, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${rv}&labelSelector=app%3Dfrontend`);
    expect((await scaleTo(2)).status).toBe(200);
    const victims = 58;
    await w.waitFor(() => w.events.filter((e) => e.type === 'DELETED').length === victims, 15_000);
    w.close();
    // Per pod, the deletion timestamps its events carried: one each, set once and never moved
    // (the API server may shorten a grace period on a second delete, never lengthen it; nothing
    // here deleted twice).
    const stamps = new Map<string, Set<string>>();
    for (const e of w.events) {
      const at = e.object.metadata.deletionTimestamp as string | undefined;
      if (at) stamps.set(e.object.metadata.uid, (stamps.get(e.object.metadata.uid) ?? new Set()).add(at));
    }
    expect(stamps.size).toBe(victims);
    expect([...stamps.values()].filter((s) => s.size > 1)).toEqual([]);
    // Each victim: the change that marks it Terminating, its removal, and at most a couple of
    // status changes in between; the old scale-down wrote 1,711 changes for 58 victims.
    expect(w.events.length).toBeLessThanOrEqual(victims * 4);
    expect(standing()).toHaveLength(2);
  } finally {
    await scaleTo(original);
  }
});
