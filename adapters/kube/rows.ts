/**
 * Projections from whole Kubernetes objects to the view rows of adapters/rows.ts. Each runs once,
 * when an object arrives from a list or a watch event; the backend keeps only the row.
 * Objects come from the network, so every field is read defensively: a missing field becomes a
 * neutral value, never an exception.
 */
import type {
  ConditionSummary,
  EventRow,
  NamespaceRow,
  NodeRow,
  OwnerRef,
  PodRow,
  Resources,
  RowBase,
  Taint,
  WorkloadKind,
  WorkloadRow,
} from '../rows.js';
import { isFinishedPhase } from '../rows.js';
import { cpuMillicores, memoryBytes } from './quantity.js';

/** A Kubernetes object as JSON: only metadata is typed, the rest is read with care. */
export interface KubeObject {
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
    readonly labels?: Record<string, string>;
    readonly ownerReferences?: readonly { kind?: string; name?: string; uid?: string; controller?: boolean }[];
  };
  // Spec and status differ per kind and arrive from the network: read field by field.
  readonly spec?: any;
  readonly status?: any;
  readonly [field: string]: unknown;
}

const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const arr = (value: unknown): any[] => (Array.isArray(value) ? value : []);

function base(object: KubeObject): RowBase {
  const meta = object.metadata ?? {};
  return { uid: str(meta.uid), resourceVersion: str(meta.resourceVersion), name: str(meta.name) };
}

function createdAt(object: KubeObject): string | null {
  return object.metadata?.creationTimestamp ?? null;
}

function controllerOf(object: KubeObject): OwnerRef | null {
  const refs = arr(object.metadata?.ownerReferences);
  const ref = refs.find((r) => r?.controller === true) ?? refs[0];
  if (!ref) return null;
  return { kind: str(ref.kind), name: str(ref.name), uid: str(ref.uid) };
}

function resources(list: unknown): Resources {
  const r = (list ?? {}) as Record<string, unknown>;
  return { cpuMillicores: cpuMillicores(r.cpu), memoryBytes: memoryBytes(r.memory) };
}

const rolePrefix = 'node-role.kubernetes.io/';

export function nodeRow(object: KubeObject): NodeRow {
  const labels = object.metadata?.labels ?? {};
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith(rolePrefix) && k.length > rolePrefix.length)
    .map((k) => k.slice(rolePrefix.length))
    .sort();
  const conditions: ConditionSummary[] = arr(object.status?.conditions).map((c) => ({
    type: str(c?.type),
    status: str(c?.status, 'Unknown'),
    ...(typeof c?.reason === 'string' ? { reason: c.reason } : {}),
  }));
  const taints: Taint[] = arr(object.spec?.taints).map((t) => ({
    key: str(t?.key),
    ...(typeof t?.value === 'string' ? { value: t.value } : {}),
    effect: str(t?.effect),
  }));
  return {
    ...base(object),
    roles,
    ready: conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown',
    unschedulable: object.spec?.unschedulable === true,
    taints,
    kubeletVersion: str(object.status?.nodeInfo?.kubeletVersion),
    createdAt: createdAt(object),
    conditions,
    capacity: resources(object.status?.capacity),
    allocatable: resources(object.status?.allocatable),
  };
}

/** Whether a pod condition of this type is True. */
function conditionTrue(object: KubeObject, type: string): boolean {
  return arr(object.status?.conditions).some((c) => c?.type === type && c?.status === 'True');
}

const noSidecars: ReadonlySet<string> = new Set();

/** An init container that keeps running beside the main ones (a sidecar, `restartPolicy: Always`). */
function sidecarNames(object: KubeObject): ReadonlySet<string> {
  const init = arr(object.spec?.initContainers);
  // Most pods have no init containers: no set to build.
  if (init.length === 0) return noSidecars;
  return new Set(init.filter((c) => c?.restartPolicy === 'Always').map((c) => str(c?.name)));
}

/**
 * What STATUS, READY and RESTARTS all read of a pod's init containers: which are sidecars, and
 * the first that has not done its part. Found once per pod: `podRow` runs for every change a
 * watch delivers, and finding them three and two times over was most of its cost in a profile
 * (docs/development.md, "Row 2: per-change cost").
 */
