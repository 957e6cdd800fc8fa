/**
 * View rows: what the backend sends instead of whole Kubernetes objects (DESIGN.md "What crosses
 * the wire"). Each row carries exactly what the views, the metrics merge and diagnostics need, and
 * every streamed row has a `uid` (its key in the store) and an opaque `resourceVersion`.
 *
 * Owner chains: a pod row names its controller (`owner`). The `workloads` domain includes
 * ReplicaSets and Jobs with their own `owner`, so the client resolves pod → ReplicaSet →
 * Deployment (and pod → Job → CronJob) from rows it already holds; the backend does not guess a
 * Deployment from a ReplicaSet's name.
 */

/** A controller reference, as `metadata.ownerReferences[controller=true]` states it. */
export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** Fields every streamed row has. `resourceVersion` is opaque: compare it for equality only. */
export interface RowBase {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly name: string;
}

/** CPU in millicores and memory in bytes, parsed from Kubernetes quantities. */
export interface Resources {
  readonly cpuMillicores: number | null;
  readonly memoryBytes: number | null;
}

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** A condition reduced to what a list view shows. */
export interface ConditionSummary {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

export interface NodeRow extends RowBase {
  readonly roles: readonly string[];
  /** The `Ready` condition's status: 'True', 'False' or 'Unknown' (also when the condition is missing). */
  readonly ready: string;
  readonly unschedulable: boolean;
  readonly taints: readonly Taint[];
  readonly kubeletVersion: string;
  readonly createdAt: string | null;
  /** Every condition, in the order the node reports them. */
  readonly conditions: readonly ConditionSummary[];
  readonly capacity: Resources;
  readonly allocatable: Resources;
}

export interface PodRow extends RowBase {
  readonly namespace: string;
  readonly phase: string;
  /** The STATUS `kubectl get pods` prints: CrashLoopBackOff, Init:1/2, Completed, Terminating... */
  readonly status?: string;
  /** Ready containers over all containers, as kubectl prints it: "1/2". */
  readonly ready: string;
  readonly restarts: number;
  readonly nodeName: string | null;
  /** The controller owner (a ReplicaSet, StatefulSet, DaemonSet, Job, ...), or null for a bare pod. */
  readonly owner: OwnerRef | null;
  readonly createdAt: string | null;
  readonly deleting: boolean;
  readonly containers: readonly string[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob';

export interface WorkloadRow extends RowBase {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  /** Replicas asked for (for a Job: completions; for a CronJob: active jobs). */
  readonly desired: number;
  readonly ready: number;
  readonly available: number;
  /** A ReplicaSet's Deployment, a Job's CronJob; null for top-level workloads. */
  readonly owner: OwnerRef | null;
  readonly createdAt: string | null;
}

export interface NamespaceRow extends RowBase {
  readonly phase: string;
  readonly createdAt: string | null;
}

export interface EventRow extends RowBase {
  readonly namespace: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly uid?: string };
  readonly count: number;
  readonly lastTimestamp: string | null;
}

/**
 * One log line. `uid` is `container#n` with n counting lines since the follower started, so
 * lines are unique and ordered; `resourceVersion` is always '1' (a line never changes). The
 * backend keeps a bounded tail: a line falling out of it is sent as a delete.
 */
export interface LogLineRow extends RowBase {
  readonly container: string;
  /** The kubelet's RFC 3339 timestamp of the line, when it gave one. */
  readonly time: string | null;
  readonly line: string;
}

/** One metrics sample, from metrics.k8s.io. Pod samples are summed over the pod's containers. */
export interface MetricsRow {
  readonly name: string;
  readonly namespace?: string;
  readonly timestamp: string | null;
  readonly window: string | null;
  readonly usage: Resources;
}

/** The row type each streamed domain carries. */
export interface RowsByDomain {
  nodes: NodeRow;
  pods: PodRow;
  workloads: WorkloadRow;
  namespaces: NamespaceRow;
  events: EventRow;
  'pod-logs': LogLineRow;
}

export type StreamDomain = keyof RowsByDomain;

export type Row = RowsByDomain[StreamDomain];

export const streamDomains: readonly StreamDomain[] = ['nodes', 'pods', 'workloads', 'namespaces', 'events', 'pod-logs'];

export function isStreamDomain(value: unknown): value is StreamDomain {
  return typeof value === 'string' && (streamDomains as readonly string[]).includes(value);
}
