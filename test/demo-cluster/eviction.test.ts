/**
 * The actions an operator takes, against the demo cluster as any client takes them: the Eviction
 * subresource and its PodDisruptionBudgets (allowed, refused with kube-apiserver's 429 and words,
 * the budget's status spent), and kubectl's own drain, rollout restart, scale, patch of a
 * CronJob's suspend and delete pod, each checked against the cluster's stored truth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, waitUntil, watch } from './client.js';

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[]; annotations?: Record<string, string> };
  spec?: any;
  status?: any;
}

const json = { 'Content-Type': 'application/json' };

function eviction(name: string, namespace: string, extra: object = {}): string {
  return JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, ...extra });
}

const isReady = (p: Obj) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

describe('the Eviction subresource and PodDisruptionBudgets', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 11, pods: 120 });
  });
  afterAll(() => cluster.stop());

  const pods = (ns?: string) => cluster.listObjects('pods', ns) as Obj[];
  const budgets = (ns?: string) => cluster.listObjects('poddisruptionbudgets.policy', ns) as Obj[];
  const readyPodsOf = (ns: string, app: string) => pods(ns).filter((p) => p.metadata.labels?.app === app && isReady(p) && !p.metadata.deletionTimestamp);

  test('evictionWithinTheBudgetDeletesThePodGracefullyAndSpendsOneDisruption', async () => {
    const budget = budgets().find((b) => b.status?.disruptionsAllowed >= 1 && readyPodsOf(b.metadata.namespace!, b.spec.selector.matchLabels.app).length > 0);
    expect(budget).toBeDefined();
    const ns = budget!.metadata.namespace!;
    const victim = readyPodsOf(ns, budget!.spec.selector.matchLabels.app)[0]!;
    const allowedBefore = budget!.status.disruptionsAllowed as number;
    const budgetWatch = await watch(cluster, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets?watch=true&fieldSelector=metadata.name=${budget!.metadata.name}`);
    const reply = await call(cluster, `/api/v1/namespaces/${ns}/pods/${victim.metadata.name}/eviction`, { method: 'POST', body: eviction(victim.metadata.name, ns), headers: json });
    expect(reply.status).toBe(201);
    expect(reply.json()).toMatchObject({ kind: 'Status', status: 'Success' });
    const after = pods(ns).find((p) => p.metadata.uid === victim.metadata.uid);
    expect(after?.metadata.deletionTimestamp).toBeDefined(); // Terminating, not gone: graceful
    // The budget's status as the eviction wrote it: one fewer disruption, the pod recorded.
    const spent = await budgetWatch.waitFor((e) => e.type === 'MODIFIED' && e.object.status?.disruptedPods?.[victim.metadata.name] !== undefined);
    expect(spent.object.status.disruptionsAllowed).toBe(allowedBefore - 1);
  });

  test('evictionPastTheBudgetIsA429InTheApiServersWordsAndChangesNothing', async () => {
    // A budget of our own over a Deployment no seeded budget covers, asking for every pod it has.
    const covered = new Set(budgets().map((b) => `${b.metadata.namespace}/${b.spec?.selector?.matchLabels?.app}`));
    const deployments = cluster.listObjects('deployments') as Obj[];
    const target = deployments.find((d) => !covered.has(`${d.metadata.namespace}/${d.metadata.name}`) && readyPodsOf(d.metadata.namespace!, d.metadata.name).length >= 1 && readyPodsOf(d.metadata.namespace!, d.metadata.name).length === d.spec.replicas);
    expect(target).toBeDefined();
    const ns = target!.metadata.namespace!;
    const ready = readyPodsOf(ns, target!.metadata.name);
    const pdbName = `${target!.metadata.name}-all`;
    const created = await call(cluster, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: pdbName, namespace: ns }, spec: { minAvailable: ready.length, selector: { matchLabels: { app: target!.metadata.name } } } }),
    });
    expect(created.status).toBe(201);
    await waitUntil(() => budgets(ns).find((b) => b.metadata.name === pdbName)?.status?.currentHealthy === ready.length, 'the disruption controller counted the pods');
    const victim = ready[0]!;
    const reply = await call(cluster, `/api/v1/namespaces/${ns}/pods/${victim.metadata.name}/eviction`, { method: 'POST', body: eviction(victim.metadata.name, ns), headers: json });
    expect(reply.status).toBe(429);
    expect(reply.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} needs ${ready.length} healthy pods and has ${ready.length} currently` }] },
      code: 429,
    });
    const still = pods(ns).find((p) => p.metadata.uid === victim.metadata.uid);
    expect(still?.metadata.deletionTimestamp).toBeUndefined();
    expect(budgets(ns).find((b) => b.metadata.name === pdbName)?.status.disruptionsAllowed).toBe(0);
    // A dry run is refused the same way; a pod with two budgets is the real server's 500.
    const twice = await call(cluster, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: `${pdbName}-2`, namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: target!.metadata.name } } } }),
    });
    expect(twice.status).toBe(201);
    const both = await call(cluster, `/api/v1/namespaces/${ns}/pods/${victim.metadata.name}/eviction`, { method: 'POST', body: eviction(victim.metadata.name, ns), headers: json });
    expect(both.status).toBe(500);
    expect(both.json().message).toBe('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  test('aBadEvictionBodyIsA400AndAMissingPodA404', async () => {
    const pod = pods().find((p) => isReady(p))!;
    const ns = pod.metadata.namespace!;
    const wrongName = await call(cluster, `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/eviction`, { method: 'POST', body: eviction('someone-else', ns), headers: json });
    expect(wrongName.status).toBe(400);
    expect(wrongName.json().message).toBe('name in URL does not match name in Eviction object');
    const missing = await call(cluster, `/api/v1/namespaces/${ns}/pods/no-such-pod/eviction`, { method: 'POST', body: eviction('no-such-pod', ns), headers: json });
    expect(missing.status).toBe(404);
    expect(missing.json().message).toBe('pods "no-such-pod" not found');
    expect(pods().find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeUndefined();
  });
});

const describeWithKubectl = kubectlPath ? describe : describe.skip;

describeWithKubectl('kubectl drain, rollout restart, scale, patch and delete against the demo cluster', () => {
  let cluster: DemoCluster;
  let cacheDir: string;
  const k = (args: string[], timeoutMs?: number) => kubectl(cluster.kubeconfigPath, ['--cache-dir', cacheDir, ...args], timeoutMs);
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
    cluster = await startDemoCluster({ seed: 5, pods: 80, nodes: 4 });
  });
  afterAll(async () => {
    await cluster.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });
  const pods = (ns?: string) => cluster.listObjects('pods', ns) as Obj[];

  test('kubectlDrainCordonsAndEvictsEverythingButDaemonSetPods', async () => {
    const node = 'demo-worker-1';
    const onNode = () => pods().filter((p) => p.spec.nodeName === node);
    const evictable = onNode().filter((p) => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet');
    expect(evictable.length).toBeGreaterThan(0);
    const r = await k(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--grace-period=1', '--timeout=90s'], 120_000);
    expect(r.stderr).not.toMatch(/error: /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`node/${node} cordoned`);
    expect(r.stdout).toContain(`node/${node} drained`);
    for (const p of evictable) expect(r.stdout).toContain(`evicting pod ${p.metadata.namespace}/${p.metadata.name}`);
    const nodeObject = (cluster.listObjects('nodes') as Obj[]).find((n) => n.metadata.name === node);
    expect(nodeObject?.spec.unschedulable).toBe(true);
    // Only DaemonSet pods are left, and nothing new was scheduled onto the cordoned node.
    expect(onNode().filter((p) => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet')).toEqual([]);
    expect(onNode().length).toBeGreaterThan(0);
    expect((await k(['uncordon', node])).code).toBe(0);
  }, 150_000);

  test('kubectlRolloutRestartOfADeploymentRollsANewReplicaSet', async () => {
    const deployment = (cluster.listObjects('deployments', 'shop') as Obj[])[0]!;
    const name = deployment.metadata.name;
    const before = new Set(pods('shop').filter((p) => p.metadata.labels?.app === name).map((p) => p.metadata.uid));
    const rsBefore = new Set((cluster.listObjects('replicasets', 'shop') as Obj[]).map((r) => r.metadata.name));
    const r = await k(['rollout', 'restart', `deployment/${name}`, '-n', 'shop']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`deployment.apps/${name} restarted`);
    const fresh = (cluster.listObjects('replicasets', 'shop') as Obj[]).filter((rs) => !rsBefore.has(rs.metadata.name) && rs.metadata.ownerReferences?.[0]?.name === name);
    expect(fresh).toHaveLength(1);
    const status = await k(['rollout', 'status', `deployment/${name}`, '-n', 'shop', '--timeout=60s'], 70_000);
    expect(status.code).toBe(0);
    await waitUntil(() => {
      const now = pods('shop').filter((p) => p.metadata.labels?.app === name && !p.metadata.deletionTimestamp);
      return now.length === deployment.spec.replicas && now.every((p) => !before.has(p.metadata.uid) && p.metadata.ownerReferences?.[0]?.name === fresh[0]!.metadata.name);
    }, 'every pod of the deployment replaced by one of the new ReplicaSet', 60_000);
  }, 90_000);

  test('kubectlRolloutRestartOfAStatefulSetReplacesItsPodsOneByOne', async () => {
    const sts = (cluster.listObjects('statefulsets', 'data') as Obj[])[0]!;
    const name = sts.metadata.name;
    const mine = () => pods('data').filter((p) => p.metadata.ownerReferences?.[0]?.name === name);
    const before = new Set(mine().map((p) => p.metadata.uid));
    const r = await k(['rollout', 'restart', `statefulset/${name}`, '-n', 'data']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`statefulset.apps/${name} restarted`);
    await waitUntil(() => {
      const now = mine();
      return now.length === sts.spec.replicas && now.every((p) => !before.has(p.metadata.uid) && isReady(p) && !p.metadata.deletionTimestamp);
    }, 'every pod of the StatefulSet replaced under its own name', 60_000);
    expect(mine().map((p) => p.metadata.name).sort()).toEqual(Array.from({ length: sts.spec.replicas }, (_, i) => `${name}-${i}`).sort());
  }, 90_000);

  test('kubectlRolloutRestartOfADaemonSetReplacesItsPodKeepingOnePerNode', async () => {
    const ds = (cluster.listObjects('daemonsets', 'kube-system') as Obj[])[0]!;
    const name = ds.metadata.name;
    const mine = () => pods('kube-system').filter((p) => p.metadata.ownerReferences?.[0]?.name === name);
    const before = mine();
    const nodes = before.map((p) => p.spec.nodeName).sort();
    const r = await k(['rollout', 'restart', `daemonset/${name}`, '-n', 'kube-system']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`daemonset.apps/${name} restarted`);
    const old = new Set(before.map((p) => p.metadata.uid));
    await waitUntil(() => {
      const now = mine();
      return now.length === before.length && now.every((p) => !old.has(p.metadata.uid) && isReady(p));
    }, 'every pod of the DaemonSet replaced', 60_000);
    // Each replacement went back to the node its predecessor left.
    expect(mine().map((p) => p.spec.nodeName).sort()).toEqual(nodes);
  }, 90_000);

  test('kubectlScaleOfAStatefulSetAddsAndRemovesOrdinals', async () => {
    const sts = (cluster.listObjects('statefulsets', 'data') as Obj[])[1]!;
    const name = sts.metadata.name;
    const names = () => pods('data').filter((p) => p.metadata.ownerReferences?.[0]?.name === name && !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
    const up = await k(['scale', `statefulset/${name}`, '-n', 'data', '--replicas=5']);
    expect(up.code).toBe(0);
    expect(up.stdout.trim()).toBe(`statefulset.apps/${name} scaled`);
    expect(names()).toEqual([0, 1, 2, 3, 4].map((i) => `${name}-${i}`));
    expect((cluster.listObjects('statefulsets', 'data') as Obj[]).find((s) => s.metadata.name === name)?.spec.replicas).toBe(5);
    const down = await k(['scale', `statefulset/${name}`, '-n', 'data', '--replicas=2']);
    expect(down.code).toBe(0);
    expect(names()).toEqual([`${name}-0`, `${name}-1`]);
    const bad = await k(['scale', `statefulset/${name}`, '-n', 'data', '--replicas=100000']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.replicas/);
  });

  test('kubectlPatchSuspendsAndResumesACronJob', async () => {
    const cronJob = (cluster.listObjects('cronjobs') as Obj[])[0]!;
    const ns = cronJob.metadata.namespace!;
    const suspend = async (value: boolean) => {
      const r = await k(['patch', 'cronjob', cronJob.metadata.name, '-n', ns, '-p', JSON.stringify({ spec: { suspend: value } })]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`cronjob.batch/${cronJob.metadata.name} patched`);
      return (cluster.listObjects('cronjobs', ns) as Obj[]).find((c) => c.metadata.name === cronJob.metadata.name)?.spec.suspend;
    };
    expect(await suspend(true)).toBe(true);
    expect(await suspend(false)).toBe(false);
    // Anything but suspend is still refused, and changes nothing.
    const other = await k(['patch', 'cronjob', cronJob.metadata.name, '-n', ns, '-p', '{"spec":{"schedule":"* * * * *"}}']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/spec\.schedule: may not be changed/);
    const wrongType = await k(['patch', 'cronjob', cronJob.metadata.name, '-n', ns, '--type=merge', '-p', '{"spec":{"suspend":"yes"}}']);
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.stderr).toMatch(/spec\.suspend: must be a boolean/);
  });

  test('kubectlDeletePodLeavesItTerminatingThenGone', async () => {
    const victim = pods('shop').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
    const r = await k(['delete', 'pod', victim.metadata.name, '-n', 'shop', '--grace-period=1']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`pod "${victim.metadata.name}" deleted`);
    expect(pods('shop').some((p) => p.metadata.uid === victim.metadata.uid)).toBe(false);
  });
});
