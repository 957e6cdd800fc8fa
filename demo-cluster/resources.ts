/**
 * The built-in catalogue: every built-in resource's group, version, kind, plural, scope, verbs and
 * short names. The live list of served resources (this catalogue plus the kinds of established
 * CustomResourceDefinitions) is the Registry (registry.ts); discovery, routing and the Table
 * printer read that, so they cannot disagree.
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
  /** Set for a custom resource: what its CustomResourceDefinition says about this version. */
  custom?: CustomResourceInfo;
}

/** A custom resource version as its CRD defines it: the CRD's name, its printer columns and versions. */
export interface CustomResourceInfo {
  crdName: string;
  listKind: string;
  /** additionalPrinterColumns of this version; empty means the default (Age). */
  columns: PrinterColumn[];
  storageVersion: string;
  /** The version has a `status` subresource: status is written only through `/status`. */
  statusSubresource: boolean;
}

/** One additionalPrinterColumn of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
  jsonPath: string;
}

export interface SubresourceInfo {
  parent: string; // plural of the parent, e.g. 'pods'
  parentGroup: string;
  name: string; // 'log', 'scale'
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

const readVerbs = ['get', 'list', 'watch'];
const commonFields = ['metadata.name', 'metadata.namespace'];

/** The hand-made ten: their objects are driven by the simulation, so clients may change only what writes.ts allows. */
const simulated: readonly ResourceInfo[] = [
  // Namespaces can be created (to hold a user's objects) but not deleted: that would mean emptying every store of it.
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, verbs: [...readVerbs, 'create'], shortNames: ['ns'], fields: [...commonFields, 'status.phase'] },
  { group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, verbs: [...readVerbs, 'patch', 'update', 'delete'], shortNames: ['no'], fields: [...commonFields, 'spec.unschedulable'] },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, verbs: [...readVerbs, 'delete'], shortNames: ['po'], categories: ['all'], fields: [...commonFields, 'spec.nodeName', 'status.phase', 'spec.restartPolicy', 'spec.schedulerName', 'status.podIP'] },
  { group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, verbs: readVerbs, shortNames: ['ev'], fields: [...commonFields, 'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type', 'source'] },
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, verbs: [...readVerbs, 'create', 'delete', 'patch', 'update'], shortNames: ['deploy'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, verbs: [...readVerbs, 'patch', 'update'], shortNames: ['sts'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, verbs: [...readVerbs, 'patch', 'update'], shortNames: ['ds'], categories: ['all'], fields: commonFields },
  { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, verbs: readVerbs, shortNames: ['rs'], categories: ['all'], fields: commonFields },
  { group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', kind: 'Job', namespaced: true, verbs: readVerbs, categories: ['all'], fields: [...commonFields, 'status.successful'] },
  { group: 'batch', version: 'v1', plural: 'cronjobs', singular: 'cronjob', kind: 'CronJob', namespaced: true, verbs: [...readVerbs, 'patch', 'update'], shortNames: ['cj'], categories: ['all'], fields: commonFields },
];

/** The verbs every stored kind without a simulation behind it answers (server.ts implements them generically). */
export const storedKindVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** CustomResourceDefinitions themselves: the registry reads their store to serve the kinds they define. */
export const crdResource: ResourceInfo = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  verbs: storedKindVerbs,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  fields: commonFields,
};

const crdKey = 'customresourcedefinitions.apiextensions.k8s.io';

export const resources: readonly ResourceInfo[] = [
  ...simulated,
  ...extraResources,
  // kinds.ts lists it with the other built-in kinds; this keeps CRDs served whatever it holds.
  ...(extraResources.some((r) => resourceKey(r) === crdKey) ? [] : [crdResource]),
  { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], fields: commonFields, computed: true },
  { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], fields: commonFields, computed: true },
];

export const subresources: readonly SubresourceInfo[] = [
  { parent: 'pods', parentGroup: '', name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
  { parent: 'pods', parentGroup: '', name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  { parent: 'deployments', parentGroup: 'apps', name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  { parent: 'statefulsets', parentGroup: 'apps', name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
];

/** The key every store and fault uses for a resource: `pods`, `deployments.apps`, `nodes.metrics.k8s.io`. */
export function resourceKey(info: Pick<ResourceInfo, 'plural' | 'group'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Stored (not computed) resources, by the key `resourceKey` gives. */
export const storedResources = resources.filter((r) => !r.computed);

const simulatedKeys = new Set(simulated.map(resourceKey));

/** True for the hand-made ten, whose writes go through the simulation and writes.ts's allow-list. */
export function isSimulated(info: ResourceInfo): boolean {
  return !info.custom && simulatedKeys.has(resourceKey(info));
}

export const crdResourceKey = crdKey;