interface InitFacts {
  readonly sidecars: ReadonlySet<string>;
  readonly unfinished: { index: number; status: any } | null;
}

function initFacts(object: KubeObject): InitFacts {
  const sidecars = sidecarNames(object);
  return { sidecars, unfinished: firstUnfinishedInit(object, sidecars) };
}

/** "OOMKilled", "Error", or how the container ended when the kubelet gave no reason. */
function endedAs(terminated: any, prefix: string): string {
  if (str(terminated?.reason)) return prefix + str(terminated.reason);
  if (num(terminated?.signal) !== 0) return `${prefix}Signal:${num(terminated.signal)}`;
  return `${prefix}ExitCode:${num(terminated?.exitCode)}`;
}

/**
 * The first init container that has not done its part (exited 0, or, for a sidecar, started):
 * what holds the pod in Init, with its place among the init containers; null when none does.
 */
function firstUnfinishedInit(object: KubeObject, sidecars: ReadonlySet<string>): { index: number; status: any } | null {
  const initStatuses = arr(object.status?.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const terminated = c?.state?.terminated;
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (sidecars.has(str(c?.name)) && c?.started === true) continue;
    return { index: i, status: c };
  }
  return null;
}

/**
 * The STATUS `kubectl get pods` prints, by the rules of its pod printer: the phase (or the pod's
 * own reason, e.g. Evicted); then the first init container that has not finished
 * (`Init:CrashLoopBackOff`, `Init:1/2`); then, once initialised, the main containers' waiting or
 * terminated reasons (`CrashLoopBackOff`, `ContainerCreating`, `OOMKilled`, `Completed`), with
 * `Completed` read as `Running` (or `NotReady`) while a container still runs; and `Terminating`
 * for a pod being deleted that has not finished. Checked against kubectl's own client-side
 * printer (`--server-print=false`) on the demo cluster's pods.
 */
