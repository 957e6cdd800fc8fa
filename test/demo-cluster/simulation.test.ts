/**
 * The simulation on its own: a seed fixes the cluster, the default cluster has the shape a
 * dashboard expects, large sizes come out exact, and churn changes what it should while keeping
 * every ownership chain whole.
 */
import { Simulation } from '../../demo-cluster/simulation.js';
import { Stores } from '../../demo-cluster/stores.js';
import type { KubeObject } from '../../demo-cluster/store.js';

function build(options: Partial<ConstructorParameters<typeof Simulation>[1]> = {}): { stores: Stores; sim: Simulation } {
  const stores = new Stores();
  const sim = new Simulation(stores, { nodes: 4, pods: 200, namespaces: 7, seed: 1, churn: 0, ...options });
  sim.generate();
  return { stores, sim };
}

const ids = (stores: Stores): string[] => [...stores.pods.values()].map((p) => `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`);

function owner(stores: Stores, o: KubeObject): KubeObject | undefined {
  const ref = o.metadata.ownerReferences?.[0];
  if (!ref) return undefined;
  const store = { ReplicaSet: stores.replicasets, Deployment: stores.deployments, StatefulSet: stores.statefulsets, DaemonSet: stores.daemonsets, Job: stores.jobs, CronJob: stores.cronjobs }[ref.kind];
  const found = store?.get(o.metadata.namespace, ref.name);
  return found?.metadata.uid === ref.uid ? found : undefined;
}

test('theSameSeedBuildsTheSameClusterAndAnotherSeedADifferentOne', () => {
  expect(ids(build().stores)).toEqual(ids(build().stores));
  expect(ids(build({ seed: 2 }).stores)).not.toEqual(ids(build().stores));
});

test('theDefaultClusterHasNodesNamespacesAndOwnedPods', () => {
  const { stores } = build();
  expect(stores.nodes.size).toBe(4);
  expect(stores.namespaces.size).toBe(7);
  expect(stores.pods.size).toBe(200);
  const controlPlane = stores.nodes.get(undefined, 'demo-control-plane')!;
  expect(controlPlane.metadata.labels).toHaveProperty(['node-role.kubernetes.io/control-plane']);
  expect((controlPlane.spec as { taints: unknown[] }).taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  expect((controlPlane.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo.kubeletVersion).toBe('v1.31.4');
  for (const kind of ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs'] as const) expect(stores[kind].size).toBeGreaterThan(0);
  // Every pod has a live owner; a ReplicaSet's pods lead on to a Deployment.
  for (const pod of stores.pods.values()) {
    const o = owner(stores, pod);
    expect(o).toBeDefined();
    if (o?.kind === 'ReplicaSet') expect(owner(stores, o)?.kind).toBe('Deployment');
  }
});

test('largeSizesComeOutExact', () => {
  const { stores } = build({ nodes: 1000, pods: 20_000, namespaces: 30 });
  expect(stores.nodes.size).toBe(1000);
  expect(stores.pods.size).toBe(20_000);
  expect(stores.namespaces.size).toBe(30);
});

test('everyContainersRunsAreInOrderAndAFinishedPodRestartedOnlyWhileItRan', () => {
  type Run = { startedAt?: string; finishedAt?: string };
  type Status = { name: string; restartCount: number; state: { running?: Run; terminated?: Run; waiting?: unknown }; lastState: { terminated?: Run } };
  const wrong: string[] = [];
  let finishedWithRestarts = 0;
  // Seed 1's nightly-report pod once completed 22 h ago yet had restarted 30 s ago.
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { stores } = build({ seed, pods: 2000, namespaces: 12 });
    for (const pod of stores.pods.values()) {
      const status = pod.status as { phase: string; containerStatuses?: Status[] };
      for (const c of status.containerStatuses ?? []) {
        const at = `seed ${seed} ${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`;
        const current = c.state.running ?? c.state.terminated;
        const last = c.lastState.terminated;
        if (c.state.terminated && c.state.terminated.startedAt! > c.state.terminated.finishedAt!) wrong.push(`${at}: its run ends before it starts`);
        if (last && last.startedAt! > last.finishedAt!) wrong.push(`${at}: its last run ends before it starts`);
        if (last && current?.startedAt && last.finishedAt! > current.startedAt) wrong.push(`${at}: its last run ends at ${last.finishedAt}, after this run started at ${current.startedAt}`);
        if (status.phase === 'Succeeded' && c.restartCount > 0) finishedWithRestarts++;
      }
    }
  }
  expect(wrong).toEqual([]);
  // The finished pods that did restart are still made (the check above has something to read).
  expect(finishedWithRestarts).toBeGreaterThan(0);
});

test('churnReplacesPodsRestartsContainersAndRecordsEventsWithoutBreakingOwnership', () => {
  const { stores, sim } = build({ seed: 4 });
  const restarts = (): number =>
    [...stores.pods.values()].reduce((n, p) => n + ((p.status as { containerStatuses?: { restartCount: number }[] }).containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0);
  const before = { restarts: restarts(), events: stores.events.size, revision: stores.revision.current(), names: new Set(ids(stores)) };
  for (let i = 0; i < 300; i++) sim.churnOnce();
  sim.stop();
  expect(stores.revision.current()).toBeGreaterThan(before.revision + 300);
  expect(restarts()).toBeGreaterThan(before.restarts);
  expect(stores.events.size).toBeGreaterThan(before.events);
  expect(ids(stores).filter((id) => !before.names.has(id)).length).toBeGreaterThan(0);
  for (const pod of stores.pods.values()) expect(owner(stores, pod)).toBeDefined();
});

test('afterChurnStopsEveryDeploymentConvergesToItsReplicasWithBoundedHistory', async () => {
  const { stores, sim } = build({ seed: 8 });
  for (let i = 0; i < 150; i++) sim.churnOnce();
  const podsOfDeployment = (d: KubeObject): number =>
    [...stores.pods.values(d.metadata.namespace)].filter((p) => {
      const rs = owner(stores, p);
      return rs?.kind === 'ReplicaSet' && owner(stores, rs)?.metadata.uid === d.metadata.uid;
    }).length;
  const converged = (): boolean => [...stores.deployments.values()].every((d) => podsOfDeployment(d) === (d.spec as { replicas: number }).replicas);
  const deadline = Date.now() + 40_000;
  while (!converged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  sim.stop();
  for (const d of stores.deployments.values()) {
    expect({ deployment: d.metadata.name, pods: podsOfDeployment(d) }).toEqual({ deployment: d.metadata.name, pods: (d.spec as { replicas: number }).replicas });
    const history = [...stores.replicasets.values(d.metadata.namespace)].filter((rs) => owner(stores, rs)?.metadata.uid === d.metadata.uid);
    expect(history.length).toBeLessThanOrEqual(5);
  }
}, 60_000);
