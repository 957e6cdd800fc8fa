/**
 * Actions change the cluster on an operator's say-so: cordon and uncordon, drain, delete a pod,
 * restart a workload, scale one, suspend or resume a CronJob. Each is the request kubectl sends
 * for it, made with the kubeconfig's credentials; each answer names the cluster (the kubeconfig
 * context) and the object; a refusal comes back with the API server's status and in its words
 * (RBAC's 403, a PodDisruptionBudget's 429, 404, 409, 422). What an action changed is not
 * reported from here as the new truth: the dashboard shows it when the stream brings it back.
 *
 * Drain is kubectl drain's --ignore-daemonsets --delete-emptydir-data: cordon, then evict every
 * pod on the node through the Eviction API except DaemonSet pods, mirror pods and pods no
 * controller would recreate, asking again every `drainRetryMs` while a budget holds a pod back,
 * until `drainTimeoutMs`. It reports each pod: evicted, blocked (the budget's words) or failed.
 * One drain per node at a time.
 */
import { KubeApiError, KubeTimeoutError, type KubeClient } from '../adapters/kube/client.js';
import type { KubeliveConfig } from '../machines/config.js';
import { isFinishedPhase } from '../adapters/rows.js';

/** What an action answers: an HTTP status and a JSON body that always names the cluster. */
export interface ActionAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface ObjectName {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** One pod of a drain: whether the eviction went through, a budget still holds it back, or it failed. */
export interface DrainPodOutcome {
  readonly namespace: string;
  readonly name: string;
  readonly outcome: 'evicted' | 'blocked' | 'failed' | 'skipped';
  /** The API server's status for the last refusal (429, 403, ...). */
  readonly status?: number;
  /** The API server's words for it, or why the pod is left alone. */
  readonly message?: string;
  readonly attempts: number;
}

export const actionNames = ['cordon', 'uncordon', 'drain', 'delete-pod', 'restart', 'scale', 'suspend', 'resume'] as const;
export type ActionName = (typeof actionNames)[number];

export function isActionName(value: string): value is ActionName {
  return (actionNames as readonly string[]).includes(value);
}

/** Most replicas the dashboard asks for: a slip of the keyboard should not ask a cluster for 100,000 pods. */
export const maxScaleReplicas = 1000;
/** Drains running at once, over all nodes: each holds a few evictions in flight. */
const maxConcurrentDrains = 4;
/** Evictions one drain has in flight at once. */
const evictionsInFlight = 8;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const objectName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const restartable = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;
const scalable = { Deployment: 'deployments', StatefulSet: 'statefulsets' } as const;

class BadActionRequest extends Error {}

/** Whom an action is about, checked: a node name, or a namespace and name (and a kind where several may be meant). */
function field(body: Record<string, unknown>, key: string, pattern: RegExp, max: number): string {
  const value = body[key];
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !pattern.test(value)) throw new BadActionRequest(`"${key}" must be a Kubernetes name, got ${JSON.stringify(value ?? null)}`);
  return value;
}

function kindOf<T extends Record<string, string>>(body: Record<string, unknown>, allowed: T): keyof T & string {
  const kind = body.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(allowed, kind)) throw new BadActionRequest(`"kind" must be one of ${Object.keys(allowed).join(', ')}, got ${JSON.stringify(kind ?? null)}`);
  return kind;
}

/** A uid the request names, if it names one: the object the operator confirmed. */
function optionalUid(body: Record<string, unknown>): string | undefined {
  const uid = body.uid;
  if (uid === undefined || uid === null || uid === '') return undefined;
  if (typeof uid !== 'string' || uid.length > 128 || !/^[A-Za-z0-9-]+$/.test(uid)) throw new BadActionRequest(`"uid" must be an object's uid, got ${JSON.stringify(uid)}`);
  return uid;
}

/**
 * A patch that names the object's uid: the API server takes a uid in an update's object as a
 * precondition and answers 409 Conflict if the object under that name has another (as a
 * DELETE's `preconditions.uid`), so the action does not reach an object created since.
 */
function withUid<T extends Record<string, unknown>>(patch: T, uid: string | undefined): T {
  return uid ? { ...patch, metadata: { ...((patch.metadata as Record<string, unknown> | undefined) ?? {}), uid } } : patch;
}

const enc = encodeURIComponent;

