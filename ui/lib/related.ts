/**
 * How objects lead to one another, from rows the engine already holds: a pod's owner chain
 * (pod → ReplicaSet → Deployment, pod → Job → CronJob), a workload's own objects and pods, the
 * Services whose selector takes a pod, a Service's EndpointSlices. Pure functions over rows, so
 * the Pods view's "pods of this workload" and the Describe page agree and are tested without React.
 */
import type { ApiResourceRow, OwnerRef, PodRow, ResourceRow, WorkloadRow } from '../../adapters/rows.js';

/** Where the built-in kinds are read; any other kind is looked up in discovery (`domainOfKind`). */
const builtinDomains: Record<string, string> = {
  Pod: 'core/v1/pods',
  Node: 'core/v1/nodes',
  Namespace: 'core/v1/namespaces',
  Service: 'core/v1/services',
  ConfigMap: 'core/v1/configmaps',
  Secret: 'core/v1/secrets',
  PersistentVolumeClaim: 'core/v1/persistentvolumeclaims',
  Deployment: 'apps/v1/deployments',
  ReplicaSet: 'apps/v1/replicasets',
  StatefulSet: 'apps/v1/statefulsets',
  DaemonSet: 'apps/v1/daemonsets',
  Job: 'batch/v1/jobs',
  CronJob: 'batch/v1/cronjobs',
  EndpointSlice: 'discovery.k8s.io/v1/endpointslices',
};

/** The resource domain of a kind: the built-in ones known, others the version discovery prefers. */
export function domainOfKind(kind: string, discovery: readonly ApiResourceRow[] = []): string | null {
  const builtin = builtinDomains[kind];
  if (builtin) return builtin;
  const served = discovery.filter((r) => r.kind === kind && !r.resource.includes('/'));
  return (served.find((r) => r.preferred) ?? served[0])?.domain ?? null;
}

/** The kind a resource domain holds (`apps/v1/deployments` → Deployment), for the built-in ones and what discovery lists. */
export function kindOfDomain(domain: string, discovery: readonly ApiResourceRow[] = []): string | null {
  for (const [kind, d] of Object.entries(builtinDomains)) if (d === domain) return kind;
  return discovery.find((r) => r.domain === domain)?.kind ?? null;
}

export interface ObjectLink {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

/**
 * The owner chain above an object, nearest first: a pod's ReplicaSet then its Deployment. Each
 * step is read from the workloads rows (a ReplicaSet's and a Job's rows name their owner); a step
 * the rows do not hold ends the chain where it is known.
 */
export function ownerChain(owner: OwnerRef | null, namespace: string, workloads: readonly WorkloadRow[]): ObjectLink[] {
  const chain: ObjectLink[] = [];
  const byUid = new Map(workloads.map((w) => [w.uid, w]));
  let next = owner;
  while (next && chain.length < 8) {
    chain.push({ kind: next.kind, namespace, name: next.name, uid: next.uid });
    next = byUid.get(next.uid)?.owner ?? null;
  }
  return chain;
}

/** Workloads an object owns directly: a Deployment's ReplicaSets, a CronJob's Jobs. */
export function ownedWorkloads(uid: string, workloads: readonly WorkloadRow[]): WorkloadRow[] {
  return workloads.filter((w) => w.owner?.uid === uid).sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}

/**
 * The workload named `Kind/name` in a namespace, from the rows; null until the rows hold it. A
 * route names a workload by kind and name, so a re-created one of the same name is found again.
 */
export function findWorkload(owner: string, namespace: string, workloads: readonly WorkloadRow[]): WorkloadRow | null {
  const [kind, name] = owner.split('/');
  return workloads.find((w) => w.kind === kind && w.name === name && w.namespace === namespace) ?? null;
}

/** The uids whose pods are the workload's: itself, and what it owns (a Deployment's ReplicaSets, a CronJob's Jobs). */
export function podOwnerUids(workload: WorkloadRow, workloads: readonly WorkloadRow[]): Set<string> {
  return new Set([workload.uid, ...ownedWorkloads(workload.uid, workloads).map((w) => w.uid)]);
}

/** The pods of a workload (through its ReplicaSets or Jobs), in the order given. */
export function podsOfWorkload(workload: WorkloadRow, workloads: readonly WorkloadRow[], pods: readonly PodRow[]): PodRow[] {
  const uids = podOwnerUids(workload, workloads);
  return pods.filter((p) => p.owner !== null && uids.has(p.owner.uid));
}

/** A label selector as the Service printer writes it, `app=web,tier=front`; `<none>` or empty selects nothing. */
export function parseSelector(text: unknown): Record<string, string> | null {
  if (typeof text !== 'string' || text === '' || text === '<none>') return null;
  const selector: Record<string, string> = {};
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) return null;
    selector[part.slice(0, at)] = part.slice(at + 1);
  }
  return selector;
}

export function selects(selector: Record<string, string> | null, labels: Record<string, string>): boolean {
  return selector !== null && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The cell of a column by its header, in a resource row printed with those columns. */
export function cellOf(row: ResourceRow, columns: readonly { name: string }[], header: string): unknown {
  const i = columns.findIndex((c) => c.name === header);
  return i < 0 ? undefined : row.cells[i];
}

/** Services (rows of `core/v1/services`, with their printed Selector column) whose selector takes a pod with these labels. */
export function servicesSelecting(labels: Record<string, string>, services: readonly ResourceRow[], columns: readonly { name: string }[]): ResourceRow[] {
  return services.filter((s) => selects(parseSelector(cellOf(s, columns, 'Selector')), labels));
}

/** A Service's EndpointSlices: the slices the endpointslice controller owns for it. */
export function slicesOfService(serviceUid: string, slices: readonly ResourceRow[]): ResourceRow[] {
  return slices.filter((s) => s.owner?.uid === serviceUid);
}
