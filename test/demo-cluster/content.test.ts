/**
 * The content around the workloads holds together as on a real cluster: Services select their
 * workloads' pods, EndpointSlices and Endpoints list exactly the pods' addresses (ready ones as
 * ready) after churn and client deletes, claims and volumes name each other, and the seeded Helm
 * release Secrets read back as Helm wrote them.
 */
import { Simulation } from '../../demo-cluster/simulation.js';
import { Stores } from '../../demo-cluster/stores.js';
import type { KubeObject } from '../../demo-cluster/store.js';
import { isPodReady } from '../../demo-cluster/workloadStatus.js';
import { releaseOfSecret } from '../../demo-cluster/helm.js';
import { makeService } from '../../demo-cluster/content.js';
import { waitUntil } from './client.js';

type Any = Record<string, any>;

function build(options: Partial<ConstructorParameters<typeof Simulation>[1]> = {}): { stores: Stores; sim: Simulation } {
  const stores = new Stores();
  const sim = new Simulation(stores, { nodes: 4, pods: 200, namespaces: 7, seed: 3, churn: 0, ...options });
  sim.generate();
  return { stores, sim };
}

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** The pods a workload owns, through its ReplicaSets for a Deployment. */
function podsOwnedBy(stores: Stores, workload: KubeObject): string[] {
  const owners = new Set([workload.metadata.uid]);
  for (const rs of stores.replicasets.values(workload.metadata.namespace)) if (rs.metadata.ownerReferences?.[0]?.uid === workload.metadata.uid) owners.add(rs.metadata.uid);
  return sorted([...stores.pods.values(workload.metadata.namespace)].filter((p) => owners.has(p.metadata.ownerReferences?.[0]?.uid ?? '')).map((p) => p.metadata.name));
}

/** The addresses each Service's slice lists, all and ready, against what its pods say now. */
function checkEndpoints(stores: Stores): number {
  let checked = 0;
  for (const service of stores.byName('services').values()) {
    const selector = (service.spec as Any).selector as Record<string, string> | undefined;
    if (!selector) continue;
    const pods = [...stores.pods.values(service.metadata.namespace)].filter((p) => matches(selector, p.metadata.labels));
    const withIP = pods.filter((p) => (p.status as Any).podIP);
    const ready = withIP.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp);
    const slices = [...stores.byName('endpointslices.discovery.k8s.io').values(service.metadata.namespace)].filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service.metadata.name);
    expect(slices.length).toBeGreaterThanOrEqual(1);
    for (const slice of slices) expect(((slice.endpoints ?? []) as unknown[]).length).toBeLessThanOrEqual(100);
    const endpoints = slices.flatMap((s) => (s.endpoints ?? []) as Any[]);
    const where = `${service.metadata.namespace}/${service.metadata.name}`;
    expect({ where, all: sorted(endpoints.map((e) => e.addresses[0])) }).toEqual({ where, all: sorted(withIP.map((p) => (p.status as Any).podIP)) });
    expect({ where, ready: sorted(endpoints.filter((e) => e.conditions.ready).map((e) => e.addresses[0])) }).toEqual({ where, ready: sorted(ready.map((p) => (p.status as Any).podIP)) });
    const legacy = stores.byName('endpoints').get(service.metadata.namespace, service.metadata.name) as Any;
    expect({ where, legacy: sorted(((legacy.subsets?.[0]?.addresses ?? []) as Any[]).map((a) => a.ip)) }).toEqual({ where, legacy: sorted(ready.map((p) => (p.status as Any).podIP)) });
    checked++;
  }
  return checked;
}

/** Each PodDisruptionBudget's status counts its pods as they are now. */
function checkBudgets(stores: Stores): number {
  let checked = 0;
  for (const pdb of stores.byName('poddisruptionbudgets.policy').values()) {
    const selector = (pdb.spec as Any).selector.matchLabels as Record<string, string>;
    const pods = [...stores.pods.values(pdb.metadata.namespace)].filter((p) => matches(selector, p.metadata.labels));
    const healthy = pods.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp).length;
    const where = `${pdb.metadata.namespace}/${pdb.metadata.name}`;
    expect({ where, expected: (pdb.status as Any).expectedPods, healthy: (pdb.status as Any).currentHealthy }).toEqual({ where, expected: pods.length, healthy });
    checked++;
  }
  return checked;
}

test('servicesSelectExactlyTheirWorkloadsPods', () => {
  const { stores } = build();
  let checked = 0;
  for (const service of stores.byName('services').values()) {
    const selector = (service.spec as Any).selector as Record<string, string> | undefined;
    if (!selector) continue;
    const ns = service.metadata.namespace;
    const workload = stores.deployments.get(ns, selector.app!) ?? stores.statefulsets.get(ns, selector.app!);
    expect(workload).toBeDefined();
    const selected = sorted([...stores.pods.values(ns)].filter((p) => matches(selector, p.metadata.labels)).map((p) => p.metadata.name));
    expect(selected.length).toBeGreaterThan(0);
    expect(selected).toEqual(podsOwnedBy(stores, workload!));
    checked++;
  }
  expect(checked).toBe(stores.deployments.size + stores.statefulsets.size);
});

