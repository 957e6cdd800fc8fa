/**
 * The Kubernetes resources kubelive list-watches, where they live in the API, and which row
 * projection each one gets. A streamed domain is backed by one or more of these
 * (`workloads` by six).
 */
import type { Row } from '../rows.js';
import { protobufAccept } from './protobuf.js';
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
  /** The Accept header of its watches, where kubelive reads a cheaper encoding than JSON (pods: protobuf). */
  readonly watchAccept?: string;
}

function spec(name: ResourceName, groupVersion: string, namespaced: boolean, project: (object: KubeObject) => Row, watchAccept?: string): ResourceSpec {
  return { name, path: `${groupVersion}/${name}`, groupVersion, namespaced, project, ...(watchAccept ? { watchAccept } : {}) };
}

/**
 * Pods are watched in protobuf: they are the collection whose changes come fastest, and a Pod
 * event read from protobuf skips what a row does not use (adapters/kube/protobuf.ts). A server
 * that does not serve it answers JSON, which is read as before. `KUBELIVE_PODS_PROTOBUF=off`
 * watches them in JSON (the bench compares the two).
 */
const podsWatchAccept = process.env.KUBELIVE_PODS_PROTOBUF === 'off' ? undefined : protobufAccept;

export const resourceSpecs: Readonly<Record<ResourceName, ResourceSpec>> = {
  nodes: spec('nodes', '/api/v1', false, nodeRow),
  pods: spec('pods', '/api/v1', true, podRow, podsWatchAccept),
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
