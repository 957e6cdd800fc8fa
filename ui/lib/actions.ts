/**
 * Actions that change the cluster, as the dashboard asks for them: what each one is called,
 * what the confirmation says will happen, the request to the backend (`POST
 * /api/v1/actions/NAME`, server/actions.ts), and how to tell from the streamed rows that the
 * change has come back. Nothing here touches React or the engine: views pass rows in.
 */
import type { NodeRow, PodRow, WorkloadRow } from '../../adapters/rows.js';
import { withCluster } from './clusters.js';
import { formatClock } from './format.js';

/** The object an action is about, as the confirmation names it. */
export interface ActionObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * `cluster`: the kubeconfig context the action goes to (`?cluster=`), the one whose rows the
 * button sits on; absent, the backend's default. `uid`: the object the confirmation was opened
 * for; the backend makes it a precondition (a DELETE's `preconditions.uid`, a patch's
 * `metadata.uid`), so an object created again under the name is not acted on instead.
 */
export type ActionRequest = ActionOnObject & { readonly cluster?: string; readonly uid?: string };

type ActionOnObject =
  | { readonly action: 'cordon' | 'uncordon' | 'drain'; readonly object: ActionObject & { kind: 'Node' } }
  | { readonly action: 'delete-pod'; readonly object: ActionObject & { kind: 'Pod'; namespace: string } }
  | { readonly action: 'restart'; readonly object: ActionObject & { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'; namespace: string } }
  | { readonly action: 'scale'; readonly object: ActionObject & { kind: 'Deployment' | 'StatefulSet'; namespace: string }; readonly replicas: number }
  | { readonly action: 'suspend' | 'resume'; readonly object: ActionObject & { kind: 'CronJob'; namespace: string } };

export type ActionName = ActionRequest['action'];

/** One pod of a drain's answer. */
export interface DrainPod {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: 'evicted' | 'blocked' | 'failed' | 'skipped';
  readonly status?: number;
  readonly message?: string;
}

/** What the backend answers when the API server accepted the action. */
export interface ActionAnswer {
  readonly cluster: string;
  readonly object: ActionObject;
  readonly message: string;
  readonly resourceVersion?: string;
  readonly pods?: readonly DrainPod[];
  readonly complete?: boolean;
}

/** The API server (or the backend) said no: its status and its own words. */
export class ActionRefused extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly cluster: string | null,
  ) {
    super(reason);
    this.name = 'ActionRefused';
  }
}

/** Most replicas the dashboard asks for (the backend's bound, server/actions.ts). */
export const maxReplicas = 1000;

/** `ns/name`, or the name of a cluster-wide object. */
export function objectLabel(object: ActionObject): string {
  return object.namespace ? `${object.namespace}/${object.name}` : object.name;
}

const verbs: Record<ActionName, string> = {
  cordon: 'Cordon',
  uncordon: 'Uncordon',
  drain: 'Drain',
  'delete-pod': 'Delete',
  restart: 'Restart',
  scale: 'Scale',
  suspend: 'Suspend',
  resume: 'Resume',
};

/** The button's words: "Drain", "Delete"... Its accessible name adds the object (`actionLabel`). */
export function actionVerb(action: ActionName): string {
  return verbs[action];
}

/** "Drain demo-worker-1", "Delete pod shop/web-1": a button's accessible name, unique per object. */
export function actionLabel(action: ActionName, object: ActionObject): string {
  return `${actionVerb(action)} ${object.kind === 'Node' ? '' : `${object.kind.toLowerCase()} `}${objectLabel(object)}`;
}

/** What will happen, said before it does (the confirmation's body). */
export function consequence(request: ActionRequest): string {
  const what = `${request.object.kind} ${objectLabel(request.object)}`;
  switch (request.action) {
    case 'cordon':
      return `${what} will be marked unschedulable: no new pods will be placed on it. Pods already there keep running.`;
    case 'uncordon':
      return `${what} will be schedulable again: new pods may be placed on it.`;
    case 'drain':
      return `${what} will be cordoned, then every pod on it except DaemonSet pods will be evicted through the Eviction API. A PodDisruptionBudget may hold a pod back; the drain asks again for a while and reports any pod it could not evict.`;
    case 'delete-pod':
      return `${what} will be deleted with its grace period. Its controller, if it has one, will start a replacement.`;
    case 'restart':
      return `Every pod of ${what} will be replaced, one at a time (kubectl rollout restart).`;
    case 'scale':
      return `${what} will be scaled to ${request.replicas} replica${request.replicas === 1 ? '' : 's'}.`;
    case 'suspend':
      return `${what} will start no new Jobs until it is resumed. Jobs already running go on.`;
    case 'resume':
      return `${what} will start Jobs on its schedule again.`;
  }
}