export function podStatus(object: KubeObject, init: InitFacts = initFacts(object)): string {
  const phase = str(object.status?.phase, 'Unknown');
  let reason = str(object.status?.reason) || phase;
  // A pod held back by scheduling gates says so rather than a bare Pending.
  if (arr(object.status?.conditions).some((c) => c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const { unfinished } = init;
  const initializing = unfinished !== null;
  if (unfinished) {
    const terminated = unfinished.status?.state?.terminated;
    const waiting = unfinished.status?.state?.waiting;
    if (terminated) reason = endedAs(terminated, 'Init:');
    else if (str(waiting?.reason) && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${unfinished.index}/${arr(object.spec?.initContainers).length}`;
  }
  if (!initializing || conditionTrue(object, 'Initialized')) {
    let running = false;
    const statuses = arr(object.status?.containerStatuses);
    // Last to first, so the first container's state is the one that speaks, as kubectl's does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      const terminated = c?.state?.terminated;
      const waiting = c?.state?.waiting;
      if (str(waiting?.reason)) reason = waiting.reason;
      else if (terminated) reason = endedAs(terminated, '');
      else if (c?.ready === true && c?.state?.running) running = true;
    }
    if (reason === 'Completed' && running) reason = conditionTrue(object, 'Ready') ? 'Running' : 'NotReady';
  }
  if (typeof object.metadata?.deletionTimestamp === 'string') {
    if (str(object.status?.reason) === 'NodeLost') return 'Unknown';
    if (!isFinishedPhase(phase)) return 'Terminating';
  }
  return reason;
}

/**
 * READY as kubectl counts it: containers that are running and ready, over all containers, where a
 * sidecar (a restartable init container) counts as one of them once it has started.
 */
function readyText(object: KubeObject, sidecars: ReadonlySet<string>): string {
  const isUp = (s: any): boolean => s?.ready === true && s?.state?.running !== undefined;
  const readySidecars = arr(object.status?.initContainerStatuses).filter((s) => sidecars.has(str(s?.name)) && s?.started === true && s?.ready === true).length;
  const readyMain = arr(object.status?.containerStatuses).filter(isUp).length;
  return `${readySidecars + readyMain}/${arr(object.spec?.containers).length + sidecars.size}`;
}

/**
 * RESTARTS as kubectl counts them: while a pod initialises, its init containers' restarts up to
 * the one holding it; once initialised, its sidecars' and main containers'. With them, when the
 * last of those previous runs ended, for kubectl's `9 (5m ago)`.
 */
function restartsOf(object: KubeObject, { sidecars, unfinished }: InitFacts): { count: number; lastAt?: string } {
  const initStatuses = arr(object.status?.initContainerStatuses);
  const counted =
    unfinished !== null && !conditionTrue(object, 'Initialized')
      ? initStatuses.slice(0, unfinished.index + 1)
      : [...initStatuses.filter((s) => sidecars.has(str(s?.name))), ...arr(object.status?.containerStatuses)];
  let count = 0;
  let lastAt: string | undefined;
  for (const c of counted) {
    count += num(c?.restartCount);
    const finished = str(c?.lastState?.terminated?.finishedAt);
    if (finished && (!lastAt || Date.parse(finished) > Date.parse(lastAt))) lastAt = finished;
  }
  return lastAt && count > 0 ? { count, lastAt } : { count };
}

/**
 * A row is written as one literal, its fields named one by one: V8 builds a literal that opens
 * with a spread (`{ ...base(object), ... }`) field by field through its slow path, which made
 * podRow cost as much as parsing the pod's JSON (10 µs against 0.6 µs, docs/development.md).
 */
export function podRow(object: KubeObject): PodRow {
  const containers = arr(object.spec?.containers).map((c) => str(c?.name));
  const init = initFacts(object);
  const restarts = restartsOf(object, init);
  const { uid, resourceVersion, name } = base(object);
  const row: { -readonly [K in keyof PodRow]: PodRow[K] } = {
    uid,
    resourceVersion,
    name,
    namespace: str(object.metadata?.namespace),
    phase: str(object.status?.phase, 'Unknown'),
    status: podStatus(object, init),
    ready: readyText(object, init.sidecars),
    restarts: restarts.count,
    nodeName: typeof object.spec?.nodeName === 'string' ? object.spec.nodeName : null,
    owner: controllerOf(object),
    createdAt: createdAt(object),
    deleting: typeof object.metadata?.deletionTimestamp === 'string',
    containers,
  };
  if (restarts.lastAt) row.lastRestartAt = restarts.lastAt;
  return row;
}

/** Desired / ready / available per workload kind, as `kubectl get` columns show them. */
function workloadCounts(kind: WorkloadKind, spec: any, status: any): Pick<WorkloadRow, 'desired' | 'ready' | 'available'> {
  switch (kind) {
    case 'DaemonSet':
      return { desired: num(status?.desiredNumberScheduled), ready: num(status?.numberReady), available: num(status?.numberAvailable) };
    case 'Job':
      return { desired: spec?.completions === undefined ? 1 : num(spec.completions), ready: num(status?.succeeded), available: num(status?.active) };
    case 'CronJob': {
      const active = arr(status?.active).length;
      return { desired: active, ready: active, available: active };
    }
    default:
      return {
        desired: spec?.replicas === undefined ? 1 : num(spec.replicas),
        ready: num(status?.readyReplicas),
        available: num(status?.availableReplicas),
      };
  }
}

function workloadConditions(object: KubeObject): ConditionSummary[] {
  return arr(object.status?.conditions).map((c) => ({
    type: str(c?.type),
    status: str(c?.status, 'Unknown'),
    ...(typeof c?.reason === 'string' ? { reason: c.reason } : {}),
    ...(typeof c?.message === 'string' ? { message: c.message } : {}),
  }));
}

/**
 * A workload's state in a word, read as `kubectl rollout status` and `kubectl get` read it:
 * a Deployment is Paused (spec.paused), ProgressDeadlineExceeded (Progressing False), in
 * ReplicaFailure, Unavailable (Available False), Progressing while its replicas are not all
 * updated and ready, else Available. A Job takes kubectl's printJob order (Complete, Failed,
 * Terminating, Suspended, FailureTarget, Running); a CronJob is Suspended, Active or Scheduled.
 */
export function workloadStatus(kind: WorkloadKind, object: KubeObject): { status: string; statusMessage?: string } {
  const conditions = workloadConditions(object);
  const find = (type: string) => conditions.find((c) => c.type === type);
  const withMessage = (status: string, c?: ConditionSummary) => (c?.message ? { status, statusMessage: c.message } : { status });
  const spec = object.spec ?? {};
  const st = object.status ?? {};
  switch (kind) {
    case 'Job': {
      const isTrue = (type: string) => find(type)?.status === 'True';
      if (isTrue('Complete')) return { status: 'Complete' };
      if (isTrue('Failed')) return withMessage('Failed', find('Failed'));
      if (typeof object.metadata?.deletionTimestamp === 'string') return { status: 'Terminating' };
      if (isTrue('Suspended')) return withMessage('Suspended', find('Suspended'));
      if (isTrue('FailureTarget')) return withMessage('FailureTarget', find('FailureTarget'));
      return { status: 'Running' };
    }
    case 'CronJob':
      if (spec.suspend === true) return { status: 'Suspended' };
      return { status: arr(st.active).length > 0 ? 'Active' : 'Scheduled' };
    default: {
      if (spec.paused === true) return { status: 'Paused' };
      const progressing = find('Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') return withMessage('ProgressDeadlineExceeded', progressing);
      const failure = find('ReplicaFailure');
      if (failure?.status === 'True') return withMessage('ReplicaFailure', failure);
      const available = find('Available');
      if (available?.status === 'False') return withMessage('Unavailable', available);
      const { desired, ready } = workloadCounts(kind, spec, st);
      const updated = kind === 'DaemonSet' ? num(st.updatedNumberScheduled) : kind === 'ReplicaSet' ? num(st.replicas) : num(st.updatedReplicas);
      // A StatefulSet rolls until its current revision is the update revision (kubectl rollout status's test).
      const revisionBehind = kind === 'StatefulSet' && str(st.updateRevision) !== '' && str(st.currentRevision) !== '' && st.updateRevision !== st.currentRevision;
      const stillRolling = kind !== 'ReplicaSet' && (updated < desired || revisionBehind || (kind === 'Deployment' && num(st.replicas) > desired));
      if (ready < desired || stillRolling) return withMessage('Progressing', progressing);
      return { status: 'Available' };
    }
  }
}

export function workloadRow(kind: WorkloadKind) {
  return (object: KubeObject): WorkloadRow => ({
    ...base(object),
    kind,
    namespace: str(object.metadata?.namespace),
    ...workloadCounts(kind, object.spec, object.status),
    owner: kind === 'ReplicaSet' || kind === 'Job' ? controllerOf(object) : null,
    createdAt: createdAt(object),
    ...workloadStatus(kind, object),
    conditions: workloadConditions(object),
    ...(kind === 'CronJob' ? { suspended: object.spec?.suspend === true } : {}),
  });
}

export function namespaceRow(object: KubeObject): NamespaceRow {
  return { ...base(object), phase: str(object.status?.phase, 'Active'), createdAt: createdAt(object) };
}

export function eventRow(object: KubeObject): EventRow {
  const o = object as any;
  const involved = o.involvedObject ?? o.regarding ?? {};
  // Named field by field, not spread first: events churn as pods do (see podRow).
  const { uid, resourceVersion, name } = base(object);
  return {
    uid,
    resourceVersion,
    name,
    namespace: str(object.metadata?.namespace),
    type: str(o.type, 'Normal'),
    reason: str(o.reason),
    message: str(o.message ?? o.note),
    involvedObject: {
      kind: str(involved.kind),
      name: str(involved.name),
      ...(typeof involved.namespace === 'string' ? { namespace: involved.namespace } : {}),
      ...(typeof involved.uid === 'string' ? { uid: involved.uid } : {}),
    },
    count: typeof o.count === 'number' ? o.count : num(o.series?.count) || 1,
    lastTimestamp: o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp ?? null,
  };
}