test('endpointSlicesListExactlyThePodsAddressesAfterChurnAndDeletes', async () => {
  const { stores, sim } = build({ seed: 5 });
  try {
    expect(checkEndpoints(stores)).toBeGreaterThan(30);
    expect(checkBudgets(stores)).toBeGreaterThan(3);
    const slicesBefore = sorted([...stores.byName('endpointslices.discovery.k8s.io').values()].map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`));
    for (let i = 0; i < 300; i++) sim.churnOnce();
    // A client deletes a pod with no grace: its address leaves at once.
    const victim = [...stores.pods.values('shop')].find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
    sim.deletePod('shop', victim.metadata.name, 0);
    sim.settleEndpoints();
    checkEndpoints(stores);
    const slicesAfter = sorted([...stores.byName('endpointslices.discovery.k8s.io').values()].map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`));
    expect(slicesAfter).not.toEqual(slicesBefore);
    // Replacements get scheduled, start and turn ready over the next 2 s; the slices follow.
    await new Promise((r) => setTimeout(r, 2500));
    sim.settleEndpoints();
    checkEndpoints(stores);
    checkBudgets(stores);
  } finally {
    sim.stop();
  }
});

test('pastAHundredEndpointsAServiceSpreadsOverSeveralSlicesAndBack', async () => {
  const { stores, sim } = build({ seed: 5 });
  const frontendSlices = (): number[] =>
    [...stores.byName('endpointslices.discovery.k8s.io').values('shop')].filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'frontend').map((s) => ((s.endpoints ?? []) as unknown[]).length);
  try {
    // New pods get their addresses within 1.6 s and the removed ones go after a 1-3 s grace, by
    // the simulation's timers: waited for, since a loaded machine runs those timers late. A
    // timeout says what the slices held.
    const slicesBecome = async (what: string, done: (slices: number[]) => boolean): Promise<void> => {
      let seen: number[] = [];
      await waitUntil(() => {
        sim.settleEndpoints();
        seen = frontendSlices();
        return done(seen);
      }, what, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}; the frontend's slices held ${JSON.stringify(seen)} endpoints`);
      });
    };
    sim.scaleDeployment('shop', 'frontend', 230);
    await slicesBecome('the 230 pods in three slices', (slices) => slices.reduce((a, b) => a + b, 0) === 230 && slices.length === 3);
    checkEndpoints(stores);
    sim.scaleDeployment('shop', 'frontend', 2);
    await slicesBecome('the 2 pods left in one slice', (slices) => JSON.stringify(slices) === '[2]');
    checkEndpoints(stores);
  } finally {
    sim.stop();
  }
});