/** What the dialog says while it waits for the stream to show the change. */
export function pendingText(request: ActionRequest): string {
  switch (request.action) {
    case 'cordon':
    case 'uncordon':
      return `waiting for ${request.object.name} to show ${request.action === 'cordon' ? 'unschedulable' : 'schedulable'}`;
    case 'drain':
      return 'waiting for the evicted pods to show Terminating';
    case 'delete-pod':
      return `waiting for ${request.object.name} to show Terminating`;
    case 'restart':
      return `waiting for the new ${request.object.kind} to arrive`;
    case 'scale':
      return `waiting for ${request.object.name} to show ${request.replicas} replicas asked for`;
    case 'suspend':
    case 'resume':
      return `waiting for ${request.object.name} to show ${request.action === 'suspend' ? 'suspended' : 'resumed'}`;
  }
}

/** The body the backend reads for each action, with the uid confirmed when known (a precondition there). */
function bodyOf(request: ActionRequest): Record<string, unknown> {
  return request.uid ? { ...fieldsOf(request), uid: request.uid } : fieldsOf(request);
}

function fieldsOf(request: ActionRequest): Record<string, unknown> {
  const { object } = request;
  switch (request.action) {
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return { node: object.name };
    case 'delete-pod':
    case 'suspend':
    case 'resume':
      return { namespace: object.namespace, name: object.name };
    case 'restart':
      return { kind: object.kind, namespace: object.namespace, name: object.name };
    case 'scale':
      return { kind: object.kind, namespace: object.namespace, name: object.name, replicas: request.replicas };
  }
}

async function backendJson(path: string, init: RequestInit, signal?: AbortSignal): Promise<{ ok: boolean; status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ActionRefused(0, 'the kubelive backend cannot be reached', null);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { ok: response.ok, status: response.status, body };
}

function refusalOf(status: number, body: Record<string, unknown>): ActionRefused {
  const reason = typeof body.reason === 'string' ? body.reason : typeof body.error === 'string' ? body.error : `HTTP ${status}`;
  return new ActionRefused(status, reason, typeof body.cluster === 'string' ? body.cluster : null);
}

/** Sends the action. Resolves with the backend's answer, or throws ActionRefused in the API server's words. */
export async function sendAction(request: ActionRequest, signal?: AbortSignal): Promise<ActionAnswer> {
  // JSON, as every request that changes something must be (the backend refuses forms and beacons).
  const init = { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(request)) };
  const answer = await backendJson(withCluster(`api/v1/actions/${request.action}`, request.cluster), init, signal);
  if (!answer.ok) throw refusalOf(answer.status, answer.body);
  return answer.body as unknown as ActionAnswer;
}

/** The cluster actions act on: the kubeconfig context the backend uses. */
export async function fetchActionCluster(cluster: string | undefined, signal?: AbortSignal): Promise<ActionTarget> {
  const answer = await backendJson(withCluster('api/v1/actions', cluster), { headers: { accept: 'application/json' } }, signal);
  if (!answer.ok) throw refusalOf(answer.status, answer.body);
  const text = (key: string) => String(answer.body[key] ?? '');
  return { cluster: text('cluster'), clusterEntry: text('clusterEntry'), user: text('user'), server: text('server') };
}

/** Where an action acts and as whom: the kubeconfig context (`cluster`), its cluster and user entries, and the API server. */
export interface ActionTarget {
  readonly cluster: string;
  readonly clusterEntry: string;
  readonly user: string;
  readonly server: string;
}

export interface DrainPlan {
  readonly evict: readonly { namespace: string; name: string }[];
  readonly leave: readonly { namespace: string; name: string; reason: string }[];
}

