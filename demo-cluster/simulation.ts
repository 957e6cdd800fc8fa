/**
 * Simulation builds a plausible cluster from a seed and keeps it alive: controllers that turn
 * deployments into replicasets into pods, a scheduler and kubelet that move new pods from Pending
 * to Running, and churn at a set rate (pods replaced, containers restarting, rollouts, events,
 * nodes going NotReady and back). With churn 0 nothing changes unless a client writes, so tests
 * can be exact; the controllers still react to writes (scaling, deleting a pod).
 */
import { sameJson } from './content.js';
import { ContentChurn } from './contentChurn.js';
import { EndpointsController } from './endpointsController.js';
import { ClusterBuilder, isoAt } from './generate.js';
import { containerStatuses, makeEvent, makePendingPod, makeReplicaSet, nodeCondition, restartContainer, schedulePod, startPod } from './objects.js';
import { Random } from './random.js';
import type { Change, KubeObject } from './store.js';
import { keyOf, objectKey } from './store.js';
import type { Stores } from './stores.js';
import { crashLoopStep, scenarioNamespace } from './troubleshooting.js';
import { deploymentStatus, isPodReady, podTemplateOf, replicaStatus } from './workloadStatus.js';

export interface SimulationOptions {
  nodes: number;
  pods: number;
  namespaces: number;
  seed: number;
  /** Simulated changes per second; 0 = none. */
  churn: number;
  /** The troubleshooting namespace (troubleshooting.ts); its pods keep their trouble, churn leaves them alone. */
  scenarios?: boolean;
  /**
   * How long the pod garbage collector waits after a node is deleted before it removes the pods
   * bound to it; default the real podgc's quarantine, 40 s.
   */
  podGcQuarantineMs?: number;
}

/** kube-controller-manager's podgc waits this long before it trusts that a node is gone (its `quarantineTime`). */
export const podGcQuarantineMs = 40_000;

/** Events kept at most; older ones are deleted, as the event TTL does on a real cluster. */
const maxEventsFloor = 500;
const tickMs = 100;
/** Content changes (config, HPAs, custom resources, Helm) per pod change: slow, as such objects change on a real cluster. */
const contentChurnShare = 0.1;
/** Empty old ReplicaSets kept per deployment (a real cluster keeps revisionHistoryLimit, 10). */
const revisionHistoryKept = 3;
/** How long the scenario's crash-looping container stays in each state of its cycle. */
const crashLoopStepMs = 5000;

interface Controller {
  kind: 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job';
  namespace: string;
  name: string;
}

export class Simulation {
  readonly random: Random;
  private readonly nodeIPs = new Map<string, string>();
  private workerNames: string[] = [];
  /** Every pod key, for picking one at random in constant time. */
  private readonly podKeys: string[] = [];
  private readonly podSlot = new Map<string, number>();
  private readonly podsByOwner = new Map<string, Set<string>>();
  private readonly eventKeys: string[] = [];
  private readonly staleOwners = new Map<string, { kind: string; namespace: string; name: string }>();
  private statusFlush: NodeJS.Immediate | undefined;
  /** Deployments (and StatefulSets, DaemonSets) with a rollout step already scheduled. */
  private readonly rolling = new Set<string>();
  /** Per StatefulSet or DaemonSet being restarted, the uids of its pods of the old template. */
  private readonly oldTemplatePods = new Map<string, Set<string>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private churnTimer: NodeJS.Timeout | undefined;
  private churnBudget = 0;
  private contentBudget = 0;
  private endpointsController: EndpointsController | undefined;
  private contentChurn: ContentChurn | undefined;
  private ipCounter = 0;
  private eventCounter = 0;
  private stopped = false;
  private readonly maxEvents: number;
  /** Churn scales deployments up to this many replicas at most. */
  private readonly churnReplicaCap: number;

  constructor(
    private readonly stores: Stores,
    private readonly options: SimulationOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.random = new Random(options.seed);
    this.maxEvents = Math.max(maxEventsFloor, Math.min(5000, Math.floor(options.pods / 4)));
    this.churnReplicaCap = Math.max(12, Math.ceil(options.pods / 400) * 4);
    stores.pods.subscribe((change) => this.indexPod(change));
  }

  private iso(offsetMs = 0): string {
    return isoAt(this.now() - offsetMs);
  }

  /** Builds the cluster from the seed and loads each store in one go, before anyone watches. */
  generate(): void {
    const builder = new ClusterBuilder(this.options, this.random, this.now, new Random(contentSeed(this.options.seed)));
    const built = builder.build();
    for (const [resource, objects] of built.byResource) this.stores.byName(resource).bulkLoad(objects);
    for (const [name, ip] of builder.nodeIPs) this.nodeIPs.set(name, ip);
    this.workerNames = builder.workerNames;
    this.ipCounter = builder.podIPsUsed;
    const pods = built.byResource.get('pods') ?? [];
    for (const pod of pods) this.indexPod({ type: 'ADDED', key: keyOf(pod), object: pod, previous: undefined, revision: 0 });
    for (const pod of pods.slice(0, 20)) this.recordEvent(pod, 'Normal', 'Started', `Started container ${this.firstContainer(pod)}`, 'kubelet');
    const seed = contentSeed(this.options.seed);
    this.endpointsController = new EndpointsController(this.stores, new Random(seed + 1), this.now);
    this.endpointsController.start();
    this.contentChurn = new ContentChurn(this.stores, new Random(seed + 2), this.now);
  }