test('aServiceAClientCreatesGetsItsPodsEndpointsKeepsThemAndLosesThemWithIt', () => {
  const { stores, sim } = build();
  const services = stores.byName('services');
  const slicesOf = (name: string): KubeObject[] => [...stores.byName('endpointslices.discovery.k8s.io').values('shop')].filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
  services.create(makeService({ name: 'frontend-canary', namespace: 'shop', uid: 'u-1', created: '2024-01-01T00:00:00Z', selector: { app: 'frontend' }, clusterIP: '10.96.250.1', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  sim.settleEndpoints();
  const frontendIPs = sorted([...stores.pods.values('shop')].filter((p) => p.metadata.labels?.app === 'frontend').map((p) => (p.status as Any).podIP));
  expect(sorted(slicesOf('frontend-canary').flatMap((s) => (s.endpoints as Any[]).map((e) => e.addresses[0])))).toEqual(frontendIPs);
  expect(stores.byName('endpoints').get('shop', 'frontend-canary')).toBeDefined();
  checkEndpoints(stores);
  // A client deletes one of its slices and its Endpoints: the controller writes them again.
  stores.byName('endpointslices.discovery.k8s.io').delete('shop', slicesOf('frontend-canary')[0]!.metadata.name);
  stores.byName('endpoints').delete('shop', 'frontend-canary');
  sim.settleEndpoints();
  checkEndpoints(stores);
  services.delete('shop', 'frontend-canary');
  expect(slicesOf('frontend-canary')).toEqual([]);
  expect(stores.byName('endpoints').get('shop', 'frontend-canary')).toBeUndefined();
  sim.stop();
});

test('claimsAreBoundToVolumesThatNameThemBack', () => {
  const { stores } = build();
  const claims = [...stores.byName('persistentvolumeclaims').values()];
  const bound = claims.filter((c) => (c.status as Any).phase === 'Bound');
  expect(bound.length).toBeGreaterThanOrEqual(6);
  for (const claim of bound) {
    const volume = stores.byName('persistentvolumes').get(undefined, (claim.spec as Any).volumeName) as Any;
    expect(volume).toBeDefined();
    expect(volume.status.phase).toBe('Bound');
    expect(volume.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid });
    expect(volume.spec.storageClassName).toBe((claim.spec as Any).storageClassName);
    expect(volume.spec.capacity.storage).toBe((claim.status as Any).capacity.storage);
    expect(stores.byName('storageclasses.storage.k8s.io').get(undefined, volume.spec.storageClassName)).toBeDefined();
  }
  // Every StatefulSet pod mounts its own bound claim.
  let mounted = 0;
  for (const pod of stores.pods.values('data')) {
    for (const v of ((pod.spec as Any).volumes ?? []) as Any[]) {
      const claim = stores.byName('persistentvolumeclaims').get('data', v.persistentVolumeClaim.claimName);
      expect(claim?.metadata.name).toBe(`data-${pod.metadata.name}`);
      expect((claim?.status as Any).phase).toBe('Bound');
      mounted++;
    }
  }
  expect(mounted).toBe([...stores.statefulsets.values()].reduce((n, s) => n + Number((s.spec as Any).replicas), 0));
});

test('seededHelmSecretsReadBackAsHelmListShowsThem', () => {
  const { stores } = build();
  const secrets = [...stores.byName('secrets').values()].filter((s) => s.type === 'helm.sh/release.v1');
  expect(secrets.length).toBeGreaterThanOrEqual(8);
  const byRelease = new Map<string, { version: number; status: string }[]>();
  for (const s of secrets) {
    const release = releaseOfSecret(s);
    const labels = s.metadata.labels!;
    expect(s.metadata.name).toBe(`sh.helm.release.v1.${release.name}.v${release.version}`);
    expect(labels).toMatchObject({ owner: 'helm', name: release.name, status: release.info.status, version: String(release.version) });
    expect(release.namespace).toBe(s.metadata.namespace);
    expect(release.chart.metadata.name).toEqual(expect.any(String));
    expect(release.chart.metadata.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Date.parse(release.info.last_deployed)).toBeGreaterThanOrEqual(Date.parse(release.info.first_deployed));
    const list = byRelease.get(`${s.metadata.namespace}/${release.name}`) ?? [];
    list.push({ version: release.version, status: release.info.status });
    byRelease.set(`${s.metadata.namespace}/${release.name}`, list);
  }
  const statuses = (key: string): string[] => (byRelease.get(key) ?? []).sort((a, b) => a.version - b.version).map((r) => r.status);
  expect(statuses('monitoring/prometheus')).toEqual(['superseded', 'superseded', 'deployed']);
  expect(statuses('data/postgres')).toEqual(['deployed', 'failed']);
  // Every release has exactly one deployed revision.
  for (const [key, list] of byRelease) expect({ key, deployed: list.filter((r) => r.status === 'deployed').length }).toEqual({ key, deployed: 1 });
});

test('aHelmUpgradeWritesANewRevisionAndSupersedesTheDeployedOne', () => {
  const { stores, sim } = build();
  const helmSecrets = (): KubeObject[] => [...stores.byName('secrets').values()].filter((s) => s.type === 'helm.sh/release.v1');
  const before = helmSecrets().length;
  for (let i = 0; i < 400; i++) sim.churnContentOnce();
  const after = helmSecrets();
  expect(after.length).toBeGreaterThan(before);
  const byRelease = new Map<string, KubeObject[]>();
  for (const s of after) byRelease.set(`${s.metadata.namespace}/${s.metadata.labels!.name}`, [...(byRelease.get(`${s.metadata.namespace}/${s.metadata.labels!.name}`) ?? []), s]);
  for (const [key, list] of byRelease) {
    expect({ key, deployed: list.filter((s) => releaseOfSecret(s).info.status === 'deployed').length }).toEqual({ key, deployed: 1 });
    expect(list.length).toBeLessThanOrEqual(10);
    for (const s of list) expect(s.metadata.labels!.status).toBe(releaseOfSecret(s).info.status);
  }
  sim.stop();
});

test('contentChurnEditsConfigAndMovesHpasAndWidgets', () => {
  const { stores, sim } = build();
  const versions = (key: string): string[] => [...stores.byName(key).values()].map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  const before = { cm: versions('configmaps'), hpa: versions('horizontalpodautoscalers.autoscaling'), widgets: versions('widgets.example.com') };
  for (let i = 0; i < 100; i++) sim.churnContentOnce();
  expect(versions('configmaps')).not.toEqual(before.cm);
  expect(versions('horizontalpodautoscalers.autoscaling')).not.toEqual(before.hpa);
  expect(versions('widgets.example.com')).not.toEqual(before.widgets);
  for (const w of stores.byName('widgets.example.com').values()) expect(['Pending', 'Assembling', 'Ready', 'Degraded']).toContain((w.status as Any).phase);
  sim.stop();
});