/** Which pods a drain of `node` would evict, and which it would leave, as the API server has them now. */
export async function fetchDrainPlan(node: string, cluster: string | undefined, signal?: AbortSignal): Promise<DrainPlan> {
  const answer = await backendJson(withCluster(`api/v1/actions/drain-plan?node=${encodeURIComponent(node)}`, cluster), { headers: { accept: 'application/json' } }, signal);
  if (!answer.ok) throw refusalOf(answer.status, answer.body);
  return { evict: (answer.body.evict as DrainPlan['evict']) ?? [], leave: (answer.body.leave as DrainPlan['leave']) ?? [] };
}

/** The rows the stream holds that can show an action's effect. */
export interface StreamedRows {
  readonly nodes?: readonly NodeRow[];
  readonly pods?: readonly PodRow[];
  readonly workloads?: readonly WorkloadRow[];
}

/**
 * Whether the stream has brought the change back: the state the action asked for is what the
 * rows now say. `before` is the object's row resourceVersion when the action was sent (for a
 * restart, whose effect shows on the row only as a new version).
 */
export function hasArrived(request: ActionRequest, answer: ActionAnswer, rows: StreamedRows, before: string | null): boolean {
  const { object } = request;
  const workload = () => rows.workloads?.find((w) => w.kind === object.kind && w.namespace === object.namespace && w.name === object.name);
  switch (request.action) {
    case 'cordon':
    case 'uncordon':
      return rows.nodes?.find((n) => n.name === object.name)?.unschedulable === (request.action === 'cordon');
    case 'drain': {
      if (rows.nodes?.find((n) => n.name === object.name)?.unschedulable !== true || !rows.pods) return false;
      const evicted = new Set((answer.pods ?? []).filter((p) => p.outcome === 'evicted').map((p) => `${p.namespace}/${p.name}`));
      // Each evicted pod is Terminating or gone from this node (a StatefulSet's replacement has the same name, elsewhere).
      return rows.pods.every((p) => !evicted.has(`${p.namespace}/${p.name}`) || p.deleting || p.nodeName !== object.name);
    }
    case 'delete-pod': {
      const pod = rows.pods?.find((p) => p.namespace === object.namespace && p.name === object.name);
      return rows.pods !== undefined && (pod === undefined || pod.deleting);
    }
    case 'restart': {
      const rv = workload()?.resourceVersion;
      return rv !== undefined && (rv === answer.resourceVersion || rv !== before);
    }
    case 'scale':
      return workload()?.desired === request.replicas;
    case 'suspend':
    case 'resume':
      return workload()?.suspended === (request.action === 'suspend');
  }
}

/**
 * Why a confirmation opened on one object must not act any more: the cluster deleted it
 * (`goneAt`), or another object took its name (another uid); null while it is still the one.
 * `opened` is the request as the dialog was opened, with its uid; `live` the object of that name
 * as the view shows it now.
 */
export function staleReason(opened: ActionRequest, live: { uid: string; goneAt: number | null }): string | null {
  const what = objectLabel(opened.object);
  if (live.goneAt !== null) return `${what} was deleted from the cluster at ${formatClock(live.goneAt)}, after this was opened. Nothing was sent.`;
  if (opened.uid && live.uid !== opened.uid) {
    return `${what} was deleted and a new object took its name (uid ${live.uid}). This was opened for the deleted one (uid ${opened.uid}), so it sends nothing; act on the new one from its own button if that is what you mean.`;
  }
  return null;
}

/**
 * Why the buttons for `actions` on an object the cluster deleted at `goneAt` are disabled: one
 * sentence for every button of the object ("shop/cart was deleted from the cluster at 14:02:11:
 * there is nothing to restart or scale."), shown beside them and given to each as its description.
 */
export function deletedReason(object: ActionObject, actions: readonly ActionName[], goneAt: number): string {
  const verbs = actions.map((a) => actionVerb(a).toLowerCase());
  const what = verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} or ${verbs.at(-1)}` : (verbs[0] ?? 'act on');
  return `${objectLabel(object)} was deleted from the cluster at ${formatClock(goneAt)}: there is nothing to ${what}.`;
}
