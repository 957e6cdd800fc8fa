/**
 * kubectl is the reference for resolving names: for each name below, `kubectl get NAME -A`
 * against the demo cluster (its request log says which resource it listed) must agree with
 * resolveResource over the same cluster's discovery, and a name kubectl refuses must be refused;
 * then the same answers over the backend's discovery snapshot, which is what `kubelive watch` reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import type { ApiResourceRow } from '../../adapters/rows.js';
import { resolveResource, ResourceNameError, type DiscoveredResource } from '../../server/resourceNames.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { call, kubectl, kubectlPath, versionedKubectls } from '../demo-cluster/client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

interface ApiResource {
  name: string;
  singularName?: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
}

/** The cluster's discovery in the order kubectl reads it: core v1, then each group, preferred version first. */
async function discovery(cluster: DemoCluster): Promise<DiscoveredResource[]> {
  const rows: DiscoveredResource[] = [];
  const add = (group: string, version: string, preferred: boolean, list: { resources: ApiResource[] }) => {
    for (const r of list.resources) {
      rows.push({ group, version, resource: r.name, kind: r.kind, singular: r.singularName ?? '', namespaced: r.namespaced, verbs: r.verbs, shortNames: r.shortNames ?? [], preferred });
    }
  };
  add('', 'v1', true, (await call(cluster, '/api/v1')).json());
  const groups = (await call(cluster, '/apis')).json<{ groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] }>().groups;
  for (const g of groups) {
    for (const v of g.versions) add(g.name, v.version, v.version === g.preferredVersion.version, (await call(cluster, `/apis/${g.name}/${v.version}`)).json());
  }
  return rows;
}

/** What kubectl listed, from its request log: `/api/v1/pods` → core/v1/pods; null when it refused the name. */
function listedBy(stderr: string): string | null {
  const urls = [...stderr.matchAll(/GET (https:\/\/\S+)/g)].map((m) => new URL(m[1]!));
  const list = urls.find((u) => u.searchParams.has('limit'));
  if (!list) return null;
  const parts = list.pathname.split('/').filter(Boolean);
  return parts[0] === 'api' ? `core/${parts[1]}/${parts[2]}` : `${parts[1]}/${parts[2]}/${parts[3]}`;
}

/** Names kubectl users type: plural, singular, short, kind, qualified, prefixed groups, wrong case, typos. */
const names = [
  'pods', 'po', 'pod', 'Pod', 'PODS', 'nodes', 'no', 'Node', 'ns', 'namespace', 'ev', 'events', 'event',
  'deploy', 'deployment', 'deployments', 'Deployment', 'deployments.apps', 'deployments.v1.apps', 'deploy.apps',
  'deployments.app', 'Deployment.apps', 'rs', 'sts', 'ds', 'cj', 'jobs', 'job.batch', 'cronjobs.v1.batch',
  'cm', 'configmaps', 'ConfigMap', 'CM', 'configmaps.v1.', 'svc', 'services', 'ep', 'endpoints', 'secrets', 'sa', 'pvc', 'pv', 'quota', 'limits',
  'hpa', 'hpa.autoscaling', 'horizontalpodautoscalers.autoscaling', 'ing', 'ingresses.networking.k8s.io', 'ingress.networking', 'netpol',
  'endpointslices', 'roles', 'rolebindings.rbac', 'clusterroles.rbac.authorization.k8s.io', 'sc', 'storageclasses.storage',
  'pdb', 'pc', 'crd', 'crds', 'customresourcedefinitions.apiextensions.k8s.io', 'validatingwebhookconfigurations',
  'nodes.metrics.k8s.io', 'pods.metrics.k8s.io', 'nodemetrics', 'podmetrics',
  'widgets', 'widget', 'widgets.example.com', 'Widget.example.com',
  'bogus', 'confgmaps', 'pods.v1', 'deployments.v2.apps',
];

describeWithKubectl('names resolve as kubectl resolves them', () => {
  let cluster: DemoCluster;
  let cacheDir: string;
  let rows: DiscoveredResource[];
  let backend: Backend;
  const answers = new Map<string, string | null>();

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 3, nodes: 2, pods: 20, churn: 0 });
    backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0 });
    cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-kubectl-cache-'));
    rows = await discovery(cluster);
  });
  afterAll(async () => {
    await backend.stop();
    await cluster.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  // The default kubectl, and the oldest versioned one beside it: resolution has not moved between them.
  const binaries = [kubectlPath!, ...versionedKubectls().slice(0, 1)];

  test.each(binaries)('everyNameGoesWhere %s goesOrIsRefusedWhereItRefusesIt', async (binary) => {
    const disagreements: string[] = [];
    let listed = 0;
    for (const name of names) {
      const run = await kubectl(cluster.kubeconfigPath, ['--cache-dir', join(cacheDir, binary.replace(/\W/g, '_')), '-v=6', 'get', name, '-A', '-o', 'name', '--request-timeout=5s'], 60_000, binary);
      const expected = run.code === 0 ? listedBy(run.stderr) : null;
      if (binary === kubectlPath) answers.set(name, expected);
      if (expected) listed++;
      if (run.code !== 0 && !/doesn't have a resource type/.test(run.stderr)) throw new Error(`kubectl get ${name} failed otherwise: ${run.stderr.slice(-500)}`);
      let actual: string | null;
      try {
        const { resource } = resolveResource(name, rows);
        actual = `${resource.group || 'core'}/${resource.version}/${resource.resource}`;
      } catch (error) {
        if (!(error instanceof ResourceNameError)) throw error;
        actual = null;
      }
      if (actual !== expected) disagreements.push(`${name}: kubectl ${expected ?? 'refuses'}, kubelive ${actual ?? 'refuses'}`);
    }
    expect(disagreements).toEqual([]);
    expect(listed).toBeGreaterThan(25); // most names name something: the agreement is not all refusals
  }, 120_000);

  test('overTheBackendsDiscoverySnapshotWhatWatchUsesTheAnswersAreTheSame', async () => {
    // Its rows are sorted by domain and hold preferred versions only; the demo serves one version
    // per group and no plural in two groups, so kubectl's answers must all stand.
    const snapshot = (await (await fetch(`${backend.url}api/v1/snapshot/api-resources?scope=`)).json()) as { items: ApiResourceRow[] };
    expect(snapshot.items.length).toBeGreaterThan(30);
    const disagreements: string[] = [];
    for (const [name, expected] of answers) {
      let actual: string | null;
      try {
        actual = resolveResource(name, snapshot.items).resource.domain;
      } catch (error) {
        if (!(error instanceof ResourceNameError)) throw error;
        actual = null;
      }
      if (actual !== expected) disagreements.push(`${name}: kubectl ${expected ?? 'refuses'}, kubelive ${actual ?? 'refuses'}`);
    }
    expect(answers.size).toBe(names.length);
    expect(disagreements).toEqual([]);
  });
});
