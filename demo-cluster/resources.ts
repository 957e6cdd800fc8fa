/**
 * The catalogue of what the demo cluster serves: every resource's group, version, kind, plural,
 * scope, verbs and short names, and the discovery documents built from it. Discovery, routing
 * and the Table printer all read this one list, so they cannot disagree.
 */

import { extraResources } from './kinds.js';

export interface ResourceInfo {
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** Fields a field selector may use on this resource. */
  fields: string[];
  /** Metrics resources are computed on read: no watch, no store. */
  computed?: boolean;
}

export interface SubresourceInfo {
  parent: string; // plural of the parent, e.g. 'pods'
  name: string; // 'log', 'scale'
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

const readVerbs = ['get', 'list', 'watch'];
const commonFields = ['metadata.name', 'metadata.namespace'];

export const resources: readonly ResourceInfo[] = [
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, verbs: readVerbs, shortNames: ['ns'], fields: [...commonFields, 'status.phase'] },
  { group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, verbs: [...readVerbs, 'patch', 'update'], shortNames: ['no'], fields: [...commonFields, 'spec.unschedulable'] },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, verbs: [...readVerbs, 'delete'], shortNames: ['po'], categories: ['all'], fields: [...commonFields, 'spec.nodeName', 'status.phase', 'spec.restartPolicy', 'spec.schedulerName', 'status.podIP'] },
  { group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, verbs: readVerbs, shortNames: ['ev'], fields: [...commonFields, 'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type', 'source'] },
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, verbs: [...readVerbs, 'patch', 'update'], shortNames: ['deploy'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, verbs: readVerbs, shortNames: ['sts'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, verbs: readVerbs, shortNames: ['ds'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, verbs: readVerbs, shortNames: ['rs'], categories: ['all'], fields: commonFields },
  { group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', kind: 'Job', namespaced: true, verbs: readVerbs, categories: ['all'], fields: [...commonFields, 'status.successful'] },
  { group: 'batch', version: 'v1', plural: 'cronjobs', singular: 'cronjob', kind: 'CronJob', namespaced: true, verbs: readVerbs, shortNames: ['cj'], categories: ['all'], fields: commonFields },
  ...extraResources,
  { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], fields: commonFields, computed: true },
  { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], fields: commonFields, computed: true },
];

export const subresources: readonly SubresourceInfo[] = [
  { parent: 'pods', name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
  { parent: 'deployments', name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
];

/** The key every store and fault uses for a resource: `pods`, `deployments.apps`, `nodes.metrics.k8s.io`. */
export function resourceKey(info: Pick<ResourceInfo, 'plural' | 'group'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Stored (not computed) resources, by the key `resourceKey` gives. */
export const storedResources = resources.filter((r) => !r.computed);

/** The versions and preferred version of every non-core group, in the order a server lists them. */
function groups(): { name: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const r of resources) if (r.group && !seen.has(r.group)) seen.set(r.group, r.version);
  return [...seen].map(([name, version]) => ({ name, version }));
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** Every served group but the `hidden` ones (e.g. metrics.k8s.io on a cluster without metrics-server). */
export function apiGroupList(hidden: readonly string[] = []): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups()
      .filter((g) => !hidden.includes(g.name))
      .map((g) => apiGroup(g.name, g.version)),
  };
}

function apiGroup(name: string, version: string): object {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: [gv], preferredVersion: gv };
}

export function apiGroupDocument(group: string): object | undefined {
  const g = groups().find((x) => x.name === group);
  return g ? apiGroup(g.name, g.version) : undefined;
}

/** APIResourceList for one group version, or undefined when it is not served. */
export function apiResourceList(group: string, version: string): object | undefined {
  const list = resources.filter((r) => r.group === group && r.version === version);
  if (list.length === 0) return undefined;
  const entries: object[] = [];
  for (const r of list) {
    entries.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of subresources.filter((x) => x.parent === r.plural && !r.computed && r.group === group)) {
      entries.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group ? { group: s.group } : {}),
        ...(s.version !== r.version || s.group !== r.group ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: entries };
}