export class ActionRunner {
  /** Nodes being drained now, so a second drain of the same node is refused rather than doubled. */
  private readonly draining = new Set<string>();
  /** Counters for diagnostics. */
  readonly counts = { done: 0, refused: 0, drainsRefused: 0 };

  constructor(
    private readonly client: KubeClient,
    private readonly config: () => KubeliveConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Where actions act and as whom, as the confirmation names it: the kubeconfig context, its cluster and user entries, the server. */
  cluster(): { cluster: string; clusterEntry: string; user: string; server: string } {
    const entries = this.client.entryNames;
    return { cluster: this.client.contextName, clusterEntry: entries.cluster, user: entries.user, server: this.client.server };
  }

  async run(action: ActionName, rawBody: unknown): Promise<ActionAnswer> {
    const body = (typeof rawBody === 'object' && rawBody !== null && !Array.isArray(rawBody) ? rawBody : {}) as Record<string, unknown>;
    let object: ObjectName | null = null;
    try {
      const request = this.parse(action, body);
      object = request.object;
      const answer = await request.perform();
      this.counts.done++;
      return { status: 200, body: { action, ...this.cluster(), object, ...answer } };
    } catch (error) {
      this.counts.refused++;
      return this.refusal(action, object, error);
    }
  }

  /** `GET /api/v1/actions/drain-plan?node=`: which pods a drain would evict and which it leaves, read from the API server now. */
  async drainPlan(node: string): Promise<ActionAnswer> {
    const object: ObjectName = { kind: 'Node', name: node };
    try {
      if (!objectName.test(node) || node.length > 253) throw new BadActionRequest(`"node" must be a Kubernetes name, got ${JSON.stringify(node)}`);
      const plan = await this.planDrain(node);
      return { status: 200, body: { action: 'drain', ...this.cluster(), object, evict: plan.evict.map(podRef), leave: plan.leave.map((p) => ({ ...podRef(p.pod), reason: p.reason })) } };
    } catch (error) {
      return this.refusal('drain', object, error);
    }
  }

  private parse(action: ActionName, body: Record<string, unknown>): { object: ObjectName; perform: () => Promise<Record<string, unknown>> } {
    switch (action) {
      case 'cordon':
      case 'uncordon': {
        const name = field(body, 'node', objectName, 253);
        const uid = optionalUid(body);
        return { object: { kind: 'Node', name }, perform: () => this.setUnschedulable(name, action === 'cordon', uid) };
      }
      case 'drain': {
        const name = field(body, 'node', objectName, 253);
        const uid = optionalUid(body);
        return { object: { kind: 'Node', name }, perform: () => this.drain(name, uid) };
      }
      case 'delete-pod': {
        const namespace = field(body, 'namespace', dnsLabel, 63);
        const name = field(body, 'name', objectName, 253);
        const uid = optionalUid(body);
        return {
          object: { kind: 'Pod', namespace, name },
          perform: async () => {
            // DELETE with the pod's own grace period, as `kubectl delete pod` sends it. With the
            // uid of the pod the operator confirmed as a precondition: a pod created since under
            // the same name (a StatefulSet's ordinal) is another pod, and the API server answers
            // 409 Conflict rather than deleting it.
            const options = uid ? { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } } : {};
            const pod = await this.client.requestJson<KubeObjectLike>('DELETE', `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`, options);
            return { resourceVersion: pod.metadata?.resourceVersion ?? '', message: `pod "${name}" deleted` };
          },
        };
      }
      case 'restart': {
        const kind = kindOf(body, restartable);
        const namespace = field(body, 'namespace', dnsLabel, 63);
        const name = field(body, 'name', objectName, 253);
        const plural = restartable[kind as keyof typeof restartable];
        const uid = optionalUid(body);
        return {
          object: { kind, namespace, name },
          perform: async () => {
            // The patch `kubectl rollout restart` sends: a new template annotation rolls every pod.
            const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } } } } };
            const updated = await this.client.requestJson<KubeObjectLike>('PATCH', `/apis/apps/v1/namespaces/${enc(namespace)}/${plural}/${enc(name)}`, { body: withUid(patch, uid), contentType: 'application/strategic-merge-patch+json' });
            return { resourceVersion: updated.metadata?.resourceVersion ?? '', message: `${kind.toLowerCase()}.apps/${name} restarted` };
          },
        };
      }
      case 'scale': {
        const kind = kindOf(body, scalable);
        const namespace = field(body, 'namespace', dnsLabel, 63);
        const name = field(body, 'name', objectName, 253);
        const replicas = body.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > maxScaleReplicas) {
          throw new BadActionRequest(`"replicas" must be a whole number from 0 to ${maxScaleReplicas}, got ${JSON.stringify(replicas ?? null)}`);
        }
        const plural = scalable[kind as keyof typeof scalable];
        const uid = optionalUid(body);
        return {
          object: { kind, namespace, name },
          perform: async () => {
            // Through the scale subresource, as `kubectl scale` does.
            const scale = await this.client.requestJson<{ spec?: { replicas?: number }; metadata?: { resourceVersion?: string } }>('PATCH', `/apis/apps/v1/namespaces/${enc(namespace)}/${plural}/${enc(name)}/scale`, {
              // A Scale's uid is its workload's: the scale subresource refuses another with 409.
              body: withUid({ spec: { replicas } }, uid),
              contentType: 'application/merge-patch+json',
            });
            return { replicas: scale.spec?.replicas ?? replicas, resourceVersion: scale.metadata?.resourceVersion ?? '', message: `${kind.toLowerCase()}.apps/${name} scaled` };
          },
        };
      }
      case 'suspend':
      case 'resume': {
        const namespace = field(body, 'namespace', dnsLabel, 63);
        const name = field(body, 'name', objectName, 253);
        const suspend = action === 'suspend';
        const uid = optionalUid(body);
        return {
          object: { kind: 'CronJob', namespace, name },
          perform: async () => {
            const updated = await this.client.requestJson<KubeObjectLike & { spec?: { suspend?: boolean } }>('PATCH', `/apis/batch/v1/namespaces/${enc(namespace)}/cronjobs/${enc(name)}`, {
              body: withUid({ spec: { suspend } }, uid),
              contentType: 'application/merge-patch+json',
            });
            return { suspend: updated.spec?.suspend === true, resourceVersion: updated.metadata?.resourceVersion ?? '', message: `cronjob.batch/${name} ${suspend ? 'suspended' : 'resumed'}` };
          },
        };
      }
    }
  }

  private async setUnschedulable(name: string, unschedulable: boolean, uid?: string): Promise<Record<string, unknown>> {
    // The same patch `kubectl cordon` sends, with the uid confirmed as a precondition (withUid).
    const node = await this.client.requestJson<KubeObjectLike & { spec?: { unschedulable?: boolean } }>('PATCH', `/api/v1/nodes/${enc(name)}`, {
      body: withUid({ spec: { unschedulable } }, uid),
      contentType: 'application/strategic-merge-patch+json',
    });
    return { unschedulable: node.spec?.unschedulable === true, resourceVersion: node.metadata?.resourceVersion ?? '', message: `node/${name} ${unschedulable ? 'cordoned' : 'uncordoned'}` };
  }

  private async planDrain(node: string): Promise<{ evict: PodLike[]; leave: { pod: PodLike; reason: string }[] }> {
    const list = await this.client.requestJson<{ items?: PodLike[] }>('GET', '/api/v1/pods', { query: { fieldSelector: `spec.nodeName=${node}` } });
    const evict: PodLike[] = [];
    const leave: { pod: PodLike; reason: string }[] = [];
    for (const pod of list.items ?? []) {
      const reason = reasonToLeave(pod);
      if (reason) leave.push({ pod, reason });
      else evict.push(pod);
    }
    return { evict, leave };
  }

  private async drain(node: string, uid?: string): Promise<Record<string, unknown>> {
    if (this.draining.has(node) || this.draining.size >= maxConcurrentDrains) {
      this.counts.drainsRefused++;
      const why = this.draining.has(node) ? `node ${node} is being drained already` : `${maxConcurrentDrains} drains are running already`;
      throw new ActionConflict(why);
    }
    this.draining.add(node);
    try {
      // Cordoned first, with the node's uid: a drain confirmed for a node since replaced stops here, evicting nothing.
      const cordoned = await this.setUnschedulable(node, true, uid);
      const plan = await this.planDrain(node);
      const deadline = Date.now() + this.config().drainTimeoutMs;
      const outcomes: DrainPodOutcome[] = plan.leave.map(({ pod, reason }) => ({ ...podRef(pod), outcome: 'skipped', message: reason, attempts: 0 }));
      const queue = [...plan.evict];
      const worker = async () => {
        for (let pod = queue.shift(); pod; pod = queue.shift()) outcomes.push(await this.evictUntil(pod, deadline));
      };
      await Promise.all(Array.from({ length: Math.min(evictionsInFlight, queue.length) }, worker));
      const evicted = outcomes.filter((o) => o.outcome === 'evicted').length;
      const held = outcomes.filter((o) => o.outcome === 'blocked' || o.outcome === 'failed').length;
      return {
        resourceVersion: cordoned.resourceVersion,
        complete: held === 0,
        pods: outcomes,
        message: held === 0 ? `node/${node} drained: ${evicted} pod${evicted === 1 ? '' : 's'} evicted` : `node/${node} cordoned; ${held} of ${evicted + held} pods not evicted`,
      };
    } finally {
      this.draining.delete(node);
    }
  }

  /** Evicts one pod, asking again while a budget holds it back (429) and time is left, as kubectl drain does. */
  private async evictUntil(pod: PodLike, deadline: number): Promise<DrainPodOutcome> {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    const path = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}/eviction`;
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
    for (let attempts = 1; ; attempts++) {
      try {
        await this.client.requestJson('POST', path, { body });
        return { namespace, name, outcome: 'evicted', attempts };
      } catch (error) {
        // Gone already: what the eviction was for.
        if (error instanceof KubeApiError && error.status === 404) return { namespace, name, outcome: 'evicted', attempts, message: apiWords(error) };
        const status = error instanceof KubeApiError ? error.status : undefined;
        const message = apiWords(error);
        if (status !== 429) return { namespace, name, outcome: 'failed', attempts, message, ...(status !== undefined ? { status } : {}) };
        const retryMs = this.config().drainRetryMs;
        if (Date.now() + retryMs > deadline) return { namespace, name, outcome: 'blocked', attempts, status, message };
        await this.sleep(retryMs);
      }
    }
  }

  /** A refused action: the API server's status and words when it refused; ours when the request itself was wrong. */
  private refusal(action: ActionName, object: ObjectName | null, error: unknown): ActionAnswer {
    const named = { action, ...this.cluster(), object };
    if (error instanceof BadActionRequest) return { status: 400, body: { error: 'bad-action', reason: error.message, ...named } };
    if (error instanceof ActionConflict) return { status: 409, body: { error: 'action-in-progress', reason: error.message, ...named } };
    if (error instanceof KubeTimeoutError) return { status: 504, body: { error: 'upstream-timeout', reason: `${error.message}; the change may still be made`, ...named } };
    if (error instanceof KubeApiError) {
      const apiStatus = error.status;
      const status = apiStatus !== undefined && apiStatus >= 400 && apiStatus < 500 ? apiStatus : 502;
      const code = status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status === 409 ? 'conflict' : status === 429 ? 'too-many-requests' : status === 422 ? 'invalid' : 'upstream-error';
      return { status, body: { error: code, reason: apiWords(error), apiStatus: apiStatus ?? null, apiReason: error.reason ?? null, causes: error.said?.causes ?? [], ...named } };
    }
    return { status: 500, body: { error: 'internal', reason: error instanceof Error ? error.message : String(error), ...named } };
  }
}

class ActionConflict extends Error {}

interface KubeObjectLike {
  metadata?: { resourceVersion?: string };
}

interface PodLike {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  status?: { phase?: string };
}

function podRef(pod: PodLike): { namespace: string; name: string } {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name };
}

/** Why a drain leaves a pod where it is (kubectl drain's filters with --ignore-daemonsets --delete-emptydir-data), or null to evict it. */
function reasonToLeave(pod: PodLike): string | null {
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return 'a mirror pod: the kubelet runs it from a file';
  const controller = pod.metadata.ownerReferences?.find((o) => o.controller !== false);
  if (controller?.kind === 'DaemonSet') return 'DaemonSet-managed: it runs on every node';
  if (pod.metadata.deletionTimestamp !== undefined) return 'Terminating already';
  const finished = isFinishedPhase(pod.status?.phase);
  // kubectl drain refuses such pods without --force: nothing would recreate them.
  if (!controller && !finished) return 'no controller would recreate it (kubectl drain needs --force)';
  return null;
}

/** The API server's own words for a refusal: its Status message and causes, without our request's path. */
export function apiWords(error: unknown): string {
  if (error instanceof KubeApiError && error.said) return [error.said.message, ...error.said.causes].join(' ');
  return error instanceof Error ? error.message : String(error);
}
