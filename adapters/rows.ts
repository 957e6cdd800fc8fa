/**
 * View rows: what the backend sends instead of whole Kubernetes objects (DESIGN.md "What crosses
 * the wire"). Each row carries exactly what the views, the metrics merge and diagnostics need, and
 * every streamed row has a `uid` (its key in the store) and an opaque `resourceVersion`.
 *
 * Resource domains (any other kind the cluster serves) carry `ResourceRow`s: identity plus the
 * cells the API server prints, with the columns sent once per snapshot and reset.
 *
 * Owner chains: a pod row names its controller (`owner`). The `workloads` domain includes
 * ReplicaSets and Jobs with their own `owner`, so the client resolves pod → ReplicaSet →
 * Deployment (and pod → Job → CronJob) from rows it already holds; the backend does not guess a
 * Deployment from a ReplicaSet's name.
 */
import { isResourceDomain, type ResourceDomain } from '../machines/domains.js';

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
  /** The condition's message (workload conditions carry it; node rows leave it out). */
  readonly message?: string;
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
  /** When the last restart's run ended (the latest `lastState.terminated.finishedAt`), for kubectl's `5 (2m ago)`; absent when none. */
  readonly lastRestartAt?: string;
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
  /** A CronJob's `spec.suspend`: it starts no Jobs while true. Absent for other kinds. */
  readonly suspended?: boolean;
  /**
   * What state it is in, from its conditions and spec (adapters/kube/rows.ts `workloadStatus`):
   * Available, Progressing, Paused, ProgressDeadlineExceeded, ReplicaFailure, Unavailable; a
   * Job's as kubectl prints it (Complete, Failed, Suspended, Running...); a CronJob's Suspended,
   * Active or Scheduled. Absent from an older backend.
   */
  readonly status?: string;
  /** Why, in the controller's words (the deciding condition's message), when it is not plainly fine. */
  readonly statusMessage?: string;
  /** Its conditions (Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs have them). */
  readonly conditions?: readonly ConditionSummary[];
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

/**
 * A column as the API server prints it (meta.k8s.io/v1 Table `columnDefinitions`): kubectl's
 * columns for built-in kinds, a CRD's additionalPrinterColumns. `priority` 0 is what `kubectl
 * get` shows; higher priorities are what `-o wide` adds.
 */
export interface ColumnDefinition {
  readonly name: string;
  /** `string`, `integer`, `number`, `boolean` or `date` (OpenAPI types). */
  readonly type: string;
  /** e.g. `name` for the Name column, `date-time`; '' when none. */
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

/** A Table cell as the API server printed it. */
export type Cell = string | number | boolean | null;

/**
 * A row of any resource without a hand-made projection: its identity, and the cells the API
 * server printed for it, in the order of the subscription's `columns`. Nothing else of the object
 * crosses the wire: no labels, no annotations (a Secret's last-applied annotation holds its data),
 * no data; the whole object is fetched on demand, Secrets redacted.
 */
export interface ResourceRow extends RowBase {
  /** '' for a cluster-wide resource. */
  readonly namespace: string;
  readonly createdAt: string | null;
  /** The controller owner, when there is one. */
  readonly owner: OwnerRef | null;
  /** True once the object has a deletionTimestamp (it is Terminating). */
  readonly deleting: boolean;
  readonly cells: readonly Cell[];
}

/**
 * One revision of one Helm release, read from the Secret Helm writes for it
 * (`sh.helm.release.v1.NAME.vN`, type `helm.sh/release.v1`). `helm list` shows the newest
 * revision of each release; older ones are its history. The release's values never leave the backend.
 */
export interface HelmReleaseRow extends RowBase {
  readonly namespace: string;
  /** The release name (a release's revisions share it). */
  readonly release: string;
  readonly revision: number;
  readonly chart: string;
  readonly chartVersion: string;
  readonly appVersion: string;
  /** deployed, superseded, failed, pending-install, pending-upgrade, uninstalling... */
  readonly status: string;
  readonly updated: string | null;
  readonly description: string;
}

/**
 * One resource the cluster serves (discovery), for the sidebar and for resolving names the way
 * kubectl does. `uid` is its domain (`core/v1/configmaps`); `resourceVersion` changes when any
 * field of the entry does.
 */
export interface ApiResourceRow extends RowBase {
  /** `group/version/resource`, the core group written `core`: what to subscribe to. */
  readonly domain: string;
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The plural resource name, e.g. `configmaps`. */
  readonly resource: string;
  readonly kind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** True when it comes from a CustomResourceDefinition. */
  readonly custom: boolean;
  /** The version the server prefers for this group (kubectl uses it when none is named). */
  readonly preferred: boolean;
}

/** The row type each built-in domain with rows carries. */
export interface RowsByDomain {
  nodes: NodeRow;
  pods: PodRow;
  workloads: WorkloadRow;
  namespaces: NamespaceRow;
  events: EventRow;
  'pod-logs': LogLineRow;
  'helm-releases': HelmReleaseRow;
  'api-resources': ApiResourceRow;
}

/** Domains whose snapshots carry rows: the built-in ones above and every resource domain. */
export type RowDomain = keyof RowsByDomain | ResourceDomain;

/** Domains that stream: every row domain but discovery, which is polled. */
export type StreamDomain = Exclude<RowDomain, 'api-resources'>;

export type RowOf<D extends RowDomain> = D extends keyof RowsByDomain ? RowsByDomain[D] : ResourceRow;

export type Row = RowsByDomain[keyof RowsByDomain] | ResourceRow;

const builtinStreamDomains = ['nodes', 'pods', 'workloads', 'namespaces', 'events', 'pod-logs', 'helm-releases'] as const;

/** The built-in streamed domains (resource domains stream too, but cannot be listed). */
export const streamDomains: readonly StreamDomain[] = builtinStreamDomains;

export function isStreamDomain(value: unknown): value is StreamDomain {
  return (typeof value === 'string' && (builtinStreamDomains as readonly string[]).includes(value)) || isResourceDomain(value);
}

export function isRowDomain(value: unknown): value is RowDomain {
  return value === 'api-resources' || isStreamDomain(value);
}

/** Pieces passed to one `concat` at most: an answer of a million one-row pieces must not overflow the call's arguments. */
const piecesPerConcat = 1000;

/**
 * The rows of many pieces (a list's pages, a snapshot's lines) as one list, in their order.
 * `concat` copies each piece's array whole: 21 pieces of 1,000 rows took 0.2 ms, where a `push`
 * per row as each piece came took 1.3-2.5 ms in a fresh process (the loop runs cold).
 */
export function joinedRows<R>(pieces: readonly (readonly R[])[]): R[] {
  let rows: R[] = [];
  for (let at = 0; at < pieces.length; at += piecesPerConcat) rows = rows.concat(...pieces.slice(at, at + piecesPerConcat));
  return rows;
}

/**
 * A pod phase after which no container of the pod runs again: Succeeded and Failed, as the
 * Kubernetes pod lifecycle defines them. Its log is complete, it is not Terminating while deleted,
 * and nothing of it is left running.
 */
export function isFinishedPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
