/**
 * The sidebar's catalogue from discovery rows: kinds go where a Kubernetes user looks for them,
 * one version per kind, custom resources by API group, nothing listed that is not served, and
 * counts read from the backend's table.
 */
import type { ApiResourceRow } from '../../adapters/rows.js';
import { buildCatalog, countOf, pluralKind, servedKinds, type CatalogSection } from '../../ui/lib/catalog.js';

function served(group: string, version: string, resource: string, kind: string, namespaced: boolean, more: Partial<ApiResourceRow> = {}): ApiResourceRow {
  const domain = `${group === '' ? 'core' : group}/${version}/${resource}`;
  return {
    uid: domain,
    resourceVersion: '1',
    name: resource,
    domain,
    group,
    version,
    resource,
    kind,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
    shortNames: [],
    categories: [],
    custom: false,
    preferred: true,
    ...more,
  };
}

const discovery: ApiResourceRow[] = [
  served('', 'v1', 'pods', 'Pod', true),
  served('', 'v1', 'nodes', 'Node', false),
  // Discovery's order is not the sidebar's.
  served('', 'v1', 'events', 'Event', true),
  served('', 'v1', 'namespaces', 'Namespace', false),
  served('', 'v1', 'configmaps', 'ConfigMap', true),
  served('', 'v1', 'secrets', 'Secret', true),
  served('', 'v1', 'services', 'Service', true),
  served('', 'v1', 'endpoints', 'Endpoints', true),
  served('', 'v1', 'bindings', 'Binding', true, { verbs: ['create'] }),
  served('apps', 'v1', 'deployments', 'Deployment', true),
  served('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  served('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  served('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true),
  served('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { preferred: false }),
  served('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  served('example.com', 'v1', 'widgets', 'Widget', true, { custom: true }),
  served('example.com', 'v1alpha1', 'gadgets', 'Gadget', true, { custom: true, preferred: false }),
  served('example.com', 'v1beta1', 'gadgets', 'Gadget', true, { custom: true, preferred: false }),
  served('infra.example.org', 'v1', 'clusterpolicies', 'ClusterPolicy', false, { custom: true }),
  // Discovery did not (yet) mark it custom: its group says it is not Kubernetes' own.
  served('backup.example.com', 'v1', 'backupplans', 'BackupPlan', false),
];

function labels(sections: CatalogSection[], section: 'cluster' | 'namespace'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const group of sections.find((s) => s.id === section)!.groups) out[group.label || '(top)'] = group.items.map((i) => i.label);
  return out;
}

test('kindsGoWhereAKubernetesUserLooksForThem', () => {
  const sections = buildCatalog(discovery);
  expect(sections.map((s) => s.label)).toEqual(['Cluster', 'Namespace']);
  expect(labels(sections, 'cluster')).toEqual({
    '(top)': ['Nodes', 'Namespaces', 'Events'],
    RBAC: ['Cluster Roles', 'Cluster Role Bindings'],
    CRDs: ['Definitions'],
    'backup.example.com': ['BackupPlans'],
    'infra.example.org': ['ClusterPolicies'],
  });
  expect(labels(sections, 'namespace')).toEqual({
    '(top)': ['Workloads', 'Pods'],
    Config: ['ConfigMaps', 'Secrets'],
    Network: ['Services'],
    Autoscaling: ['Horizontal Pod Autoscalers'],
    'example.com': ['Gadgets', 'Widgets'],
    Helm: ['Releases'],
    Other: ['Endpoints'],
  });
});

test('aKindIsListedOnceAtThePreferredOrMostStableVersion', () => {
  const kinds = servedKinds(discovery);
  expect(kinds.filter((k) => k.resource === 'horizontalpodautoscalers').map((k) => k.domain)).toEqual(['autoscaling/v2/horizontalpodautoscalers']);
  // Neither gadget version is preferred: beta before alpha.
  expect(kinds.filter((k) => k.resource === 'gadgets').map((k) => k.domain)).toEqual(['example.com/v1beta1/gadgets']);
  // Served without list and watch: nothing to show live.
  expect(kinds.some((k) => k.resource === 'bindings')).toBe(false);
});

test('aKindTheClusterDoesNotServeIsNotListed', () => {
  const sections = buildCatalog(discovery.filter((r) => r.group !== 'example.com'));
  const ids = sections.flatMap((s) => s.groups.flatMap((g) => g.items.map((i) => i.id)));
  expect(ids).not.toContain('example.com/v1/widgets');
  expect(sections[1]!.groups.map((g) => g.label)).not.toContain('example.com');
  // Before discovery answers, the hand-made views are there.
  expect(buildCatalog([]).flatMap((s) => s.groups.flatMap((g) => g.items.map((i) => i.id)))).toEqual(['nodes', 'events', 'workloads', 'pods', 'helm']);
});

test('countsComeFromTheFirstAlternativeTheBackendCounted', () => {
  const sections = buildCatalog(discovery);
  const items = new Map(sections.flatMap((s) => s.groups.flatMap((g) => g.items)).map((i) => [i.id, i]));
  expect(countOf(items.get('core/v1/configmaps')!, { 'core/v1/configmaps': 12 })).toBe(12);
  expect(countOf(items.get('core/v1/configmaps')!, {})).toBeNull();
  expect(countOf(items.get('pods')!, { 'core/v1/pods': 40 })).toBe(40);
  const workloads = { 'apps/v1/deployments': 3, 'apps/v1/statefulsets': 1, 'apps/v1/daemonsets': 2, 'batch/v1/jobs': 4, 'batch/v1/cronjobs': 1 };
  expect(countOf(items.get('workloads')!, workloads)).toBe(11);
  expect(countOf(items.get('workloads')!, { ...workloads, workloads: 9 })).toBe(9);
});

test('kindsArePluralisedAsTheApiAndEnglishDo', () => {
  const pairs: Array<[string, string]> = [['Widget', 'widgets'], ['Policy', 'policies'], ['Ingress', 'ingresses'], ['Endpoints', 'endpoints'], ['ClusterPolicy', 'clusterpolicies'], ['Box', '']];
  expect(pairs.map(([kind, resource]) => pluralKind(kind, resource))).toEqual(['Widgets', 'Policies', 'Ingresses', 'Endpoints', 'ClusterPolicies', 'Boxes']);
});