  /** One change to the content around the workloads (config, HPAs, custom resources, Helm releases). */
  churnContentOnce(): void {
    this.contentChurn?.once();
  }

  /** Brings EndpointSlices, Endpoints and PDB statuses up to date now rather than on the next turn. */
  settleEndpoints(): void {
    this.endpointsController?.recomputeStale();
  }

  /** `<owner>-<5 random chars>` that no pod in the namespace has. */
  private freePodName(ns: string, owner: string): string {
    for (;;) {
      const name = `${owner}-${this.random.suffix(5)}`;
      if (!this.stores.pods.get(ns, name)) return name;
    }
  }

  private randomWorker(): string {
    return this.random.pick(this.workerNames);
  }

  /**
   * Where the scheduler puts a new pod: a worker that is not cordoned (a drained node must stay
   * empty), any worker when every one is. The pick is drawn the same way as before cordons
   * counted, so a seed makes the same cluster while nothing is cordoned.
   */
  private schedulableWorker(): string {
    const first = this.randomWorker();
    if (!this.isCordoned(first)) return first;
    const open = this.workerNames.filter((n) => !this.isCordoned(n));
    return open.length > 0 ? this.random.pick(open) : first;
  }

  private isCordoned(node: string): boolean {
    return (this.stores.nodes.get(undefined, node)?.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
  }

  /** A DaemonSet's next pod goes to a node that has none of its pods: one per node, cordoned or not, as DaemonSet pods tolerate it. */
  private nodeWantingDaemonPod(owner: KubeObject): string | undefined {
    const covered = new Set(this.activePodsOf(owner).map((p) => (p.spec as { nodeName?: string }).nodeName));
    for (const node of this.stores.nodes.values()) if (!covered.has(node.metadata.name)) return node.metadata.name;
    return undefined;
  }

  private nextPodIP(): string {
    const n = this.ipCounter++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }

  private firstContainer(pod: KubeObject): string {
    return String(((pod.spec as { containers: { name: string }[] }).containers[0] ?? { name: 'app' }).name);
  }

  // --- indexes ---------------------------------------------------------------------------

  private indexPod(change: Change): void {
    const key = change.key;
    const ownerUid = change.object.metadata.ownerReferences?.[0]?.uid;
    if (change.type === 'ADDED') {
      if (!this.podSlot.has(key)) {
        this.podSlot.set(key, this.podKeys.length);
        this.podKeys.push(key);
      }
      if (ownerUid) {
        let set = this.podsByOwner.get(ownerUid);
        if (!set) this.podsByOwner.set(ownerUid, (set = new Set()));
        set.add(key);
      }
    } else if (change.type === 'DELETED') {
      const slot = this.podSlot.get(key);
      if (slot !== undefined) {
        const last = this.podKeys.pop() as string;
        if (last !== key) {
          this.podKeys[slot] = last;
          this.podSlot.set(last, slot);
        }
        this.podSlot.delete(key);
      }
      if (ownerUid) this.podsByOwner.get(ownerUid)?.delete(key);
    }
  }

  private podsOf(owner: KubeObject): KubeObject[] {
    const keys = this.podsByOwner.get(owner.metadata.uid) ?? new Set<string>();
    const pods: KubeObject[] = [];
    for (const key of keys) {
      const pod = this.stores.pods.getByKey(key);
      if (pod) pods.push(pod);
    }
    return pods;
  }

  /** An owner's pods that are not being deleted: what its controller counts, as a real one filters out Terminating pods. */
  private activePodsOf(owner: KubeObject): KubeObject[] {
    return this.podsOf(owner).filter((pod) => !isTerminating(pod));
  }

  // --- controllers -------------------------------------------------------------------------

  /** Runs `fn` after `ms` unless the simulation has stopped; the timer is forgotten when it fires. */
  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** The newest ReplicaSet of a deployment: the one new pods go to. */
  private currentReplicaSet(deployment: KubeObject): KubeObject | undefined {
    const ns = deployment.metadata.namespace;
    let best: KubeObject | undefined;
    let bestRevision = -1;
    for (const rs of this.stores.replicasets.values(ns)) {
      if (rs.metadata.ownerReferences?.[0]?.uid !== deployment.metadata.uid) continue;
      const revision = Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      if (revision > bestRevision) {
        best = rs;
        bestRevision = revision;
      }
    }
    return best;
  }

  private replicaSetsOf(deployment: KubeObject): KubeObject[] {
    const owned: KubeObject[] = [];
    for (const rs of this.stores.replicasets.values(deployment.metadata.namespace)) {
      if (rs.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid) owned.push(rs);
    }
    return owned;
  }

  private setReplicaSetReplicas(rs: KubeObject, replicas: number): void {
    const ns = rs.metadata.namespace ?? 'default';
    if ((rs.spec as { replicas: number }).replicas !== replicas) {
      this.stores.replicasets.mutate(ns, rs.metadata.name, (draft) => {
        (draft.spec as { replicas: number }).replicas = replicas;
        (draft.metadata.annotations ??= {})['deployment.kubernetes.io/desired-replicas'] = String(replicas);
      });
    }
    this.reconcilePods({ kind: 'ReplicaSet', namespace: ns, name: rs.metadata.name });
  }

  /**
   * The deployment controller: while older ReplicaSets still have replicas, each step moves one
   * replica from an old ReplicaSet to the current one (a rolling update, one pod at a time) and
   * schedules the next step; once they are all at zero, the current one simply follows
   * `spec.replicas`, and ReplicaSets past the history limit are deleted. Every step reads the
   * state afresh, so overlapping rollouts and scaling converge instead of racing.
   */
  reconcileDeployment(namespace: string, name: string): void {
    const deployment = this.stores.deployments.get(namespace, name);
    if (!deployment) return;
    const current = this.currentReplicaSet(deployment);
    if (!current) return;
    const desired = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
    const old = this.replicaSetsOf(deployment).filter((rs) => rs !== current);
    const draining = old.filter((rs) => Number((rs.spec as { replicas?: number }).replicas ?? 0) > 0);
    const have = Number((current.spec as { replicas?: number }).replicas ?? 0);
    if (draining.length === 0) {
      this.setReplicaSetReplicas(current, desired);
      this.pruneHistory(old);
      return;
    }
    this.setReplicaSetReplicas(current, Math.min(desired, have + 1));
    const victim = draining[0] as KubeObject;
    this.setReplicaSetReplicas(victim, Number((victim.spec as { replicas: number }).replicas) - 1);
    const key = objectKey(namespace, name);
    if (!this.rolling.has(key)) {
      this.rolling.add(key);
      this.later(this.random.int(300, 900), () => {
        this.rolling.delete(key);
        this.reconcileDeployment(namespace, name);
      });
    }
  }

  /** Keeps the newest few empty ReplicaSets for history, as revisionHistoryLimit does. */
  private pruneHistory(old: KubeObject[]): void {
    const empty = old
      .filter((rs) => Number((rs.spec as { replicas?: number }).replicas ?? 0) === 0 && this.podsOf(rs).length === 0)
      .sort((a, b) => Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
    for (const rs of empty.slice(revisionHistoryKept)) this.stores.replicasets.delete(rs.metadata.namespace, rs.metadata.name);
  }

  /** Creates or deletes pods until a controller has as many as it wants. */
  reconcilePods(controller: Controller): void {
    const store = controller.kind === 'ReplicaSet' ? this.stores.replicasets : controller.kind === 'StatefulSet' ? this.stores.statefulsets : controller.kind === 'DaemonSet' ? this.stores.daemonsets : this.stores.jobs;
    const owner = store.get(controller.namespace, controller.name);
    if (!owner) return;
    if (controller.kind === 'StatefulSet') return this.reconcileOrdinals(owner);
    const pods = this.activePodsOf(owner);
    const want = controller.kind === 'DaemonSet' ? Number((owner.status as { desiredNumberScheduled?: number }).desiredNumberScheduled ?? pods.length) : controller.kind === 'Job' ? pods.length : Number((owner.spec as { replicas?: number }).replicas ?? 1);
    if (pods.length < want) {
      const taken = new Set(pods.map((p) => p.metadata.name));
      for (let i = 0, made = 0; made < want - pods.length; i++) {
        const name = this.freePodName(controller.namespace, controller.name);
        if (taken.has(name) || this.stores.pods.get(controller.namespace, name)) continue;
        this.createPod(owner, name);
        made++;
      }
    } else if (pods.length > want) {
      // Scale down removes the youngest pods first, as the ReplicaSet controller prefers.
      const victims = [...pods].sort((a, b) => (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1)).slice(0, pods.length - want);
      // This loop is the owner's reconciliation: each termination must not start another, which
      // terminated the rest from a fresh read while this loop went on with its older copies (a
      // scale-down of 230 pods wrote 26,106 changes and moved deletion timestamps).
      for (const pod of victims) {
        this.terminatePod(pod, this.churnGraceSeconds(), false);
        this.recordEvent(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    this.refreshStatus(owner);
  }

  /**
   * The StatefulSet controller: pod `<name>-<i>` for each ordinal below replicas, the highest
   * ordinals removed first on scale-down. An ordinal whose pod is still Terminating waits for it
   * to go, since its replacement has the same name (and mounts the same claim).
   */
  private reconcileOrdinals(owner: KubeObject): void {
    const ns = owner.metadata.namespace ?? 'default';
    const name = owner.metadata.name;
    const want = Number((owner.spec as { replicas?: number }).replicas ?? 1);
    for (let i = 0; i < want; i++) {
      if (!this.stores.pods.get(ns, `${name}-${i}`)) this.createPod(owner, `${name}-${i}`);
    }
    const ordinal = (pod: KubeObject): number => Number(pod.metadata.name.slice(name.length + 1));
    for (const pod of this.activePodsOf(owner)) {
      if (ordinal(pod) >= want || !Number.isInteger(ordinal(pod))) {
        this.terminatePod(pod, this.churnGraceSeconds(), false);
        this.recordEvent(owner, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`, 'statefulset-controller');
      }
    }
    this.refreshStatus(owner);
  }

  private createPod(owner: KubeObject, name: string): void {
    const ns = owner.metadata.namespace ?? 'default';
    const template = podTemplateOf(owner);
    const pod = makePendingPod({ name, namespace: ns, uid: this.random.uid(), created: this.iso(), owner, template });
    // A ReplicaSet's pods are its template's spec, as the controller stamps them: the same as the
    // generated spec for the simulation's own, and everything a client's Deployment asked for
    // (service account, probes, security context) for one it created.
    if (owner.kind === 'ReplicaSet') pod.spec = { ...(pod.spec as object), ...structuredClone((owner.spec as { template: { spec: object } }).template.spec) };
    const daemonNode = owner.kind === 'DaemonSet' ? this.nodeWantingDaemonPod(owner) : undefined;
    this.stores.pods.create(pod);
    this.recordEvent(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, `${owner.kind.toLowerCase()}-controller`);
    // The scheduler binds it shortly, the kubelet starts it a little later.
    this.later(this.random.int(100, 400), () => this.schedule(ns, name, daemonNode));
  }

  private schedule(ns: string, name: string, pinnedTo?: string): void {
    if (pinnedTo === undefined && this.workerNames.length === 0) {
      // Every worker deleted (Simulation.deleteNode): the pod stays Pending, as the scheduler leaves it.
      const pod = this.stores.pods.get(ns, name);
      if (pod) this.recordEvent(pod, 'Warning', 'FailedScheduling', `0/${this.stores.nodes.size} nodes are available: no worker node is left.`, 'default-scheduler');
      return;
    }
    const node = pinnedTo ?? this.schedulableWorker();
    const pod = this.stores.pods.mutate(ns, name, (draft) => schedulePod(draft, node, this.nodeIPs.get(node) ?? '10.0.0.2', this.iso()));
    if (!pod) return;
    this.recordEvent(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`, 'default-scheduler');
    this.later(this.random.int(300, 1200), () => this.startContainers(ns, name));
  }

  private startContainers(ns: string, name: string): void {
    const pod = this.stores.pods.mutate(ns, name, (draft) => startPod(draft, this.nextPodIP(), this.iso()));
    if (!pod) return;
    this.recordEvent(pod, 'Normal', 'Started', `Started container ${this.firstContainer(pod)}`, 'kubelet', String((pod.spec as { nodeName?: string }).nodeName ?? ''));
    this.refreshOwnerOf(pod);
  }

  private refreshOwnerOf(pod: KubeObject): void {
    const ref = pod.metadata.ownerReferences?.[0];
    if (!ref) return;
    const store = ref.kind === 'ReplicaSet' ? this.stores.replicasets : ref.kind === 'StatefulSet' ? this.stores.statefulsets : ref.kind === 'DaemonSet' ? this.stores.daemonsets : undefined;
    const owner = store?.get(pod.metadata.namespace, ref.name);
    if (owner) this.refreshStatus(owner);
  }

  /** Recomputes a controller's status from its pods (and a deployment's from its replicasets). */
  /**
   * Marks a controller's status as stale; statuses are recomputed once per turn of the event
   * loop, however many of its pods changed in it (under heavy churn, hundreds).
   */
  private refreshStatus(owner: KubeObject): void {
    this.staleOwners.set(owner.metadata.uid, { kind: owner.kind, namespace: owner.metadata.namespace ?? 'default', name: owner.metadata.name });
    this.statusFlush ??= setImmediate(() => {
      this.statusFlush = undefined;
      const stale = [...this.staleOwners.values()];
      this.staleOwners.clear();
      if (this.stopped) return;
      for (const ref of stale) {
        const store = { ReplicaSet: this.stores.replicasets, StatefulSet: this.stores.statefulsets, DaemonSet: this.stores.daemonsets }[ref.kind];
        const current = store?.get(ref.namespace, ref.name);
        if (current) this.recomputeStatus(current);
      }
    });
  }

  private recomputeStatus(owner: KubeObject): void {
    const ns = owner.metadata.namespace;
    const pods = this.activePodsOf(owner);
    const ready = pods.filter(isPodReady).length;
    if (owner.kind === 'ReplicaSet') {
      const next = replicaStatus(pods);
      if (!sameJson(owner.status, next)) this.stores.replicasets.mutate(ns, owner.metadata.name, (d) => void (d.status = next));
      const depRef = owner.metadata.ownerReferences?.[0];
      const deployment = depRef ? this.stores.deployments.get(ns, depRef.name) : undefined;
      if (deployment) {
        const all: KubeObject[] = [];
        for (const rs of this.stores.replicasets.values(ns)) if (rs.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid) all.push(...this.podsOf(rs));
        const current = this.currentReplicaSet(deployment);
        const status = deploymentStatus(deployment, all, Number((deployment.spec as { replicas?: number }).replicas ?? 0), current ? this.podsOf(current).length : all.length);
        if (!sameJson(deployment.status, status)) this.stores.deployments.mutate(ns, deployment.metadata.name, (d) => void (d.status = status));
      }
    } else if (owner.kind === 'StatefulSet') {
      this.stores.statefulsets.mutate(ns, owner.metadata.name, (d) => {
        Object.assign(d.status as object, { replicas: pods.length, readyReplicas: ready, availableReplicas: ready, currentReplicas: pods.length, updatedReplicas: pods.length });
      });
    } else if (owner.kind === 'DaemonSet') {
      this.stores.daemonsets.mutate(ns, owner.metadata.name, (d) => {
        Object.assign(d.status as object, { currentNumberScheduled: pods.length, numberReady: ready, numberAvailable: ready, updatedNumberScheduled: pods.length });
      });
    }
  }

  /**
   * DELETE of a Node: the object goes at once, as on a real cluster (a Node has no finalizers and
   * no grace period), and the node-lifecycle controller records RemovingNode. No pod moves yet:
   * the pods bound to it stay as they were, until the pod garbage collector, after its
   * quarantine, marks each one Failed with a DisruptionTarget condition (DeletionByPodGC) and
   * deletes it with no grace, whereupon their controllers replace them elsewhere.
   */
  deleteNode(name: string): KubeObject | undefined {
    const node = this.stores.nodes.delete(undefined, name);
    if (!node) return undefined;
    this.workerNames = this.workerNames.filter((n) => n !== name);
    this.recordEvent({ ...node, metadata: { ...node.metadata, namespace: 'default' } }, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`, 'node-controller');
    this.later(this.options.podGcQuarantineMs ?? podGcQuarantineMs, () => this.collectPodsOfDeletedNode(name));
    return node;
  }

  /** The pod garbage collector's part for one deleted node (podgc's gcOrphaned): unless a node of that name is back, each pod on it goes. */
  private collectPodsOfDeletedNode(name: string): void {
    if (this.stores.nodes.get(undefined, name)) return;
    const orphans = [...this.stores.pods.values()].filter((p) => (p.spec as { nodeName?: string }).nodeName === name);
    for (const pod of orphans) {
      const namespace = pod.metadata.namespace ?? 'default';
      const marked = this.stores.pods.mutate(namespace, pod.metadata.name, (d) => {
        const status = (d.status ??= {}) as { phase?: string; conditions?: Record<string, unknown>[] };
        if (status.phase !== 'Succeeded' && status.phase !== 'Failed') status.phase = 'Failed';
        const conditions = (status.conditions ??= []);
        const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: this.iso(), lastProbeTime: null };
        const at = conditions.findIndex((c) => c.type === 'DisruptionTarget');
        if (at >= 0) conditions[at] = condition;
        else conditions.push(condition);
      });
      if (marked) this.terminatePod(marked, 0);
    }
  }

  /**
   * A client deleted a pod. As on a real cluster the deletion is graceful: the pod gets a
   * deletionTimestamp and stays, Terminating, for its grace period (the request's, else the pod's
   * terminationGracePeriodSeconds), then goes. Its controller replaces it at once, since it does
   * not count Terminating pods. A grace period of 0 removes it now. Returns the pod as it is after
   * the request (the last state, for a removal).
   *
   * The kubelet of the pod's node stops each container and says so in an Event (`Killing`,
   * "Stopping container <name>"), as on a real cluster: that event is what tells an operator why
   * the pod went. A pod bound to no node has no kubelet, and one already Terminating was stopped
   * before, so neither records one.
   */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): KubeObject | undefined {
    const pod = this.stores.pods.get(namespace, name);
    if (!pod) return undefined;
    const node = (pod.spec as { nodeName?: string }).nodeName;
    if (node && !isTerminating(pod)) {
      for (const container of (pod.spec as { containers?: { name: string }[] }).containers ?? []) {
        this.recordEvent(pod, 'Normal', 'Killing', `Stopping container ${container.name}`, 'kubelet', node);
      }
    }
    return this.terminatePod(pod, gracePeriodSeconds ?? podGracePeriodSeconds(pod));
  }

  /** The grace period of the simulation's own deletions: short, so churn keeps moving. */
  private churnGraceSeconds(): number {
    return this.random.int(1, 3);
  }

  private terminatePod(pod: KubeObject, graceSeconds: number, reconcileOwner = true): KubeObject | undefined {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    let result: KubeObject | undefined;
    // The stored pod decides, not the caller's copy, which may be older than a deletion since.
    const stored = this.stores.pods.get(namespace, name);
    if (!stored || stored.metadata.uid !== pod.metadata.uid) return undefined;
    if (graceSeconds === 0) result = this.stores.pods.delete(namespace, name);
    else if (isTerminating(stored)) return stored; // already on its way; a second delete changes nothing
    else {
      result = this.stores.pods.mutate(namespace, name, (draft) => {
        draft.metadata.deletionTimestamp = isoAt(this.now() + graceSeconds * 1000);
        draft.metadata.deletionGracePeriodSeconds = graceSeconds;
      });
      const uid = pod.metadata.uid;
      this.later(graceSeconds * 1000, () => {
        if (this.stores.pods.get(namespace, name)?.metadata.uid === uid) this.stores.pods.delete(namespace, name);
        this.refreshOwnerOf(pod);
        // Its name is free now: a StatefulSet brings the ordinal back.
        const owner = pod.metadata.ownerReferences?.[0];
        if (owner?.kind === 'StatefulSet') this.reconcilePods({ kind: 'StatefulSet', namespace, name: owner.name });
      });
    }
    const ref = pod.metadata.ownerReferences?.[0];
    if (reconcileOwner && ref && (ref.kind === 'ReplicaSet' || ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet')) {
      this.reconcilePods({ kind: ref.kind, namespace, name: ref.name });
    }
    return result;
  }

  recordEvent(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string): void {
    const ns = involved.metadata.namespace ?? 'default';
    const name = `${involved.metadata.name}.${(0x180000000 + this.eventCounter++).toString(16)}`;
    this.stores.events.create(makeEvent({ name, namespace: ns, uid: this.random.uid(), at: this.iso(), involved, type, reason, message, component, ...(host ? { host } : {}) }));
    this.eventKeys.push(objectKey(ns, name));
    while (this.eventKeys.length > this.maxEvents) {
      const [oldNs = '', oldName = ''] = (this.eventKeys.shift() as string).split('/');
      this.stores.events.delete(oldNs, oldName);
    }
  }

  // --- churn -------------------------------------------------------------------------------

  start(): void {
    if (this.options.churn <= 0 || this.churnTimer) return;
    if (this.options.scenarios) this.cycleCrashLoop();
    this.churnTimer = setInterval(() => {
      this.churnBudget += (this.options.churn * tickMs) / 1000;
      // A stalled event loop must not turn into a burst of thousands of changes.
      this.churnBudget = Math.min(this.churnBudget, Math.max(10, this.options.churn));
      while (this.churnBudget >= 1) {
        this.churnBudget -= 1;
        this.churnOnce();
      }
      this.spendContentBudget(Math.min(this.contentBudget + (this.options.churn * contentChurnShare * tickMs) / 1000, Math.max(1, this.options.churn * contentChurnShare)));
    }, tickMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.churnTimer) clearInterval(this.churnTimer);
    this.churnTimer = undefined;
    if (this.statusFlush) clearImmediate(this.statusFlush);
    this.statusFlush = undefined;
    this.endpointsController?.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * `count` changes as the churn timer makes them: pod changes, and changes to the content around
   * the workloads at their share. For a driver that sets its own pace (the bench's cluster process).
   */
  churnBatch(count: number): void {
    for (let i = 0; i < count; i++) this.churnOnce();
    this.spendContentBudget(this.contentBudget + count * contentChurnShare);
  }

  /** Makes one content change for each whole unit of `budget` and keeps the fraction for next time. */
  private spendContentBudget(budget: number): void {
    this.contentBudget = budget;
    while (this.contentBudget >= 1) {
      this.contentBudget -= 1;
      this.churnContentOnce();
    }
  }

  /** One simulated change, chosen by weight. */
  churnOnce(): void {
    const roll = this.random.next();
    if (roll < 0.35) this.replaceRandomPod();
    else if (roll < 0.6) this.restartRandomContainer();
    else if (roll < 0.8) this.randomPodEvent();
    else if (roll < 0.86) this.rollRandomDeployment();
    else if (roll < 0.9) this.flipRandomNode();
    else this.scaleRandomDeployment();
  }

  private randomPod(): KubeObject | undefined {
    if (this.podKeys.length === 0) return undefined;
    const pod = this.stores.pods.getByKey(this.random.pick(this.podKeys));
    // The scenario's pods are there to stay in their state; churn would heal or replace them.
    return pod?.metadata.namespace === scenarioNamespace ? undefined : pod;
  }

  /** The scenario's crash loop goes round (back-off, run, exit 1, back-off) every few seconds while churn runs. */
  private cycleCrashLoop(): void {
    this.later(crashLoopStepMs, () => {
      const pod = this.stores.pods.mutate(scenarioNamespace, 'crashloop', (d) => crashLoopStep(d, this.iso()));
      if (pod) this.recordEvent(pod, 'Warning', 'BackOff', 'Back-off restarting failed container crashloop in pod crashloop', 'kubelet');
      this.cycleCrashLoop();
    });
  }

  private replaceRandomPod(): void {
    const pod = this.randomPod();
    if (!pod || pod.metadata.ownerReferences?.[0]?.kind !== 'ReplicaSet' || isTerminating(pod)) return;
    this.recordEvent(pod, 'Normal', 'Killing', `Stopping container ${this.firstContainer(pod)}`, 'kubelet');
    this.terminatePod(pod, this.churnGraceSeconds());
  }

  private restartRandomContainer(): void {
    const pod = this.randomPod();
    if (!pod || (pod.status as { phase?: string }).phase !== 'Running' || isTerminating(pod)) return;
    const ns = pod.metadata.namespace ?? 'default';
    const crash = this.random.chance(0.3);
    const updated = this.stores.pods.mutate(ns, pod.metadata.name, (d) => restartContainer(d, 0, this.iso(), crash));
    if (!updated) return;
    this.recordEvent(updated, 'Warning', 'BackOff', `Back-off restarting failed container ${this.firstContainer(pod)} in pod ${pod.metadata.name}`, 'kubelet');
    this.refreshOwnerOf(updated);
    if (crash) {
      this.later(this.random.int(2000, 8000), () => {
        const healed = this.stores.pods.mutate(ns, pod.metadata.name, (d) => {
          const c = containerStatuses(d)[0];
          if (c && (c.state as { waiting?: unknown }).waiting) startPod(d, String((d.status as { podIP?: string }).podIP ?? this.nextPodIP()), this.iso());
        });
        if (healed) this.refreshOwnerOf(healed);
      });
    }
  }

  private randomPodEvent(): void {
    const pod = this.randomPod();
    if (!pod) return;
    const image = String((pod.spec as { containers: { image: string }[] }).containers[0]?.image ?? '');
    const [reason, message] = this.random.pick([
      ['Pulled', `Container image "${image}" already present on machine`],
      ['Created', `Created container ${this.firstContainer(pod)}`],
      ['Started', `Started container ${this.firstContainer(pod)}`],
    ] as const);
    this.recordEvent(pod, 'Normal', reason, message, 'kubelet', String((pod.spec as { nodeName?: string }).nodeName ?? ''));
  }

  private randomDeployment(): KubeObject | undefined {
    const pod = this.randomPod();
    const ref = pod?.metadata.ownerReferences?.[0];
    if (!pod || ref?.kind !== 'ReplicaSet') return undefined;
    const rs = this.stores.replicasets.get(pod.metadata.namespace, ref.name);
    const depRef = rs?.metadata.ownerReferences?.[0];
    return depRef ? this.stores.deployments.get(pod.metadata.namespace, depRef.name) : undefined;
  }

  /** A rollout: a new ReplicaSet, then its pods replace the old ones one at a time. */
  private rollRandomDeployment(): void {
    const deployment = this.randomDeployment();
    if (!deployment) return;
    this.rollDeployment(deployment.metadata.namespace ?? 'default', deployment.metadata.name);
  }

  rollDeployment(ns: string, name: string, bumpTemplate = true): void {
    const deployment = this.stores.deployments.mutate(ns, name, (d) => {
      d.metadata.generation = Number(d.metadata.generation ?? 1) + 1;
      const template = (d.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
      if (bumpTemplate) (template.metadata.annotations ??= {})['kubectl.kubernetes.io/restartedAt'] = this.iso();
      const annotations = (d.metadata.annotations ??= {});
      annotations['deployment.kubernetes.io/revision'] = String(Number(annotations['deployment.kubernetes.io/revision'] ?? 1) + 1);
    });
    if (!deployment) return;
    const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '2';
    const rs = makeReplicaSet(deployment, this.random.suffix(10), 0, this.iso(), revision, this.random.uid());
    this.stores.replicasets.create(rs);
    this.recordEvent(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to 1`, 'deployment-controller');
    this.reconcileDeployment(ns, name);
  }

  private flipRandomNode(): void {
    if (this.workerNames.length === 0) return;
    const name = this.random.pick(this.workerNames);
    const setReady = (ready: boolean): void => {
      const node = this.stores.nodes.mutate(undefined, name, (d) => {
        const conditions = (d.status as { conditions: Record<string, unknown>[] }).conditions;
        const at = this.iso();
        const index = conditions.findIndex((c) => c.type === 'Ready');
        const next = ready ? nodeCondition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', at) : nodeCondition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', at);
        if (index >= 0) conditions[index] = next as Record<string, unknown>;
      });
      if (node) this.recordEvent({ ...node, metadata: { ...node.metadata, namespace: 'default' } }, ready ? 'Normal' : 'Warning', ready ? 'NodeReady' : 'NodeNotReady', `Node ${name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`, 'node-controller');
    };
    setReady(false);
    this.later(this.random.int(3000, 10_000), () => setReady(true));
  }

  /**
   * The deployment controller meets a Deployment a client created: revision 1, its first
   * ReplicaSet (named by a pod-template-hash, owned by the Deployment) and from there the same
   * reconciling as the simulation's own, so scale, rollout restart and readiness follow the
   * simulation's rules. A moment later, as a controller reacts to the watch event, not inside
   * the create.
   */
  adoptDeployment(ns: string, name: string): void {
    this.later(this.random.int(20, 120), () => {
      const deployment = this.stores.deployments.mutate(ns, name, (d) => {
        (d.metadata.annotations ??= {})['deployment.kubernetes.io/revision'] ??= '1';
      });
      if (!deployment || this.currentReplicaSet(deployment)) return;
      const rs = makeReplicaSet(deployment, this.random.suffix(10), 0, this.iso(), '1', this.random.uid());
      this.stores.replicasets.create(rs);
      const replicas = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
      this.recordEvent(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`, 'deployment-controller');
      this.reconcileDeployment(ns, name);
      // With no pods to wait for, the status is the controller's to write at once.
      if (replicas === 0) this.refreshStatus(rs);
    });
  }

  /**
   * A client deleted a Deployment. Background propagation, the API's default: the Deployment
   * goes at once, then the garbage collector deletes what it owned (its ReplicaSets, and their
   * pods, which terminate gracefully). Orphan: its ReplicaSets stay, their owner reference
   * removed, and keep their pods. (Kubernetes docs, "Garbage Collection" and "Use Cascading
   * Deletion in a Cluster".) Returns the Deployment as it last was.
   */
  deleteDeployment(ns: string, name: string, propagation: 'Background' | 'Orphan'): KubeObject | undefined {
    const deployment = this.stores.deployments.delete(ns, name);
    if (!deployment) return undefined;
    this.rolling.delete(objectKey(ns, name));
    const owned = this.replicaSetsOf(deployment);
    if (propagation === 'Orphan') {
      for (const rs of owned) this.stores.replicasets.mutate(ns, rs.metadata.name, (d) => void (d.metadata.ownerReferences = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== deployment.metadata.uid)));
      return deployment;
    }
    this.later(this.random.int(50, 200), () => {
      for (const rs of owned) {
        const pods = this.podsOf(rs);
        this.stores.replicasets.delete(ns, rs.metadata.name);
        for (const pod of pods) this.terminatePod(pod, podGracePeriodSeconds(pod), false);
      }
    });
    return deployment;
  }

  private scaleRandomDeployment(): void {
    const deployment = this.randomDeployment();
    if (!deployment) return;
    const replicas = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
    // A random walk would drift without bound over a long run; past the cap it only steps down.
    const up = replicas < this.churnReplicaCap && this.random.chance(0.5);
    const next = Math.max(1, replicas + (up ? 1 : -1));
    this.scaleDeployment(deployment.metadata.namespace ?? 'default', deployment.metadata.name, next);
  }

  /**
   * A StatefulSet's or DaemonSet's new template (`kubectl rollout restart`): its pods created
   * before the change are replaced one at a time, each step once the previous replacement is
   * ready, as the controllers' default RollingUpdate with one unavailable pod does. Every step
   * reads the state afresh, so a second restart during the first simply carries on.
   */
  rollPods(kind: 'StatefulSet' | 'DaemonSet', ns: string, name: string): void {
    const store = kind === 'StatefulSet' ? this.stores.statefulsets : this.stores.daemonsets;
    const owner = store.get(ns, name);
    if (!owner) return;
    const key = `${kind}:${objectKey(ns, name)}`;
    // The pods of the old template: those that exist now (a rollout already running adds to them).
    const old = this.oldTemplatePods.get(key) ?? new Set<string>();
    for (const pod of this.podsOf(owner)) old.add(pod.metadata.uid);
    this.oldTemplatePods.set(key, old);
    if (this.rolling.has(key)) return;
    const step = (): void => {
      this.rolling.delete(key);
      const current = store.get(ns, name);
      const pods = current ? this.podsOf(current) : [];
      const stale = pods.filter((p) => old.has(p.metadata.uid) && !isTerminating(p));
      if (!current || stale.length === 0) {
        this.oldTemplatePods.delete(key);
        return;
      }
      // One pod unavailable at a time: the next goes once every replacement so far is ready.
      if (!pods.some((p) => isTerminating(p) || !isPodReady(p))) {
        // Highest ordinal first for a StatefulSet, as its controller goes.
        const victim = kind === 'StatefulSet' ? [...stale].sort((a, b) => b.metadata.name.localeCompare(a.metadata.name, 'en', { numeric: true }))[0] : stale[0];
        if (victim) this.terminatePod(victim, this.churnGraceSeconds());
      }
      this.rolling.add(key);
      this.later(this.random.int(300, 900), step);
    };
    step();
  }

  /** Sets a StatefulSet's replicas and lets its controller add or remove ordinals. */
  scaleStatefulSet(ns: string, name: string, replicas: number): KubeObject | undefined {
    const updated = this.stores.statefulsets.mutate(ns, name, (d) => {
      (d.spec as { replicas: number }).replicas = replicas;
      d.metadata.generation = Number(d.metadata.generation ?? 1) + 1;
    });
    if (!updated) return undefined;
    this.reconcilePods({ kind: 'StatefulSet', namespace: ns, name });
    return this.stores.statefulsets.get(ns, name);
  }

  /** Sets a deployment's replicas and lets the controllers add or remove pods. */
  scaleDeployment(ns: string, name: string, replicas: number): KubeObject | undefined {
    const before = this.stores.deployments.get(ns, name);
    const updated = this.stores.deployments.mutate(ns, name, (d) => {
      (d.spec as { replicas: number }).replicas = replicas;
      d.metadata.generation = Number(d.metadata.generation ?? 1) + 1;
    });
    if (!updated) return undefined;
    const from = Number((before?.spec as { replicas?: number } | undefined)?.replicas ?? 0);
    this.recordEvent(updated, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set from ${from} to ${replicas}`, 'deployment-controller');
    this.reconcileDeployment(ns, name);
    return this.stores.deployments.get(ns, name);
  }
}

/** The content's own random stream, so adding content changed neither the workloads nor the pod churn of a seed. */
function contentSeed(seed: number): number {
  return (seed * 2_654_435_761 + 0x5eed) >>> 0;
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

/** A pod's own grace period: spec.terminationGracePeriodSeconds, 30 when unset, as the API server defaults it. */
function podGracePeriodSeconds(pod: KubeObject): number {
  const seconds = (pod.spec as { terminationGracePeriodSeconds?: unknown }).terminationGracePeriodSeconds;
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 0 ? seconds : 30;
}

