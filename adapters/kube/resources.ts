/**
 * The Kubernetes resources kubelive list-watches, where they live in the API, and which row
 * projection each one gets. A streamed domain is backed by one or more of these
 * (`workloads` by six).
 */
import type { Row } from '../rows.js';
import { eventRow, namespaceRow, nodeRow, podRow, workloadRow, type KubeObject } from './rows.js';

export type ResourceName =
  | 'nodes'
  | 'pods'
  | 'namespaces'
  | 'events'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'replicasets'
  | 'jobs'
  | 'cronjobs';

export interface ResourceSpec {
  readonly name: ResourceName;
  /** The collection path across all namespaces, e.g. `/apis/apps/v1/deployments`. */
  readonly path: string;
  /** Group-version prefix for namespaced and named paths, e.g. `/apis/apps/v1`. */
  readonly groupVersion: string;
  readonly namespaced: boolean;
  readonly project: (object: KubeObject) => Row;
}

function spec(name: ResourceName, groupVersion: string, namespaced: boolean, project: (object: KubeObject) => Row): ResourceSpec {
  return { name, path: `${groupVersion}/${name}`, groupVersion, namespaced, project };
}

export const resourceSpecs: Readonly<Record<ResourceName, ResourceSpec>> = {
  nodes: spec('nodes', '/api/v1', false, nodeRow),
  pods: spec('pods', '/api/v1', true, podRow),
  namespaces: spec('namespaces', '/api/v1', false, namespaceRow),
  events: spec('events', '/api/v1', true, eventRow),
  deployments: spec('deployments', '/apis/apps/v1', true, workloadRow('Deployment')),
  statefulsets: spec('statefulsets', '/apis/apps/v1', true, workloadRow('StatefulSet')),
  daemonsets: spec('daemonsets', '/apis/apps/v1', true, workloadRow('DaemonSet')),
  replicasets: spec('replicasets', '/apis/apps/v1', true, workloadRow('ReplicaSet')),
  jobs: spec('jobs', '/apis/batch/v1', true, workloadRow('Job')),
  cronjobs: spec('cronjobs', '/apis/batch/v1', true, workloadRow('CronJob')),
};

export const resourceNames = Object.keys(resourceSpecs) as ResourceName[];

export function isResourceName(value: unknown): value is ResourceName {
  return typeof value === 'string' && Object.hasOwn(resourceSpecs, value);
}

/** The built-in domains backed by list-watches of hand-made resources. */
export type ListWatchedDomain = 'nodes' | 'pods' | 'namespaces' | 'events' | 'workloads';

/** The resources behind each list-watched built-in domain (`pod-logs` is followed, not list-watched). */
export const domainResources: Readonly<Record<ListWatchedDomain, readonly ResourceName[]>> = {
  nodes: ['nodes'],
  pods: ['pods'],
  namespaces: ['namespaces'],
  events: ['events'],
  workloads: ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs'],
};

/** The collection path for a resource, narrowed to a namespace when one is given. */
export function collectionPath(resource: ResourceSpec, namespace = ''): string {
  return resource.namespaced && namespace !== ''
    ? `${resource.groupVersion}/namespaces/${encodeURIComponent(namespace)}/${resource.name}`
    : resource.path;
}

/** The path of one object. */
export function objectPath(resource: ResourceSpec, name: string, namespace = ''): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}
